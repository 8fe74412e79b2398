import { describe, expect, it } from "bun:test";
import { createRouteTemplates } from "../../src/observability/http";

const templates = createRouteTemplates([
  { method: "GET", path: "/time" },
  { method: "GET", path: "/tocos/:user" },
  { method: "PATCH", path: "/endpoints/:id" },
  { method: "ALL", path: "/*" },
]);

describe("createRouteTemplates", () => {
  it("finds a static route", () => {
    expect(templates("GET", "/time")).toBe("/time");
  });

  it("finds a parameter route by its template", () => {
    expect(templates("GET", "/tocos/Sam")).toBe("/tocos/:user");
  });

  it("matches the trailing-slash variant the framework also serves", () => {
    expect(templates("GET", "/time/")).toBe("/time");
  });

  it("falls back to the catch-all for another method on a known path", () => {
    expect(templates("POST", "/time")).toBe("/*");
    expect(templates("GET", "/endpoints/abc")).toBe("/*");
  });

  it("falls back to the catch-all for a method outside the standard nine", () => {
    expect(templates("PROPFIND", "/anything")).toBe("/*");
  });

  it("finds nothing when no route and no catch-all match", () => {
    expect(createRouteTemplates([{ method: "GET", path: "/time" }])("GET", "/x")).toBeUndefined();
  });
});

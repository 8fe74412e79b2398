import { describe, expect, it } from "bun:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { testApp } from "./support/app";
import { get } from "./support/http";

async function openapiDocument() {
  const response = await testApp().handle(get("/openapi.json"));
  expect(response.status).toBe(200);
  return (await response.json()) as {
    openapi: string;
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  };
}

describe("/openapi.json", () => {
  it("passes a standard OpenAPI validator", async () => {
    const doc = await openapiDocument();
    expect(doc.openapi).toStartWith("3.");
    // validate() throws on any schema or reference error; it mutates, so give it a copy.
    await SwaggerParser.validate(structuredClone(doc) as never);
  });

  it("describes every public route", async () => {
    const doc = await openapiDocument();
    for (const path of ["/time", "/tocos", "/tocos/{user}", "/api/v1/factorial", "/healthz"]) {
      expect(doc.paths[path]?.get).toBeDefined();
    }
  });

  it("documents the factorial's error response", async () => {
    const doc = await openapiDocument();
    expect(Object.keys(doc.paths["/api/v1/factorial"]?.get?.responses ?? {})).toContain("400");
  });

  it("leaves the docs page and its assets out of the document", async () => {
    const doc = await openapiDocument();
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/docs"))).toEqual([]);
  });
});

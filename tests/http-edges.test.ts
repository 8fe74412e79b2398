import { describe, expect, it } from "bun:test";
import { testApp } from "./support/app";
import { errorsOf, get, req } from "./support/http";

describe("a malformed escape in a path parameter", () => {
  for (const path of ["/tocos/%ZZ", "/tocos/%FF", "/tocos/Sam%", "/endpoints/%ZZ"]) {
    it(`answers ${path} with 400 invalid_parameter and a sentence about the escape`, async () => {
      const response = await testApp().handle(get(path));
      expect(response.status).toBe(400);
      const [error] = (await errorsOf(response)).errors;
      const name = path.startsWith("/tocos") ? "user" : "id";
      // The management API answers in JSON:API, its framework-level refusals included.
      expect(response.headers.get("content-type")).toBe(
        path.startsWith("/tocos") ? "application/json" : "application/vnd.api+json",
      );
      expect(error).toEqual({
        status: "400",
        code: "invalid_parameter",
        detail: `Path parameter \`${name}\` is not valid percent-encoding: each \`%\` must be followed by two hex digits, and together they must spell UTF-8 (\`%C3%A9\` is é)`,
        source: { parameter: name },
      });
    });
  }

  it("still decodes a valid escape", async () => {
    const response = await testApp().handle(get("/tocos/caf%C3%A9"));
    expect(response.status).toBe(404);
    expect((await errorsOf(response)).errors[0]?.detail).toBe("User `café` does not exist");
  });
});

describe("error details quote at most 200 characters of a path", () => {
  const long = "a".repeat(10_000);
  const quoted = `${"a".repeat(200)}…`;

  it("on an unknown page", async () => {
    const response = await testApp().handle(get(`/${long}`));
    expect(response.status).toBe(404);
    const body = await response.text();
    expect(body.length).toBeLessThan(400);
    expect(JSON.parse(body).errors[0]?.detail).toBe(
      `Requested page \`/${"a".repeat(199)}…\` does not exist`,
    );
  });

  it("on an unknown user", async () => {
    const response = await testApp().handle(get(`/tocos/${long}`));
    expect((await errorsOf(response)).errors[0]?.detail).toBe(`User \`${quoted}\` does not exist`);
  });

  it("on an unknown endpoint id", async () => {
    const response = await testApp().handle(req(`/endpoints/${long}`, { method: "DELETE" }));
    expect((await errorsOf(response)).errors[0]?.detail).toBe(
      `Requested Endpoint with ID \`${quoted}\` does not exist`,
    );
  });

  it("but quotes a path of 200 characters whole", async () => {
    const path = `/${"b".repeat(199)}`;
    const response = await testApp().handle(get(path));
    expect((await errorsOf(response)).errors[0]?.detail).toBe(
      `Requested page \`${path}\` does not exist`,
    );
  });
});

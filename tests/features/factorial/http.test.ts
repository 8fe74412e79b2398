import { describe, expect, it } from "bun:test";
import { testApp } from "../../support/app";
import { errorsOf, get } from "../../support/http";

const app = testApp({ config: { factorialMax: 1000 } });

describe("GET /api/v1/factorial", () => {
  it("returns the exact digits as a string", async () => {
    const response = await app.handle(get("/api/v1/factorial?number=25"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      number: 25,
      factorial: "15511210043330985984000000",
    });
  });

  it("answers 0! = 1", async () => {
    expect(await (await app.handle(get("/api/v1/factorial?number=0"))).json()).toEqual({
      number: 0,
      factorial: "1",
    });
  });

  it("accepts the configured maximum", async () => {
    const response = await app.handle(get("/api/v1/factorial?number=1000"));
    const body = (await response.json()) as { factorial: string };
    expect(body.factorial).toHaveLength(2568);
  });

  it("answers only the digits for Accept: text/plain", async () => {
    const response = await app.handle(get("/api/v1/factorial?number=20", { accept: "text/plain" }));
    expect(response.headers.get("content-type")).toStartWith("text/plain");
    expect(await response.text()).toBe("2432902008176640000");
  });

  it("prefers JSON when the client accepts both equally", async () => {
    const response = await app.handle(
      get("/api/v1/factorial?number=5", { accept: "application/json, text/plain" }),
    );
    expect(await response.json()).toEqual({ number: 5, factorial: "120" });
  });

  it("sends immutable cache headers and an ETag per representation", async () => {
    const json = await app.handle(get("/api/v1/factorial?number=10"));
    const text = await app.handle(get("/api/v1/factorial?number=10", { accept: "text/plain" }));
    expect(json.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(json.headers.get("vary")).toBe("Accept");
    expect(json.headers.get("etag")).toBeTruthy();
    expect(text.headers.get("etag")).not.toBe(json.headers.get("etag"));
  });

  it("reports the time spent on the digits in Server-Timing", async () => {
    const response = await app.handle(get("/api/v1/factorial?number=500"));
    expect(response.headers.get("server-timing")).toMatch(/^factorial;dur=\d+\.\d{2}$/);
  });

  it("answers 304 with no body when If-None-Match matches", async () => {
    const first = await app.handle(get("/api/v1/factorial?number=10"));
    const etag = first.headers.get("etag") ?? "";
    const second = await app.handle(get("/api/v1/factorial?number=10", { "if-none-match": etag }));
    expect(second.status).toBe(304);
    expect(await second.text()).toBe("");
  });

  const invalid: [string, string][] = [
    ["missing", ""],
    ["empty", "?number="],
    ["negative", "?number=-1"],
    ["fraction", "?number=1.5"],
    ["exponent notation", "?number=1e3"],
    ["not a number", "?number=abc"],
    ["over the maximum", "?number=1001"],
    ["huge", "?number=99999999999999999999999"],
    ["signed", "?number=%2B5"],
    ["padded with spaces", "?number=%205"],
    ["hexadecimal", "?number=0x10"],
    ["given twice", "?number=1&number=2"],
  ];
  for (const [name, query] of invalid) {
    it(`refuses a ${name} number with 400 in the error format`, async () => {
      const response = await app.handle(get(`/api/v1/factorial${query}`));
      expect(response.status).toBe(400);
      const body = await errorsOf(response);
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0]?.code).toBe("invalid_parameter");
      expect(body.errors[0]?.source).toEqual({ parameter: "number" });
      expect(body.errors[0]?.detail).toContain("`number`");
    });
  }
});

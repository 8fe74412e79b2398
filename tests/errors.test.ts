import { describe, expect, it } from "bun:test";
import { t } from "elysia";
import { ApiError } from "../src/errors";
import { memoryLogger, testApp } from "./support/app";
import { errorsOf, get, req } from "./support/http";

describe("the one error format", () => {
  it("answers an unmatched route with the exact not-found sentence", async () => {
    const response = await testApp().handle(get("/the/path"));
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toStartWith("application/json");
    expect(await response.json()).toEqual({
      errors: [
        { status: "404", code: "not_found", detail: "Requested page `/the/path` does not exist" },
      ],
    });
  });

  it("answers a known path with another method as 405, in the same format", async () => {
    const response = await testApp().handle(req("/time", { method: "DELETE" }));
    expect(response.status).toBe(405);
    expect((await errorsOf(response)).errors[0]?.code).toBe("method_not_allowed");
  });

  it("turns an unexpected exception into a 500 without its message or stack", async () => {
    const { logger, lines } = memoryLogger();
    const service = testApp({ logger });
    service.app.get("/boom", () => {
      throw new Error("secret internals");
    });
    const response = await service.handle(get("/boom"));
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toEqual({
      errors: [
        {
          status: "500",
          code: "internal_error",
          detail: "The server failed to handle this request",
        },
      ],
    });
    expect(text).not.toContain("secret");
    logger.flush();
    expect(lines.some((l) => l.level === "error" && String(l.error).includes("secret"))).toBe(true);
  });

  it("keeps a thrown ApiError's status, code, source and headers", async () => {
    const service = testApp();
    service.app.get("/teapot", () => {
      throw new ApiError(
        418,
        "teapot",
        "Short and stout",
        { parameter: "x" },
        { "retry-after": "7" },
      );
    });
    const response = await service.handle(get("/teapot"));
    expect(response.status).toBe(418);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(await response.json()).toEqual({
      errors: [
        { status: "418", code: "teapot", detail: "Short and stout", source: { parameter: "x" } },
      ],
    });
  });

  it("maps the framework's query validation errors to 400 with the parameter", async () => {
    const service = testApp();
    service.app.get("/typed", ({ query }) => query.n, {
      query: t.Object({ n: t.Numeric() }),
    });
    const response = await service.handle(get("/typed?n=abc"));
    expect(response.status).toBe(400);
    const body = await errorsOf(response);
    expect(body.errors[0]?.code).toBe("invalid_parameter");
    expect(body.errors[0]?.source).toEqual({ parameter: "n" });
  });

  it("maps the framework's body validation errors to 422 with a JSON pointer", async () => {
    const service = testApp();
    service.app.post("/typed", ({ body }) => body, {
      body: t.Object({ data: t.Object({ name: t.String() }) }),
    });
    const response = await service.handle(
      req("/typed", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ data: { name: 5 } }),
      }),
    );
    expect(response.status).toBe(422);
    expect((await errorsOf(response)).errors[0]?.source).toEqual({ pointer: "/data/name" });
  });

  it("echoes a request id on every response, errors included", async () => {
    const ok = await testApp().handle(get("/time"));
    const missing = await testApp().handle(get("/nope"));
    expect(ok.headers.get("x-request-id")).toBeTruthy();
    expect(missing.headers.get("x-request-id")).toBeTruthy();
    expect(ok.headers.get("x-request-id")).not.toBe(missing.headers.get("x-request-id"));
  });

  it("takes the request id from the Lambda Web Adapter's request context on Lambda", async () => {
    const response = await testApp({ config: { onLambda: true } }).handle(
      get("/time", { "x-amzn-request-context": JSON.stringify({ requestId: "abc-123" }) }),
    );
    expect(response.headers.get("x-request-id")).toBe("abc-123");
  });

  it("ignores a client's adapter context header off Lambda", async () => {
    const response = await testApp({ config: { onLambda: false } }).handle(
      get("/time", { "x-amzn-request-context": JSON.stringify({ requestId: "chosen-id" }) }),
    );
    expect(response.headers.get("x-request-id")).not.toBe("chosen-id");
  });
});

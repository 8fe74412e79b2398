import { describe, expect, it } from "bun:test";
import { requestIdFrom } from "../src/observability/logger";
import { memoryLogger, testApp } from "./support/app";
import { get } from "./support/http";

describe("logger", () => {
  it("writes one JSON object per line with level and message", () => {
    const { logger, lines } = memoryLogger("debug");
    logger.info("hello", { a: 1 });
    logger.flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "info", msg: "hello", a: 1 });
    expect(typeof lines[0]?.time).toBe("string");
  });

  it("drops events below its level", () => {
    const { logger, lines } = memoryLogger("warn");
    logger.info("quiet");
    logger.warn("loud");
    logger.flush();
    expect(lines.map((l) => l.msg)).toEqual(["loud"]);
  });

  it("logs each request with method, route template, status, duration and request id", async () => {
    const { logger, lines } = memoryLogger("info");
    const response = await testApp({ logger }).handle(get("/tocos/Nobody"));
    await Bun.sleep(5);
    logger.flush();
    const line = lines.find((l) => l.msg === "request");
    expect(line).toMatchObject({
      method: "GET",
      route: "/tocos/:user",
      status: 404,
      requestId: response.headers.get("x-request-id"),
    });
    expect(typeof line?.durationMs).toBe("number");
  });
});

describe("requestIdFrom", () => {
  it("reads the adapter's x-amzn-lambda-context", () => {
    const headers = new Headers({ "x-amzn-lambda-context": JSON.stringify({ request_id: "r-1" }) });
    expect(requestIdFrom(headers)).toBe("r-1");
  });

  it("generates a fresh id when the context header is malformed", () => {
    const headers = new Headers({ "x-amzn-request-context": "{not json" });
    const a = requestIdFrom(headers);
    const b = requestIdFrom(headers);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[0-9a-z]+-[0-9a-z]+$/);
  });
});

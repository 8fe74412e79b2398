import { afterEach, describe, expect, it } from "bun:test";
import { createApp } from "../../../src/app";
import type { Config } from "../../../src/config";
import { loadConfig } from "../../../src/config";
import { memoryLogger, testApp, testDeps } from "../../support/app";
import { errorsOf, freePort, get } from "../../support/http";

/** A profile with no spread: every answer takes `ms`. */
const steady = (ms: number, errorPercent = 0): Config["work"] => ({
  ...loadConfig({}).work,
  medianMs: ms,
  p95Ms: ms,
  errorPercent,
});

describe("GET /api/work", () => {
  it("answers {time} with the latency it simulated", async () => {
    const app = testApp({ config: { work: steady(3) } });
    const response = await app.handle(get("/api/work"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ time: 3 });
  });

  it("answers 500 in the error format for a simulated failure", async () => {
    const app = testApp({ config: { work: steady(1, 100) } });
    const response = await app.handle(get("/api/work"));
    expect(response.status).toBe(500);
    expect((await errorsOf(response)).errors[0]?.code).toBe("simulated_failure");
  });

  it("repeats a seeded run's statuses on a fresh app", async () => {
    const run = async () => {
      const app = testApp({ config: { work: steady(1, 50) } });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++)
        statuses.push((await app.handle(get("/api/work?seed=7"))).status);
      return statuses;
    };
    const first = await run();
    expect(new Set(first)).toEqual(new Set([200, 500]));
    expect(await run()).toEqual(first);
  });

  for (const query of ["?seed=", "?seed=x", "?seed=-1", "?seed=4294967296", "?seed=1&seed=2"]) {
    it(`refuses ${query} with 400 invalid_parameter`, async () => {
      const response = await testApp().handle(get(`/api/work${query}`));
      expect(response.status).toBe(400);
      const [error] = (await errorsOf(response)).errors;
      expect(error?.code).toBe("invalid_parameter");
      expect(error?.source?.parameter).toBe("seed");
    });
  }

  it("is in the OpenAPI document", async () => {
    const doc = (await (await testApp().handle(get("/openapi.json"))).json()) as {
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
    };
    expect(Object.keys(doc.paths["/api/work"]?.get?.responses ?? {})).toEqual([
      "200",
      "400",
      "500",
    ]);
  });
});

describe("GET /api/smart with SMART_UPSTREAM_URL unset", () => {
  let stop = () => {};
  afterEach(() => stop());

  it("calls the service's own /api/work on loopback", async () => {
    const port = freePort();
    const app = createApp(
      testDeps({ config: { port, smartUpstreamUrl: undefined, work: steady(2) } }),
    );
    const server = app.listen({ port, hostname: "127.0.0.1" });
    stop = () => server.stop(true);
    const response = await fetch(`http://127.0.0.1:${port}/api/smart?timeout=1000`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ time: 2 });
  });

  it("logs an unreachable upstream at warn, with the cause", async () => {
    const { logger, lines } = memoryLogger("warn");
    const app = createApp(
      testDeps({ logger, config: { port: freePort(), smartUpstreamUrl: undefined } }),
    );
    const response = await app.handle(get("/api/smart?timeout=2000"));
    expect(response.status).toBe(502);
    await new Promise((resolve) => setImmediate(resolve));
    const warning = lines.find((line) => line.msg === "smart upstream unreachable");
    expect(warning?.level).toBe("warn");
    expect(String(warning?.cause)).toContain("ECONNREFUSED");
    expect(warning?.attempts).toBe(3);
  });
});

import { afterEach, describe, expect, it } from "bun:test";
import { eventually, type SmartFixture, smartFixture, smartLogs } from "../features/smart/support";
import { hang, ok, type Reply, reset, status } from "../support/fake-upstream";
import { errorsOf, freePort } from "../support/http";

/**
 * How late a timed event may be over loopback on a shared 2-core machine under full load.
 * Exact timing is checked in simulated time by tests/features/smart/hedge.test.ts.
 */
const LATE_MS = 250;
/** How much earlier than its delay a hedge may appear to arrive upstream. */
const EARLY_MS = 50;

let fixture: SmartFixture | undefined;
const start = (replies: Reply[] | ((index: number) => Reply), config = {}) => {
  fixture = smartFixture(replies, config);
  return fixture;
};
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const gaps = (f: SmartFixture) => {
  const first = f.upstream.requests[0]?.arrivedAt ?? Number.NaN;
  return f.upstream.requests.map((r) => r.arrivedAt - first);
};

describe("GET /api/smart: winning", () => {
  it("returns a fast first success after exactly one upstream request", async () => {
    const f = start([{ body: '{"time": 123}', delayMs: 20 }], { smartHedgeDelayMs: 300 });
    const { response } = await f.smart("?timeout=1000");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"time": 123}');
    expect(f.upstream.requests).toHaveLength(1);
  });

  it("answers with content-type application/json", async () => {
    const f = start([ok(5)]);
    const { response } = await f.smart("?timeout=1000");
    expect(response.headers.get("content-type")).toBe("application/json");
  });

  it("fires the hedges 300 ms after the first request when it is slow", async () => {
    const f = start([ok(1, 900), ok(2, 100), ok(3, 200)], { smartHedgeDelayMs: 300 });
    const { response } = await f.smart("?timeout=2000");
    expect(response.status).toBe(200);
    const [, second, third] = gaps(f);
    // Gaps are taken where the upstream receives the requests: on a loaded machine the first one
    // can arrive late, which shortens the gap. The exact 300 ms is checked in simulated time.
    expect(second).toBeGreaterThanOrEqual(300 - EARLY_MS);
    expect(second).toBeLessThan(300 + LATE_MS);
    expect(third).toBeGreaterThanOrEqual(300 - EARLY_MS);
    expect(third).toBeLessThan(300 + LATE_MS);
  });

  it("answers with the hedge that succeeds first and aborts the others", async () => {
    const f = start([ok(1, 900), ok(2, 100), hang()]);
    const { response, tookMs } = await f.smart("?timeout=2000");
    expect(await response.json()).toEqual({ time: 2 });
    expect(tookMs).toBeLessThan(200 + LATE_MS);
    await eventually(() => f.upstream.requests.filter((r) => r.aborted).length === 2);
    expect(f.upstream.requests.map((r) => r.aborted)).toEqual([true, false, true]);
  });

  it("lets the first request win after the hedges fired", async () => {
    const f = start([ok(1, 180), ok(2, 600), ok(3, 600)]);
    const { response } = await f.smart("?timeout=2000");
    expect(await response.json()).toEqual({ time: 1 });
    expect(f.upstream.requests).toHaveLength(3);
    expect(f.recorded.responses).toEqual(["first"]);
  });

  it("fires the hedges at once when the first request fails early", async () => {
    const f = start([status(500), ok(2, 30), ok(3, 60)], { smartHedgeDelayMs: 300 });
    const { response, tookMs } = await f.smart("?timeout=2000");
    expect(await response.json()).toEqual({ time: 2 });
    const [, second, third] = gaps(f);
    expect(second).toBeLessThan(LATE_MS);
    expect(third).toBeLessThan(LATE_MS);
    expect(tookMs).toBeLessThan(300 + LATE_MS);
  });

  it("keeps waiting when a failure finishes first and another succeeds later", async () => {
    const f = start([status(429, 150), status(500, 10), ok(3, 250)]);
    const { response } = await f.smart("?timeout=2000");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ time: 3 });
    expect(f.recorded.attempts.map((a) => a.outcome).sort()).toEqual([
      "http_error",
      "http_error",
      "success",
    ]);
  });

  it("treats an invalid payload as a failure and answers with a valid hedge", async () => {
    const f = start([{ body: '{"time":"soon"}' }, { body: "<html>" }, ok(3, 20)]);
    const { response } = await f.smart("?timeout=2000");
    expect(await response.json()).toEqual({ time: 3 });
    expect(f.recorded.attempts.map((a) => a.outcome).sort()).toEqual([
      "invalid_payload",
      "invalid_payload",
      "success",
    ]);
  });

  it("returns the first success without a timeout", async () => {
    const f = start([ok(1, 400), hang(), hang()]);
    const { response } = await f.smart();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ time: 1 });
  });

  it("tells the upstream time and attempt count in Server-Timing", async () => {
    const f = start([ok(1, 150), hang(), hang()]);
    const { response } = await f.smart("?timeout=2000");
    const timing = response.headers.get("server-timing") ?? "";
    expect(timing).toMatch(/^upstream;dur=\d+(\.\d)?;desc="3 attempts"$/);
    const dur = Number(/dur=([\d.]+)/.exec(timing)?.[1]);
    expect(dur).toBeGreaterThanOrEqual(149);
    // The winner's time, not the 2000 ms deadline; the margin absorbs pauses on a shared machine.
    expect(dur).toBeLessThan(1_000);
  });
});

describe("GET /api/smart: failing", () => {
  it("answers 502 in the error format as soon as every attempt failed", async () => {
    const f = start([status(500, 20), status(429, 10), reset(30)]);
    const { response, tookMs } = await f.smart("?timeout=5000");
    expect(response.status).toBe(502);
    const body = await errorsOf(response);
    expect(body.errors[0]?.code).toBe("upstream_failed");
    expect(body.errors[0]?.status).toBe("502");
    expect(tookMs).toBeLessThan(500 + LATE_MS);
  });

  it("answers 504 at the deadline, not before and not much after", async () => {
    const f = start(() => hang());
    const { response, tookMs } = await f.smart("?timeout=400");
    expect(response.status).toBe(504);
    expect((await errorsOf(response)).errors[0]?.code).toBe("upstream_timeout");
    expect(tookMs).toBeGreaterThanOrEqual(399);
    expect(tookMs).toBeLessThan(400 + LATE_MS);
  });

  it("aborts every upstream request at the deadline", async () => {
    const f = start(() => hang());
    await f.smart("?timeout=300");
    expect(f.upstream.requests).toHaveLength(3);
    await eventually(() => f.upstream.requests.every((r) => r.aborted));
    expect(f.upstream.requests.map((r) => r.aborted)).toEqual([true, true, true]);
  });

  it("leaves no upstream connection open after the deadline", async () => {
    const f = start(() => hang());
    await f.smart("?timeout=300");
    await eventually(() => f.upstream.openConnections() === 0 && f.upstream.pending() === 0);
    expect(f.upstream.openConnections()).toBe(0);
    expect(f.upstream.pending()).toBe(0);
  });

  it("cuts a byte-by-byte body off at the deadline", async () => {
    const f = start(() => ({ body: '{"time":1}', byteIntervalMs: 80 }));
    const { response, tookMs } = await f.smart("?timeout=350");
    expect(response.status).toBe(504);
    expect(tookMs).toBeLessThan(350 + LATE_MS);
    await eventually(() => f.upstream.requests.every((r) => r.aborted));
    expect(f.upstream.requests.every((r) => r.aborted)).toBe(true);
  });

  it("sends exactly one upstream request when the deadline is under the hedge delay", async () => {
    const f = start(() => hang(), { smartHedgeDelayMs: 300 });
    const { response, tookMs } = await f.smart("?timeout=200");
    expect(response.status).toBe(504);
    expect(tookMs).toBeLessThan(200 + LATE_MS);
    await Bun.sleep(150);
    expect(f.upstream.requests).toHaveLength(1);
  });

  it("bounds each attempt by SMART_ATTEMPT_TIMEOUT_MS when there is no timeout", async () => {
    const f = start(() => hang(), { smartAttemptTimeoutMs: 250 });
    const { response, tookMs } = await f.smart();
    expect(response.status).toBe(502);
    expect(tookMs).toBeLessThan(100 + 250 + LATE_MS);
    expect(f.recorded.attempts.map((a) => a.outcome)).toEqual(["timeout", "timeout", "timeout"]);
  });

  it("answers a clean 502 when the upstream is unreachable, and stays healthy", async () => {
    const f = start([]);
    const port = freePort();
    const unreachable = smartFixture([], { smartUpstreamUrl: `http://127.0.0.1:${port}/api/work` });
    try {
      const { response, tookMs } = await unreachable.smart("?timeout=2000");
      expect(response.status).toBe(502);
      expect((await errorsOf(response)).errors[0]?.detail).toContain("network_error");
      expect(tookMs).toBeLessThan(500 + LATE_MS);
      const health = await unreachable.app.handle(new Request("http://localhost/healthz"));
      expect(health.status).toBe(200);
    } finally {
      await unreachable.close();
    }
    expect(f.upstream.requests).toHaveLength(0);
  });

  it("tells the attempt count in Server-Timing on a 504 too", async () => {
    const f = start(() => hang());
    const { response } = await f.smart("?timeout=250");
    expect(response.headers.get("server-timing")).toMatch(/desc="3 attempts"$/);
  });
});

describe("GET /api/smart: the timeout parameter", () => {
  const invalid: [string, string][] = [
    ["empty", "?timeout="],
    ["valueless", "?timeout"],
    ["non-integer", "?timeout=abc"],
    ["fractional", "?timeout=1.5"],
    ["zero", "?timeout=0"],
    ["negative", "?timeout=-5"],
    ["over the maximum", "?timeout=60001"],
    ["huge", "?timeout=99999999999999999999"],
    ["exponent", "?timeout=1e3"],
    ["signed", "?timeout=%2B100"],
    ["space-padded", "?timeout=%20100"],
    ["duplicated", "?timeout=100&timeout=200"],
  ];
  for (const [name, query] of invalid) {
    it(`refuses a ${name} timeout with 400 and sends nothing upstream`, async () => {
      const f = start(() => ok(1));
      const { response } = await f.smart(query);
      expect(response.status).toBe(400);
      const body = await errorsOf(response);
      expect(body.errors[0]?.code).toBe("invalid_parameter");
      expect(body.errors[0]?.source).toEqual({ parameter: "timeout" });
      expect(f.upstream.requests).toHaveLength(0);
    });
  }

  it("accepts the configured maximum", async () => {
    const f = start([ok(7)], { smartMaxTimeoutMs: 5_000 });
    expect((await f.smart("?timeout=5000")).response.status).toBe(200);
  });

  it("refuses one more than the configured maximum", async () => {
    const f = start([ok(7)], { smartMaxTimeoutMs: 5_000 });
    const { response } = await f.smart("?timeout=5001");
    expect((await errorsOf(response)).errors[0]?.detail).toContain("from 1 to 5000");
  });
});

describe("GET /api/smart: observability", () => {
  it("counts every attempt, the hedges fired and how the request ended", async () => {
    const f = start([ok(1, 900), status(500, 10), ok(3, 50)]);
    await f.smart("?timeout=2000");
    // Hedges fire together, so which of them the upstream saw first is not fixed.
    const outcomes = f.recorded.attempts.map((a) => a.outcome);
    expect([outcomes[0], ...outcomes.slice(1).sort()]).toEqual([
      "aborted",
      "http_error",
      "success",
    ]);
    expect(f.recorded.hedges).toEqual([2]);
    expect(f.recorded.responses).toEqual(["hedge"]);
  });

  it("measures attempt durations in milliseconds", async () => {
    const f = start([ok(1, 120)]);
    await f.smart("?timeout=2000");
    const milliseconds = f.recorded.attempts[0]?.milliseconds ?? 0;
    expect(milliseconds).toBeGreaterThanOrEqual(119);
    expect(milliseconds).toBeLessThan(120 + LATE_MS);
  });

  it("counts a deadline and an all_failed response", async () => {
    const f = start([hang(), status(500), status(500)]);
    await f.smart("?timeout=150");
    f.upstream.script(() => status(500));
    await f.smart("?timeout=150");
    expect(f.recorded.responses).toEqual(["deadline", "all_failed"]);
  });

  it("logs one line per smart request with the attempts, the winner and the total time", async () => {
    const f = start([ok(1, 150), hang(), hang()]);
    await f.smart("?timeout=2000");
    const lines = await smartLogs(f);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      result: "first",
      winner: 0,
      deadlineMs: 2000,
      hedgesFired: 2,
    });
    const attempts = (lines[0]?.attempts ?? []) as { outcome: string }[];
    expect(attempts.map((a) => a.outcome)).toEqual(["success", "aborted", "aborted"]);
    expect(lines[0]?.totalMs as number).toBeGreaterThanOrEqual(149);
  });

  it("logs the request id the response carries", async () => {
    const f = start([ok(1)]);
    const { response } = await f.smart("?timeout=2000");
    const lines = await smartLogs(f);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect(lines[0]?.requestId).toBe(response.headers.get("x-request-id"));
  });

  it("documents 200, 400, 502 and 504 in /openapi.json", async () => {
    const f = start([]);
    const spec = (await (
      await f.app.handle(new Request("http://localhost/openapi.json"))
    ).json()) as {
      paths: Record<string, { get?: { responses?: Record<string, unknown> } }>;
    };
    const responses = Object.keys(spec.paths["/api/smart"]?.get?.responses ?? {});
    expect(responses.sort()).toEqual(["200", "400", "502", "504"]);
  });
});

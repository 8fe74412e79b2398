import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
import { createUpstreamClient, workTime } from "../../src/features/smart/upstream";
import {
  type FakeUpstream,
  hang,
  ok,
  type Reply,
  reset,
  startFakeUpstream,
  status,
} from "../support/fake-upstream";
import { freePort } from "../support/http";

/**
 * The upstream client over loopback. An attempt must end at its timeout or abort, not at the
 * upstream's pace: the bounds allow for a fully loaded machine, and the alternatives they rule
 * out (a hang, a 5 s timeout) are much longer.
 */
const LATE_MS = 250;

let upstream: FakeUpstream;
beforeAll(() => {
  upstream = startFakeUpstream();
});
afterAll(() => upstream.stop());

let client = createUpstreamClient({ url: "http://127.0.0.1:1/", attemptTimeoutMs: 1 });
afterEach(() => client.close());

/** Runs one attempt against a fresh script; `abortAfterMs` plays the race deciding. */
async function attemptWith(replies: Reply[], attemptTimeoutMs = 2_000, abortAfterMs?: number) {
  upstream.script(replies);
  upstream.requests.length = 0;
  client = createUpstreamClient({ url: upstream.url, attemptTimeoutMs });
  const race = new AbortController();
  const timer =
    abortAfterMs === undefined ? undefined : setTimeout(() => race.abort(), abortAfterMs);
  const started = performance.now();
  const result = await client.attempt(race.signal, 0);
  clearTimeout(timer);
  return { result, tookMs: performance.now() - started };
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("upstream attempt", () => {
  it("succeeds with the body exactly as received", async () => {
    const body = '{ "time" : 417,\n  "extra": [1, 2] }';
    const { result } = await attemptWith([{ body }]);
    expect(result.ok).toBe(true);
    expect(result.ok && text(result.value.body)).toBe(body);
    expect(result.ok && result.value.time).toBe(417);
  });

  for (const code of [500, 429, 404, 201, 302]) {
    it(`classifies HTTP ${code} as http_error`, async () => {
      const { result } = await attemptWith([status(code)]);
      expect(result).toEqual({ ok: false, outcome: "http_error", detail: `HTTP ${code}` });
    });
  }

  const invalidBodies: [string, string][] = [
    ["not JSON", "<html>busy</html>"],
    ["empty", ""],
    ["a JSON array", "[1]"],
    ["a JSON string", '"time"'],
    ["null", "null"],
    ["missing time", '{"duration":3}'],
    ["a fractional time", '{"time":1.5}'],
    ["a string time", '{"time":"12"}'],
    ["a null time", '{"time":null}'],
    ["truncated JSON", '{"time":1'],
  ];
  for (const [name, body] of invalidBodies) {
    it(`classifies ${name} as invalid_payload`, async () => {
      const { result } = await attemptWith([{ body }]);
      expect(result.ok === false && result.outcome).toBe("invalid_payload");
    });
  }

  it("classifies a body over the size limit as invalid_payload", async () => {
    const { result } = await attemptWith([{ body: `{"time":1,"pad":"${"x".repeat(70_000)}"}` }]);
    expect(result.ok === false && result.outcome).toBe("invalid_payload");
  });

  it("classifies a reset connection as network_error", async () => {
    const { result } = await attemptWith([reset()]);
    expect(result.ok === false && result.outcome).toBe("network_error");
  });

  it("classifies an unreachable upstream as network_error", async () => {
    client = createUpstreamClient({
      url: `http://127.0.0.1:${freePort()}/api/work`,
      attemptTimeoutMs: 2_000,
    });
    const result = await client.attempt(new AbortController().signal, 0);
    expect(result.ok === false && result.outcome).toBe("network_error");
  });

  it("times out a hanging upstream at the attempt timeout and aborts its request", async () => {
    const { result, tookMs } = await attemptWith([hang()], 150);
    expect(result.ok === false && result.outcome).toBe("timeout");
    expect(tookMs).toBeGreaterThanOrEqual(149);
    expect(tookMs).toBeLessThan(150 + LATE_MS);
    await until(() => upstream.requests[0]?.aborted === true);
    expect(upstream.requests[0]?.aborted).toBe(true);
  });

  it("times out a byte-by-byte body at the attempt timeout", async () => {
    const { result, tookMs } = await attemptWith([{ body: '{"time":1}', byteIntervalMs: 60 }], 200);
    expect(result.ok === false && result.outcome).toBe("timeout");
    expect(tookMs).toBeLessThan(200 + LATE_MS);
  });

  it("reads a slow body to the end within the timeout", async () => {
    const { result } = await attemptWith([{ body: '{"time":9}', byteIntervalMs: 5 }], 2_000);
    expect(result.ok && result.value.time).toBe(9);
  });

  it("ends as aborted, and aborts its request, when the race no longer needs it", async () => {
    const { result, tookMs } = await attemptWith([hang()], 5_000, 100);
    expect(result.ok === false && result.outcome).toBe("aborted");
    expect(tookMs).toBeLessThan(100 + LATE_MS);
    await until(() => upstream.requests[0]?.aborted === true);
    expect(upstream.requests[0]?.aborted).toBe(true);
  });

  it("stops reading a slow body when the race no longer needs it", async () => {
    const { result, tookMs } = await attemptWith(
      [{ body: '{"time":1}', byteIntervalMs: 100 }],
      5_000,
      150,
    );
    expect(result.ok === false && result.outcome).toBe("aborted");
    expect(tookMs).toBeLessThan(150 + LATE_MS);
  });

  it("reuses one keep-alive connection for consecutive attempts", async () => {
    upstream.script(() => ok(1));
    client = createUpstreamClient({ url: upstream.url, attemptTimeoutMs: 2_000 });
    for (let i = 0; i < 5; i++) await client.attempt(new AbortController().signal, 0);
    expect(upstream.openConnections()).toBe(1);
  });

  it("leaves no connection open after aborts and close()", async () => {
    upstream.script(() => hang());
    client = createUpstreamClient({ url: upstream.url, attemptTimeoutMs: 100 });
    await Promise.all([0, 1, 2].map(() => client.attempt(new AbortController().signal, 0)));
    client.close();
    await until(() => upstream.openConnections() === 0);
    expect(upstream.openConnections()).toBe(0);
  });
});

describe("workTime", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it("reads an integer time", () => {
    expect(workTime(bytes('{"time":-3}'))).toBe(-3);
  });

  it("refuses invalid UTF-8", () => {
    expect(workTime(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toBeUndefined();
  });
});

/** Polls a condition for up to a second: the server learns of aborts a moment later. */
async function until(condition: () => boolean, timeoutMs = 1_000) {
  const end = performance.now() + timeoutMs;
  while (!condition() && performance.now() < end) await Bun.sleep(5);
}

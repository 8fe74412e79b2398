import { afterEach, expect, it } from "bun:test";
import { eventually, type SmartFixture, smartFixture, smartLogs } from "../features/smart/support";
import { hang } from "../support/fake-upstream";

let fixture: SmartFixture | undefined;
let server: ReturnType<SmartFixture["app"]["listen"]> | undefined;
afterEach(async () => {
  await server?.stop(true);
  server = undefined;
  await fixture?.close();
  fixture = undefined;
});

/** Sends a smart request over a real socket and drops it after `dropAfterMs`. */
async function dropMidRace(f: SmartFixture, dropAfterMs: number) {
  server = f.app.listen({ port: 0, hostname: "127.0.0.1" });
  const client = new AbortController();
  const request = fetch(`http://127.0.0.1:${server.port}/api/smart?timeout=5000`, {
    signal: client.signal,
  }).catch(() => undefined);
  await Bun.sleep(dropAfterMs);
  client.abort();
  await request;
}

it("aborts every upstream request when the client disconnects mid-race", async () => {
  fixture = smartFixture(() => hang());
  await dropMidRace(fixture, 200);
  const requests = fixture.upstream.requests;
  expect(requests).toHaveLength(3);
  await eventually(() => requests.every((r) => r.aborted));
  expect(requests.map((r) => r.aborted)).toEqual([true, true, true]);
});

it("aborts the upstream requests within moments of the disconnect", async () => {
  fixture = smartFixture(() => hang());
  await dropMidRace(fixture, 200);
  const droppedAt = performance.now();
  await eventually(() => fixture?.upstream.requests.every((r) => r.aborted) ?? false);
  const latest = Math.max(...fixture.upstream.requests.map((r) => r.abortedAt ?? Infinity));
  // Far below the 3 s attempt timeout, with room for a loaded machine.
  expect(latest - droppedAt).toBeLessThan(500);
});

it("logs the request as cancelled and counts no response result", async () => {
  fixture = smartFixture(() => hang());
  await dropMidRace(fixture, 150);
  await eventually(() => fixture?.upstream.requests.every((r) => r.aborted) ?? false);
  const lines = await smartLogs(fixture);
  expect(lines.map((line) => line.result)).toEqual(["cancelled"]);
  expect(fixture.recorded.responses).toEqual([]);
  expect(fixture.recorded.attempts.map((a) => a.outcome)).toEqual([
    "aborted",
    "aborted",
    "aborted",
  ]);
});

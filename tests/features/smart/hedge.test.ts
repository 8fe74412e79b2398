import { describe, expect, it } from "bun:test";
import {
  type Attempt,
  type AttemptFailure,
  type AttemptResult,
  type HedgeOptions,
  hedgedRequest,
} from "../../../src/features/smart/hedge";
import { SimulatedTimers } from "./simulated-timers";

type Step = { afterMs: number; result: AttemptResult<string> } | "never" | "throws";

const win = (afterMs: number, value = `won at ${afterMs}`): Step => ({
  afterMs,
  result: { ok: true, value },
});
const fail = (afterMs: number, outcome: AttemptFailure = "http_error"): Step => ({
  afterMs,
  result: { ok: false, outcome, detail: `${outcome} at ${afterMs}` },
});

interface Call {
  index: number;
  startedAt: number;
  abortedAt?: number;
}

/** Attempts that settle on the simulated clock as scripted, and stop when aborted. */
function scripted(timers: SimulatedTimers, steps: Step[]) {
  const calls: Call[] = [];
  const attempt: Attempt<string> = (signal, index) => {
    const call: Call = { index, startedAt: timers.now() };
    calls.push(call);
    const step = steps[index] ?? "never";
    if (step === "throws") throw new Error("attempt exploded");
    return new Promise((resolve) => {
      const timer =
        step === "never"
          ? undefined
          : timers.setTimeout(() => {
              signal.removeEventListener("abort", onAbort);
              resolve(step.result);
            }, step.afterMs);
      const onAbort = () => {
        call.abortedAt = timers.now();
        if (timer !== undefined) timers.clearTimeout(timer);
        resolve({ ok: false, outcome: "aborted", detail: "aborted" });
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  };
  return { attempt, calls };
}

function race(
  steps: Step[],
  options: Partial<Omit<HedgeOptions<string>, "attempt" | "timers">> = {},
) {
  const timers = new SimulatedTimers();
  const { attempt, calls } = scripted(timers, steps);
  let decidedAt: number | undefined;
  const outcome = hedgedRequest({
    attempt,
    timers,
    hedgeDelayMs: 300,
    hedgeCount: 2,
    ...options,
  }).then((result) => {
    decidedAt = timers.now();
    return result;
  });
  return { timers, calls, outcome, decidedAt: () => decidedAt };
}

describe("hedgedRequest", () => {
  it("returns a fast first success without firing hedges", async () => {
    const r = race([win(120)]);
    await r.timers.advance(10_000);
    const outcome = await r.outcome;
    expect(outcome.kind).toBe("success");
    expect(outcome.kind === "success" && outcome.winner).toBe(0);
    expect(r.calls).toHaveLength(1);
    expect(outcome.hedgesFired).toBe(0);
    expect(r.decidedAt()).toBe(120);
  });

  it("fires every hedge at exactly the hedge delay when the first is slow", async () => {
    const r = race([win(900), win(250), win(400)]);
    await r.timers.advance(10_000);
    expect(r.calls.map((c) => c.startedAt)).toEqual([0, 300, 300]);
    expect((await r.outcome).hedgesFired).toBe(2);
  });

  it("lets the first hedge to succeed win and aborts the others then", async () => {
    const r = race([win(900), win(250), win(400)]);
    await r.timers.advance(10_000);
    const outcome = await r.outcome;
    expect(outcome.kind === "success" && outcome.winner).toBe(1);
    expect(outcome.kind === "success" && outcome.value).toBe("won at 250");
    expect(r.decidedAt()).toBe(550);
    expect(r.calls.map((c) => c.abortedAt)).toEqual([550, undefined, 550]);
  });

  it("lets the first request win after the hedges fired", async () => {
    const r = race([win(420), win(500), win(500)]);
    await r.timers.advance(10_000);
    const outcome = await r.outcome;
    expect(outcome.kind === "success" && outcome.winner).toBe(0);
    expect(r.decidedAt()).toBe(420);
    expect(r.calls).toHaveLength(3);
    expect(r.calls.map((c) => c.abortedAt)).toEqual([undefined, 420, 420]);
  });

  it("fires the hedges at once when the first fails before the delay", async () => {
    const r = race([fail(40, "http_error"), win(100), win(200)]);
    await r.timers.advance(10_000);
    expect(r.calls.map((c) => c.startedAt)).toEqual([0, 40, 40]);
    const outcome = await r.outcome;
    expect(outcome.kind === "success" && outcome.winner).toBe(1);
    expect(r.decidedAt()).toBe(140);
  });

  it("keeps racing when a failure finishes first and another succeeds later", async () => {
    const r = race([fail(350, "invalid_payload"), fail(80, "http_error"), win(500)]);
    await r.timers.advance(10_000);
    const outcome = await r.outcome;
    expect(outcome.kind === "success" && outcome.winner).toBe(2);
    expect(r.decidedAt()).toBe(800);
    expect(outcome.attempts.map((a) => a.outcome)).toEqual([
      "invalid_payload",
      "http_error",
      "success",
    ]);
  });

  it("reports all_failed as soon as the last attempt fails, before the deadline", async () => {
    const r = race([fail(50, "network_error"), fail(30, "http_error"), fail(70, "timeout")], {
      deadlineMs: 5_000,
    });
    await r.timers.advance(10_000);
    expect((await r.outcome).kind).toBe("all_failed");
    expect(r.decidedAt()).toBe(120);
  });

  it("ends at exactly the deadline and aborts every attempt still running", async () => {
    const r = race(["never", "never", "never"], { deadlineMs: 1_000 });
    await r.timers.advance(10_000);
    const outcome = await r.outcome;
    expect(outcome.kind).toBe("deadline");
    expect(r.decidedAt()).toBe(1_000);
    expect(outcome.elapsedMs).toBe(1_000);
    expect(r.calls.map((c) => c.abortedAt)).toEqual([1_000, 1_000, 1_000]);
    expect(outcome.attempts.map((a) => a.outcome)).toEqual(["aborted", "aborted", "aborted"]);
  });

  it("leaves no timer behind once decided", async () => {
    const r = race(["never", win(5_000), "never"], { deadlineMs: 1_000 });
    await r.timers.advance(1_000);
    await r.outcome;
    expect(r.timers.pending).toBe(0);
  });

  it("leaves no timer behind when the first succeeds early", async () => {
    const r = race([win(10)], { deadlineMs: 1_000 });
    await r.timers.advance(10);
    await r.outcome;
    expect(r.timers.pending).toBe(0);
  });

  it("sends exactly one request when the deadline is under the hedge delay", async () => {
    const r = race(["never", win(1)], { deadlineMs: 200 });
    await r.timers.advance(10_000);
    expect((await r.outcome).kind).toBe("deadline");
    expect(r.decidedAt()).toBe(200);
    expect(r.calls).toHaveLength(1);
  });

  it("does not fire hedges due exactly at the deadline", async () => {
    const r = race(["never", win(1)], { deadlineMs: 300 });
    await r.timers.advance(10_000);
    expect((await r.outcome).kind).toBe("deadline");
    expect(r.calls).toHaveLength(1);
  });

  it("still fires hedges under a short deadline when the first fails early", async () => {
    const r = race([fail(20), win(50)], { deadlineMs: 200 });
    await r.timers.advance(10_000);
    const outcome = await r.outcome;
    expect(outcome.kind === "success" && outcome.winner).toBe(1);
    expect(r.decidedAt()).toBe(70);
  });

  it("waits as long as it takes without a deadline", async () => {
    const r = race([win(40_000), "never", "never"]);
    await r.timers.advance(100_000);
    const outcome = await r.outcome;
    expect(outcome.kind === "success" && outcome.winner).toBe(0);
    expect(r.decidedAt()).toBe(40_000);
  });

  it("ends as cancelled, aborting every attempt, when the caller's signal aborts", async () => {
    const client = new AbortController();
    const r = race(["never", "never", "never"], { signal: client.signal, deadlineMs: 5_000 });
    await r.timers.advance(450);
    client.abort();
    await r.timers.advance(0);
    const outcome = await r.outcome;
    expect(outcome.kind).toBe("cancelled");
    expect(r.calls.map((c) => c.abortedAt)).toEqual([450, 450, 450]);
    expect(r.timers.pending).toBe(0);
  });

  it("starts nothing when the caller's signal is already aborted", async () => {
    const r = race([win(1)], { signal: AbortSignal.abort() });
    expect((await r.outcome).kind).toBe("cancelled");
    expect(r.calls).toHaveLength(0);
  });

  it("fires no hedges when the hedge count is 0", async () => {
    const r = race([win(2_000), win(1)], { hedgeCount: 0 });
    await r.timers.advance(10_000);
    const outcome = await r.outcome;
    expect(r.calls).toHaveLength(1);
    expect(outcome.kind === "success" && outcome.winner).toBe(0);
  });

  it("ends as all_failed on the first failure when the hedge count is 0", async () => {
    const r = race([fail(30), win(1)], { hedgeCount: 0, deadlineMs: 1_000 });
    await r.timers.advance(10_000);
    expect((await r.outcome).kind).toBe("all_failed");
    expect(r.decidedAt()).toBe(30);
  });

  it("counts an attempt that throws as a network_error failure", async () => {
    const r = race(["throws", win(10)]);
    await r.timers.advance(10_000);
    const outcome = await r.outcome;
    expect(outcome.attempts[0]?.outcome).toBe("network_error");
    expect(outcome.attempts[0]?.detail).toContain("attempt exploded");
    expect(outcome.kind === "success" && outcome.winner).toBe(1);
  });

  it("records each attempt's start, duration and outcome", async () => {
    const r = race([fail(350, "timeout"), win(100), "never"], { deadlineMs: 1_000 });
    await r.timers.advance(10_000);
    expect((await r.outcome).attempts).toEqual([
      { index: 0, startedAtMs: 0, durationMs: 350, outcome: "timeout", detail: "timeout at 350" },
      { index: 1, startedAtMs: 300, durationMs: 100, outcome: "success" },
      { index: 2, startedAtMs: 300, durationMs: 100, outcome: "aborted" },
    ]);
  });
});

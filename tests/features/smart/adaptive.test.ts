import { describe, expect, it } from "bun:test";
import {
  adaptiveHedgedRequest,
  BUDGET_WINDOW,
  HedgeBudget,
  HedgeDelay,
  type HedgeDelaySettings,
  type Hedging,
  LATENCY_WINDOW,
  LatencyWindow,
  WARM_UP_DELAY_MS,
  WARM_UP_SAMPLES,
} from "../../../src/features/smart/adaptive";
import type { Attempt, AttemptRecord } from "../../../src/features/smart/hedge";
import { SimulatedTimers } from "./simulated-timers";

const auto: HedgeDelaySettings = { delayMs: "auto", percentile: 95, minMs: 10 };

const success = (durationMs: number, index = 0): AttemptRecord => ({
  index,
  startedAtMs: 0,
  durationMs,
  outcome: "success",
});

/** A delay that has seen `values` as successful first attempts. */
function delayAfter(values: number[], settings: HedgeDelaySettings = auto): HedgeDelay {
  const delay = new HedgeDelay(settings);
  for (const value of values) delay.observe([success(value)]);
  return delay;
}

const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("LatencyWindow", () => {
  it("gives the value of rank ⌈p(n + 1)⌉: a new value exceeds it with probability 1 − p", () => {
    const window = new LatencyWindow(199);
    for (const value of oneTo(199).reverse()) window.add(value);
    expect(window.percentile(50)).toBe(100);
    expect(window.percentile(95)).toBe(190);
    expect(window.percentile(100)).toBe(199);
    expect(window.percentile(0.1)).toBe(1);
  });

  it("forgets the oldest value once full", () => {
    const window = new LatencyWindow(3);
    for (const value of [1_000, 5, 6, 7]) window.add(value);
    expect(window.count).toBe(3);
    expect(window.percentile(100)).toBe(7);
  });

  it("agrees with sorting the last values, over a long random sequence", () => {
    const window = new LatencyWindow(50);
    const all: number[] = [];
    let state = 1;
    for (let i = 0; i < 2_000; i++) {
      state = (state * 48_271) % 2_147_483_647;
      const value = state % 500;
      all.push(value);
      window.add(value);
    }
    const last = all.slice(-50).sort((a, b) => a - b);
    expect(window.percentile(95)).toBe(last[Math.ceil(0.95 * 51) - 1]);
    expect(window.percentile(50)).toBe(last[25]);
  });

  it("has no percentile while empty", () => {
    expect(new LatencyWindow(5).percentile(95)).toBeUndefined();
  });
});

describe("HedgeDelay: auto", () => {
  it("starts from 300 ms until 50 latencies are known", () => {
    const delay = delayAfter(oneTo(WARM_UP_SAMPLES - 1).map(() => 20));
    expect(WARM_UP_SAMPLES).toBe(50);
    expect(delay.currentMs()).toBe(WARM_UP_DELAY_MS);
    expect(WARM_UP_DELAY_MS).toBe(300);
    delay.observe([success(20)]);
    expect(delay.currentMs()).toBe(20);
  });

  it("follows the configured percentile of recent successful latencies", () => {
    expect(delayAfter(oneTo(199)).currentMs()).toBe(190);
    expect(delayAfter(oneTo(199), { ...auto, percentile: 50 }).currentMs()).toBe(100);
  });

  it("follows recent latencies only: an upstream that slows down raises it", () => {
    const delay = delayAfter(oneTo(LATENCY_WINDOW).map(() => 20));
    expect(delay.currentMs()).toBe(20);
    for (let i = 0; i < LATENCY_WINDOW; i++) delay.observe([success(400)]);
    expect(delay.currentMs()).toBe(400);
  });

  it("never goes under SMART_HEDGE_MIN_MS", () => {
    expect(delayAfter(oneTo(100).map(() => 2)).currentMs()).toBe(10);
    expect(
      delayAfter(
        oneTo(100).map(() => 2),
        { ...auto, minMs: 0 },
      ).currentMs(),
    ).toBe(2);
  });

  it("is clamped to the request's deadline", () => {
    const delay = delayAfter(oneTo(100).map(() => 400));
    expect(delay.forRequest(250)).toBe(250);
    expect(delay.forRequest(1_000)).toBe(400);
    expect(delay.forRequest(undefined)).toBe(400);
    expect(new HedgeDelay(auto).forRequest(100)).toBe(100);
  });

  it("learns from the first attempt only: hedges are picked by the race", () => {
    const delay = new HedgeDelay(auto);
    for (let i = 0; i < 100; i++) delay.observe([success(500), success(5, 1), success(5, 2)]);
    expect(delay.samples).toBe(100);
    expect(delay.currentMs()).toBe(500);
  });

  it("counts an aborted first attempt as a lower bound, and ignores failures and aborted hedges", () => {
    const delay = new HedgeDelay(auto);
    for (let i = 0; i < 100; i++) {
      delay.observe([
        { index: 0, startedAtMs: 0, durationMs: i < 90 ? 20 : 700, outcome: "aborted" },
        { index: 1, startedAtMs: 700, durationMs: 1, outcome: "aborted" },
        { index: 2, startedAtMs: 700, durationMs: 5, outcome: "http_error" },
      ]);
    }
    expect(delay.samples).toBe(100);
    expect(delay.currentMs()).toBe(700);
  });
});

describe("HedgeDelay: a fixed number", () => {
  it("keeps the fixed delay whatever it sees and whatever the deadline", () => {
    const delay = delayAfter(
      oneTo(500).map(() => 20),
      { ...auto, delayMs: 300 },
    );
    expect(delay.auto).toBe(false);
    expect(delay.samples).toBe(0);
    expect(delay.currentMs()).toBe(300);
    expect(delay.forRequest(100)).toBe(300);
  });
});

describe("HedgeBudget", () => {
  it("starts with a full bucket: the budget of 100 first attempts", () => {
    expect(BUDGET_WINDOW).toBe(100);
    expect(new HedgeBudget(10).tokens).toBe(10);
    expect(new HedgeBudget(1).tokens).toBe(1);
  });

  it("grants what whole tokens allow, then nothing once exhausted", () => {
    const budget = new HedgeBudget(10);
    expect([1, 2, 3, 4, 5, 6].map(() => budget.take(2))).toEqual([2, 2, 2, 2, 2, 0]);
    expect(budget.tokens).toBe(0);
  });

  it("refills by the budget's share of each first attempt, up to the bucket", () => {
    const budget = new HedgeBudget(10);
    budget.take(10);
    for (let i = 0; i < 9; i++) budget.onFirstAttempt();
    expect(budget.tokens).toBe(0);
    budget.onFirstAttempt();
    expect(budget.tokens).toBe(1);
    expect(budget.take(2)).toBe(1);
    for (let i = 0; i < 1_000; i++) budget.onFirstAttempt();
    expect(budget.tokens).toBe(10);
  });

  it("keeps extra attempts within the budget over a long run, plus one bucket", () => {
    const budget = new HedgeBudget(10);
    let extra = 0;
    for (let i = 0; i < 10_000; i++) {
      budget.onFirstAttempt();
      extra += budget.take(2);
    }
    expect(extra).toBeLessThanOrEqual(1_000 + 10);
    expect(extra).toBeGreaterThanOrEqual(1_000);
  });
});

/** Attempts whose latency in a race is `latencyOf(race, index)`, on the simulated clock. */
function upstream(timers: SimulatedTimers, latencyOf: (index: number) => number) {
  const starts: number[] = [];
  const attempt: Attempt<number> = (signal, index) =>
    new Promise((resolve) => {
      starts.push(timers.now());
      const timer = timers.setTimeout(() => resolve({ ok: true, value: index }), latencyOf(index));
      signal.addEventListener("abort", () => {
        timers.clearTimeout(timer);
        resolve({ ok: false, outcome: "aborted", detail: "aborted" });
      });
    });
  return { attempt, starts };
}

async function race(hedging: Hedging, latencyOf: (index: number) => number, deadlineMs?: number) {
  const timers = new SimulatedTimers();
  const { attempt, starts } = upstream(timers, latencyOf);
  const pending = adaptiveHedgedRequest(hedging, { attempt, timers, hedgeCount: 2, deadlineMs });
  await timers.advance(60_000);
  const { outcome, delayMs } = await pending;
  return { outcome, delayMs, hedgeStarts: starts.slice(1) };
}

describe("adaptiveHedgedRequest, in simulated time", () => {
  it("hedges at 300 ms while warming up, then at the learned percentile", async () => {
    const hedging: Hedging = { delay: new HedgeDelay(auto) };
    const slow = (index: number) => (index === 0 ? 1_000 : 30);
    const first = await race(hedging, slow);
    expect(first.hedgeStarts).toEqual([300, 300]);
    for (let i = 0; i < WARM_UP_SAMPLES; i++) await race(hedging, () => 40);
    const learned = await race(hedging, slow);
    expect(learned.delayMs).toBe(40);
    expect(learned.hedgeStarts).toEqual([40, 40]);
    expect(learned.outcome.kind === "success" && learned.outcome.winner).toBe(1);
  });

  it("clamps the delay to the deadline, so no hedge fires after it", async () => {
    const hedging: Hedging = { delay: new HedgeDelay(auto) };
    const { outcome, delayMs, hedgeStarts } = await race(hedging, () => 1_000, 200);
    expect(delayMs).toBe(200);
    expect(hedgeStarts).toEqual([]);
    expect(outcome.kind).toBe("deadline");
  });

  it("skips the hedges once the budget is spent, and waits for the first attempt", async () => {
    const hedging: Hedging = { delay: new HedgeDelay(auto), budget: new HedgeBudget(10) };
    const slow = (index: number) => (index === 0 ? 500 : 30);
    for (let i = 0; i < 5; i++) {
      const { outcome } = await race(hedging, slow);
      expect(outcome.hedgesFired).toBe(2);
    }
    const starved = await race(hedging, slow, 2_000);
    expect(starved.hedgeStarts).toEqual([]);
    expect(starved.outcome).toMatchObject({ kind: "success", winner: 0, hedgesSkipped: 2 });
    expect(starved.outcome.elapsedMs).toBe(500);
  });

  it("hedges again once first attempts have refilled the budget", async () => {
    const hedging: Hedging = { delay: new HedgeDelay(auto), budget: new HedgeBudget(10) };
    hedging.budget?.take(10);
    for (let i = 0; i < 20; i++) await race(hedging, () => 5);
    const { outcome } = await race(hedging, (index) => (index === 0 ? 500 : 30));
    expect(outcome.hedgesFired).toBe(2);
    expect(outcome.hedgesSkipped).toBe(0);
  });

  it("keeps the fixed 300 ms without a budget: the challenge's behaviour", async () => {
    const hedging: Hedging = { delay: new HedgeDelay({ ...auto, delayMs: 300 }) };
    for (let i = 0; i < 100; i++) await race(hedging, () => 20);
    const { delayMs, hedgeStarts, outcome } = await race(hedging, (i) => (i === 0 ? 900 : 50), 250);
    expect(delayMs).toBe(300);
    expect(hedgeStarts).toEqual([]);
    expect(outcome.kind).toBe("deadline");
    const unbounded = await race(hedging, (i) => (i === 0 ? 900 : 50));
    expect(unbounded.hedgeStarts).toEqual([300, 300]);
    expect(unbounded.outcome.hedgesSkipped).toBe(0);
  });
});

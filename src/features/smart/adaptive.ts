import { type AttemptRecord, type HedgeOptions, type HedgeOutcome, hedgedRequest } from "./hedge";

/**
 * The adaptive hedge delay and the hedge budget. Pure: both are plain state fed by the
 * outcomes of past races, so tests drive them in simulated time.
 */

/** Until this many latencies are known, `auto` uses the challenge's fixed delay. */
export const WARM_UP_SAMPLES = 50;
export const WARM_UP_DELAY_MS = 300;
/** How many recent latencies the percentile is taken over. */
export const LATENCY_WINDOW = 200;
/** The budget's bucket holds the deposits of this many first attempts, so bursts stay small. */
export const BUDGET_WINDOW = 100;

/**
 * The last `size` values, kept sorted as well as in arrival order: adding one costs a binary
 * search and one shift of at most `size` numbers, and any percentile is then a lookup.
 */
export class LatencyWindow {
  private readonly arrival: number[] = [];
  private readonly sorted: number[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  get count(): number {
    return this.sorted.length;
  }

  add(value: number): void {
    if (this.arrival.length < this.size) {
      this.arrival.push(value);
    } else {
      const oldest = this.arrival[this.next] as number;
      this.sorted.splice(lowerBound(this.sorted, oldest), 1);
      this.arrival[this.next] = value;
      this.next = (this.next + 1) % this.size;
    }
    this.sorted.splice(lowerBound(this.sorted, value), 0, value);
  }

  /**
   * The percentile `p` (0–100] of the values held, or `undefined` when empty: the value of rank
   * ⌈p(n + 1)/100⌉, so a new value from the same distribution exceeds it with probability at
   * most 1 − p/100. (The plain nearest rank, ⌈pn/100⌉, would be exceeded 5.5% of the time at
   * p95 with 200 values, and hedge that much more.)
   */
  percentile(p: number): number | undefined {
    const n = this.sorted.length;
    if (n === 0) return undefined;
    const rank = Math.ceil((p / 100) * (n + 1));
    return this.sorted[Math.min(n, Math.max(rank, 1)) - 1];
  }
}

function lowerBound(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as number) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

export interface HedgeDelaySettings {
  /** A fixed delay in ms, or `auto`. */
  delayMs: number | "auto";
  /** With `auto`: the percentile of recent latencies the delay follows. */
  percentile: number;
  /** With `auto`: the delay never goes under this. */
  minMs: number;
}

/** The hedge delay: fixed, or a percentile of recent upstream latencies. */
export class HedgeDelay {
  private readonly window = new LatencyWindow(LATENCY_WINDOW);

  constructor(private readonly settings: HedgeDelaySettings) {}

  get auto(): boolean {
    return this.settings.delayMs === "auto";
  }

  get samples(): number {
    return this.window.count;
  }

  /** The delay before any deadline: the fixed one, the warm-up one, or the estimate. */
  currentMs(): number {
    const { delayMs, percentile, minMs } = this.settings;
    if (delayMs !== "auto") return delayMs;
    const estimate =
      this.window.count < WARM_UP_SAMPLES
        ? WARM_UP_DELAY_MS
        : (this.window.percentile(percentile) ?? WARM_UP_DELAY_MS);
    return Math.max(estimate, minMs);
  }

  /** The delay for one request whose whole deadline is `deadlineMs` from now. */
  forRequest(deadlineMs: number | undefined): number {
    const delay = this.currentMs();
    return this.auto && deadlineMs !== undefined ? Math.min(delay, deadlineMs) : delay;
  }

  /**
   * Learns from one race, from its first attempt only: hedges are picked by the race (the
   * winner is the fastest of several, the losers are cut short), so their times would pull the
   * percentile down. A successful first attempt gives its latency. One aborted because a hedge
   * won, or at the deadline, gives its duration as a lower bound: it took at least that long,
   * and leaving it out would hide exactly the slow answers the percentile is about.
   */
  observe(attempts: readonly AttemptRecord[]): void {
    const first = attempts[0];
    if (!this.auto || first?.index !== 0) return;
    if (first.outcome === "success" || first.outcome === "aborted") {
      this.window.add(first.durationMs);
    }
  }
}

/**
 * The hedge budget, a token bucket after gRPC's retry throttling and Finagle's retry budget:
 * every first attempt deposits `percent`/100 of a token, every extra attempt takes a whole one,
 * and the bucket holds at most the deposits of the last `BUDGET_WINDOW` first attempts. Over any
 * stretch of traffic, extra attempts stay within `percent`% of first attempts, plus one bucket.
 */
export class HedgeBudget {
  private available: number;
  private readonly capacity: number;
  private readonly deposit: number;

  constructor(percent: number) {
    this.deposit = percent / 100;
    this.capacity = this.deposit * BUDGET_WINDOW;
    this.available = this.capacity;
  }

  /** Whole tokens left: how many extra attempts may fire now. */
  get tokens(): number {
    return Math.floor(this.available + 1e-9);
  }

  /** A first attempt was sent. */
  onFirstAttempt(): void {
    this.available = Math.min(this.capacity, this.available + this.deposit);
  }

  /** Grants up to `wanted` extra attempts, as many as whole tokens allow, and spends them. */
  take(wanted: number): number {
    const granted = Math.min(wanted, this.tokens);
    this.available -= granted;
    return granted;
  }
}

export interface Hedging {
  delay: HedgeDelay;
  /** Absent: every due hedge fires. */
  budget?: HedgeBudget;
}

/** One hedged race with the delay and the budget applied, which then learn from it. */
export async function adaptiveHedgedRequest<T>(
  hedging: Hedging,
  options: Omit<HedgeOptions<T>, "hedgeDelayMs" | "allowHedges">,
): Promise<{ outcome: HedgeOutcome<T>; delayMs: number }> {
  const { delay, budget } = hedging;
  const delayMs = delay.forRequest(options.deadlineMs);
  budget?.onFirstAttempt();
  const outcome = await hedgedRequest({
    ...options,
    hedgeDelayMs: delayMs,
    allowHedges: budget && ((wanted) => budget.take(wanted)),
  });
  delay.observe(outcome.attempts);
  return { outcome, delayMs };
}

import type { SmartOutcome } from "../../observability/metric-names";

/**
 * A hedged race: one attempt first, more attempts if it has not succeeded by the
 * hedge delay (or at once if it fails sooner), the first success wins, and one
 * deadline bounds the whole race. The moment the race is decided every attempt
 * still running is aborted and every timer is cleared.
 *
 * Pure: the attempt function, the clock and the timers are inputs, so tests can
 * drive it in simulated time.
 */

export type AttemptFailure = Exclude<SmartOutcome, "success">;

export type AttemptResult<T> =
  | { ok: true; value: T }
  | { ok: false; outcome: AttemptFailure; detail: string };

/** One attempt. It must settle soon after `signal` aborts; `index` 0 is the first attempt. */
export type Attempt<T> = (signal: AbortSignal, index: number) => Promise<AttemptResult<T>>;

export type TimerHandle = unknown;

export interface Timers {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface HedgeOptions<T> {
  attempt: Attempt<T>;
  timers: Timers;
  /** How long the first attempt runs alone before the hedges fire. */
  hedgeDelayMs: number;
  /** How many extra attempts fire together at the hedge delay (or on an early failure). */
  hedgeCount: number;
  /** The whole race's deadline, from its start; `undefined` means none. */
  deadlineMs?: number;
  /** Aborting it (the client went away) ends the race as `cancelled`. */
  signal?: AbortSignal;
  /** Asked when the hedges are due: how many of `wanted` may fire (a budget). All, when absent. */
  allowHedges?: (wanted: number) => number;
}

export interface AttemptRecord {
  index: number;
  /** When the attempt started, in ms since the race started. */
  startedAtMs: number;
  durationMs: number;
  outcome: SmartOutcome;
  detail?: string;
}

interface RaceSummary {
  attempts: AttemptRecord[];
  hedgesFired: number;
  /** Hedges that were due but not allowed to fire. */
  hedgesSkipped: number;
  elapsedMs: number;
}

export type HedgeOutcome<T> =
  | ({ kind: "success"; winner: number; value: T } & RaceSummary)
  | ({ kind: "deadline" | "all_failed" | "cancelled" } & RaceSummary);

/** Why losing attempts are aborted, visible as `signal.reason` inside an attempt. */
export class RaceDecided extends Error {
  override name = "AbortError";
  constructor(readonly decision: HedgeOutcome<unknown>["kind"]) {
    super(`The race ended: ${decision}`);
  }
}

interface Slot {
  index: number;
  startedAtMs: number;
  controller: AbortController;
  finished?: { outcome: SmartOutcome; durationMs: number; detail?: string };
}

export function hedgedRequest<T>(options: HedgeOptions<T>): Promise<HedgeOutcome<T>> {
  const { attempt, timers, hedgeDelayMs, hedgeCount, deadlineMs, signal, allowHedges } = options;
  const startedAt = timers.now();
  const elapsed = () => timers.now() - startedAt;

  return new Promise((resolve) => {
    const slots: Slot[] = [];
    let running = 0;
    let hedged = false;
    let hedgesFired = 0;
    let settled = false;
    let hedgeTimer: TimerHandle | undefined;
    let deadlineTimer: TimerHandle | undefined;

    const settle = (
      decision:
        | { kind: "success"; winner: number; value: T }
        | { kind: "deadline" | "all_failed" | "cancelled" },
    ) => {
      if (settled) return;
      settled = true;
      if (hedgeTimer !== undefined) timers.clearTimeout(hedgeTimer);
      if (deadlineTimer !== undefined) timers.clearTimeout(deadlineTimer);
      signal?.removeEventListener("abort", onCancel);
      const at = elapsed();
      const reason = new RaceDecided(decision.kind);
      const attempts: AttemptRecord[] = slots.map((slot) => {
        if (slot.finished)
          return { index: slot.index, startedAtMs: slot.startedAtMs, ...slot.finished };
        slot.controller.abort(reason);
        return {
          index: slot.index,
          startedAtMs: slot.startedAtMs,
          durationMs: at - slot.startedAtMs,
          outcome: "aborted",
        };
      });
      const hedgesSkipped = hedged ? hedgeCount - hedgesFired : 0;
      resolve({ ...decision, attempts, hedgesFired, hedgesSkipped, elapsedMs: at });
    };

    const onResult = (slot: Slot, result: AttemptResult<T>) => {
      if (settled) return;
      running -= 1;
      const durationMs = elapsed() - slot.startedAtMs;
      if (result.ok) {
        slot.finished = { outcome: "success", durationMs };
        settle({ kind: "success", winner: slot.index, value: result.value });
        return;
      }
      slot.finished = { outcome: result.outcome, durationMs, detail: result.detail };
      // A failure before the hedge delay fires the hedges now: waiting could only lose time.
      if (!hedged) fireHedges();
      if (running === 0) settle({ kind: "all_failed" });
    };

    const launch = () => {
      const slot: Slot = {
        index: slots.length,
        startedAtMs: elapsed(),
        controller: new AbortController(),
      };
      slots.push(slot);
      running += 1;
      // The executor also turns a synchronous throw into a failed attempt.
      new Promise<AttemptResult<T>>((done) =>
        done(attempt(slot.controller.signal, slot.index)),
      ).then(
        (result) => onResult(slot, result),
        (error: unknown) =>
          onResult(slot, { ok: false, outcome: "network_error", detail: describe(error) }),
      );
    };

    const fireHedges = () => {
      hedged = true;
      if (hedgeTimer !== undefined) timers.clearTimeout(hedgeTimer);
      hedgeTimer = undefined;
      hedgesFired = hedgeCount > 0 && allowHedges ? allowHedges(hedgeCount) : hedgeCount;
      for (let i = 0; i < hedgesFired; i++) launch();
    };

    const onCancel = () => settle({ kind: "cancelled" });

    if (signal?.aborted) {
      settle({ kind: "cancelled" });
      return;
    }
    signal?.addEventListener("abort", onCancel, { once: true });
    if (deadlineMs !== undefined) {
      deadlineTimer = timers.setTimeout(() => settle({ kind: "deadline" }), deadlineMs);
    }
    launch();
    // A hedge due at or after the deadline could never win, so it is not scheduled.
    if (hedgeCount > 0 && (deadlineMs === undefined || hedgeDelayMs < deadlineMs)) {
      hedgeTimer = timers.setTimeout(() => {
        hedgeTimer = undefined;
        if (!settled && !hedged) fireHedges();
      }, hedgeDelayMs);
    }
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

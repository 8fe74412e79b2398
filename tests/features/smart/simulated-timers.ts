import type { TimerHandle, Timers } from "../../../src/features/smart/hedge";

interface Scheduled {
  at: number;
  order: number;
  callback: () => void;
}

/** Timers on a simulated clock: time moves only when a test advances it. */
export class SimulatedTimers implements Timers {
  private current = 0;
  private order = 0;
  private readonly queue = new Set<Scheduled>();

  now = () => this.current;

  setTimeout = (callback: () => void, ms: number): TimerHandle => {
    const timer = { at: this.current + Math.max(0, ms), order: this.order++, callback };
    this.queue.add(timer);
    return timer;
  };

  clearTimeout = (handle: TimerHandle) => {
    this.queue.delete(handle as Scheduled);
  };

  /** Timers scheduled and neither fired nor cleared. */
  get pending(): number {
    return this.queue.size;
  }

  /** Runs every timer due up to `now + ms` in order, letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const until = this.current + ms;
    await settlePromises();
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > until) break;
      this.queue.delete(next);
      this.current = next.at;
      next.callback();
      await settlePromises();
    }
    this.current = until;
  }

  private earliest(): Scheduled | undefined {
    let best: Scheduled | undefined;
    for (const timer of this.queue) {
      if (!best || timer.at < best.at || (timer.at === best.at && timer.order < best.order)) {
        best = timer;
      }
    }
    return best;
  }
}

/** Lets every queued promise callback run; a macrotask boundary, not a sleep. */
const settlePromises = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Duration histograms kept as plain numbers, in milliseconds: recording one request is a few
 * typed-array writes, with no label hashing (prom-client's labelled `observe` hashes its labels
 * on every call) and no prom-client loaded. `prometheus.ts` reads these series at scrape time.
 */

/** Milliseconds: from `/time`'s tens of microseconds to the 10 s bound of an upstream attempt. */
export const HTTP_DURATION_BUCKETS_MS: readonly number[] = [
  0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
];

/** Milliseconds, dense around the upstream's 100–600 ms and the 300 ms hedge delay. */
export const UPSTREAM_DURATION_BUCKETS_MS: readonly number[] = [
  5, 10, 25, 50, 100, 200, 300, 400, 500, 600, 800, 1000, 2500, 5000, 10000,
];

/** One label set: per-bucket counts (not cumulative, the last one is `+Inf`), sum and count. */
export class DurationSeries {
  readonly buckets: Float64Array;
  sumMs = 0;
  count = 0;

  constructor(
    readonly boundsMs: readonly number[],
    readonly labels: Readonly<Record<string, string>> = {},
  ) {
    this.buckets = new Float64Array(boundsMs.length + 1);
  }

  observe(milliseconds: number): void {
    const bounds = this.boundsMs;
    let index = 0;
    while (index < bounds.length && milliseconds > (bounds[index] as number)) index++;
    this.buckets[index] = (this.buckets[index] as number) + 1;
    this.sumMs += milliseconds;
    this.count++;
  }
}

/** Series of one histogram by route, then method, then status: three map reads, no key built. */
export class RequestDurations {
  readonly #byRoute = new Map<string, Map<string, Map<number, DurationSeries>>>();

  constructor(readonly boundsMs: readonly number[]) {}

  series(method: string, route: string, status: number): DurationSeries {
    let byMethod = this.#byRoute.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.#byRoute.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let series = byStatus.get(status);
    if (!series) {
      series = new DurationSeries(this.boundsMs, { method, route, status: String(status) });
      byStatus.set(status, series);
    }
    return series;
  }

  *all(): Iterable<DurationSeries> {
    for (const byMethod of this.#byRoute.values()) {
      for (const byStatus of byMethod.values()) yield* byStatus.values();
    }
  }
}

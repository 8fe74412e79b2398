import { describe, expect, it } from "bun:test";
import type { Sample } from "../../bench/smart/drive";
import { type Row, summarize, table, verdicts } from "../../bench/smart/run";

const sample = (sentMs: number, raceMs: number, attempts = 1, status = 200): Sample => ({
  sentMs,
  latencyMs: raceMs + 1,
  raceMs,
  status,
  attempts,
});

const profile = { name: "slows down", env: {}, slow: { from: 0.5, until: 1 } };
const strategy = { name: "fixed 300 ms", env: {} };

describe("bench-smart's summary", () => {
  // 1,000 requests over 10 s: latencies 1..1000 ms; the second half hedged with 2 extra attempts.
  const samples = Array.from({ length: 1_000 }, (_, i) => sample(i * 10, i + 1, i >= 500 ? 3 : 1));

  it("leaves out the warm-up and takes nearest-rank percentiles", () => {
    const row = summarize(profile, strategy, samples, 1_000, 10_000);
    expect(row.requests).toBe(900);
    expect([row.p50, row.p99, row.p999]).toEqual([550, 991, 1_000]);
    expect(row.clientP999).toBe(1_001);
  });

  it("counts extra upstream attempts per request, over the run and over the slow period", () => {
    const row = summarize(profile, strategy, samples, 0, 10_000);
    expect(row.extraLoad).toBe(100);
    expect(row.slowExtraLoad).toBe(200);
  });

  it("counts answers other than 200", () => {
    const row = summarize(profile, strategy, [sample(0, 5), sample(10, 5, 1, 504)], 0, 20);
    expect(row.failed).toBe(1);
  });
});

describe("bench-smart's verdicts", () => {
  const row = (
    profileName: string,
    strategyName: string,
    p999: number,
    extra: number,
    slow?: number,
  ): Row => ({
    profile: profileName,
    strategy: strategyName,
    requests: 1,
    failed: 0,
    p50: 1,
    p99: 1,
    p999: p999,
    clientP999: p999,
    extraLoad: extra,
    slowExtraLoad: slow,
  });

  it("checks the targets against the rows of the same run", () => {
    const rows = [
      row("+ 1% stalls of 2 s", "fixed 300 ms", 400, 2),
      row("+ 1% stalls of 2 s", "auto", 192, 12),
      row("+ 1% stalls of 2 s", "auto + 10% budget", 220, 9),
      row("slows down ×40", "fixed 300 ms", 1_000, 60, 180),
      row("slows down ×40", "auto + 10% budget", 3_000, 8, 9.5),
    ];
    const [auto, budget, slow] = verdicts(rows);
    expect(auto).toContain("0.48× (target ≤ 0.5×: met)");
    expect(auto).toContain("extra load 12.0% (target ≤ 10%: unmet)");
    expect(budget).toContain("0.55× (target ≤ 0.5×: unmet)");
    expect(budget).toContain("extra load 9.0% (target ≤ 10%: met)");
    expect(slow).toContain("9.5% during the slow period, 8.0% over the run");
    expect(slow).toContain("2.80× the load");
    expect(table(rows).split("\n")).toHaveLength(7);
  });
});

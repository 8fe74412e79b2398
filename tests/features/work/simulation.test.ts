import { describe, expect, it } from "bun:test";
import { loadConfig } from "../../../src/config";
import {
  drawAnswer,
  seededRandom,
  type WorkProfile,
  WorkSimulation,
} from "../../../src/features/work/simulation";

const defaults: WorkProfile = loadConfig({}).work;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((p / 100) * (sorted.length - 1))] ?? Number.NaN;
};

function draws(profile: WorkProfile, seed: number, count: number) {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => drawAnswer(profile, random, 0));
}

describe("seededRandom", () => {
  it("repeats its sequence for a seed, and another seed gives another", () => {
    const take = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(take(42)).toEqual(take(42));
    expect(take(43)).not.toEqual(take(42));
  });

  it("stays in [0, 1) and spreads evenly", () => {
    const random = seededRandom(7);
    const values = Array.from({ length: 10_000 }, random);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.filter((v) => v < 0.5).length).toBeWithin(4_800, 5_200);
  });
});

describe("drawAnswer with the defaults", () => {
  const answers = draws(defaults, 1, 20_000);
  const latencies = answers.map((a) => a.latencyMs);

  it("has the documented median of 100 ms and 95th percentile of 800 ms", () => {
    expect(percentile(latencies, 50)).toBeWithin(95, 105);
    expect(percentile(latencies, 95)).toBeWithin(740, 860);
  });

  it("answers 500 for 10% of answers", () => {
    expect(answers.filter((a) => a.status === 500).length).toBeWithin(1_850, 2_150);
  });

  it("never exceeds the 10 s cap", () => {
    expect(Math.max(...latencies)).toBeLessThanOrEqual(10_000);
  });
});

describe("drawAnswer with stalls and a slow period", () => {
  it("stalls the given share of answers, and leaves the others as the plain profile drew them", () => {
    const plain = draws(defaults, 5, 10_000);
    const stalled = draws({ ...defaults, stallPercent: 1, stallMs: 2_000 }, 5, 10_000);
    const changed = stalled.filter((a, i) => a.latencyMs !== plain[i]?.latencyMs);
    expect(changed.length).toBeWithin(70, 130);
    for (const answer of changed) expect(answer.latencyMs).toBe(2_000);
    expect(stalled.map((a) => a.status)).toEqual(plain.map((a) => a.status));
  });

  it("multiplies latencies inside the slow period only", () => {
    const slow = { ...defaults, slowAfterMs: 1_000, slowForMs: 500, slowFactor: 4 };
    const at = (ms: number) => drawAnswer(slow, seededRandom(9), ms).latencyMs;
    const base = drawAnswer(defaults, seededRandom(9), 0).latencyMs;
    expect(at(999)).toBe(base);
    expect(at(1_000)).toBe(Math.min(base * 4, defaults.maxMs));
    expect(at(1_499)).toBe(Math.min(base * 4, defaults.maxMs));
    expect(at(1_500)).toBe(base);
  });

  it("caps every latency at maxMs", () => {
    const capped = draws({ ...defaults, stallPercent: 100, stallMs: 5_000, maxMs: 3_000 }, 2, 50);
    expect(new Set(capped.map((a) => a.latencyMs))).toEqual(new Set([3_000]));
  });
});

describe("WorkSimulation", () => {
  const sequence = (simulation: WorkSimulation, seed: number | undefined, count: number) =>
    Array.from({ length: count }, () => simulation.next(seed));

  it("gives a seed the same sequence on every fresh process", () => {
    const first = sequence(new WorkSimulation(defaults, () => 0), 42, 20);
    const second = sequence(new WorkSimulation(defaults, () => 0), 42, 20);
    expect(second).toEqual(first);
  });

  it("keeps one stream per seed, whatever other seeds ask in between", () => {
    const alone = sequence(new WorkSimulation(defaults, () => 0), 42, 10);
    const mixed = new WorkSimulation(defaults, () => 0);
    const interleaved = Array.from({ length: 10 }, () => {
      mixed.next(7);
      return mixed.next(42);
    });
    expect(interleaved).toEqual(alone);
  });

  it("draws unseeded answers from one randomly seeded stream", () => {
    const simulation = new WorkSimulation(
      defaults,
      () => 0,
      () => 42,
    );
    expect(sequence(simulation, undefined, 10)).toEqual(
      sequence(new WorkSimulation(defaults, () => 0), 42, 10),
    );
  });

  it("times the slow period from the stream's first answer", () => {
    let now = 5_000;
    const slow = { ...defaults, slowAfterMs: 100, slowForMs: 100, slowFactor: 10 };
    const simulation = new WorkSimulation(slow, () => now);
    const reference = new WorkSimulation(defaults, () => 0);
    const before = simulation.next(3);
    now += 150;
    const during = simulation.next(3);
    expect(before).toEqual(reference.next(3));
    expect(during.latencyMs).toBe(Math.min(reference.next(3).latencyMs * 10, slow.maxMs));
  });

  it("forgets the oldest seed past 1,024 streams, so memory stays bounded", () => {
    const simulation = new WorkSimulation(defaults, () => 0);
    const firstOfZero = simulation.next(0);
    for (let seed = 1; seed <= 1_024; seed++) simulation.next(seed);
    expect(simulation.next(0)).toEqual(firstOfZero);
  });
});

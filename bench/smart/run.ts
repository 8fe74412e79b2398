/**
 * `make bench-smart`: hedging strategies against the service's own simulated upstream.
 *
 * For each upstream profile, four copies of the service start together, one per strategy, each
 * calling its own `/api/work` with the same `?seed=`, so every strategy meets the same sequence
 * of upstream latencies. A driver per copy sends `/api/smart` at a fixed rate for the same
 * seconds, and the table gives p50, p99 and p99.9 of what the clients saw, and the extra
 * upstream attempts per request, from `Server-Timing`. Loopback only; bounded in time.
 *
 *   bun bench/smart/run.ts [--seed 42] [--rate 100] [--seconds 45] [--out file.md]
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { killChildren, runCommand, type ServerProcess, startServer } from "../processes";
import type { Sample } from "./drive";

interface Profile {
  name: string;
  env: Record<string, string>;
  /** The slow period, as a share of the run, when there is one. */
  slow?: { from: number; until: number };
}

interface Strategy {
  name: string;
  env: Record<string, string>;
}

/** The upstream's body: tight, as in the services of "The Tail at Scale"; errors left out. */
const BASE = { WORK_MEDIAN_MS: "20", WORK_P95_MS: "60", WORK_ERROR_PERCENT: "0" };
const SLOW_FROM = 1 / 3;
const SLOW_UNTIL = 2 / 3;
const SLOW_FACTOR = 40;

const profiles = (seconds: number): Profile[] => [
  { name: "log-normal", env: BASE },
  { name: "+ 1% stalls of 2 s", env: { ...BASE, WORK_STALL_PERCENT: "1", WORK_STALL_MS: "2000" } },
  {
    name: `slows down ×${SLOW_FACTOR} for a third`,
    env: {
      ...BASE,
      WORK_SLOW_AFTER_MS: String(Math.round(seconds * 1_000 * SLOW_FROM)),
      WORK_SLOW_FOR_MS: String(Math.round(seconds * 1_000 * (SLOW_UNTIL - SLOW_FROM))),
      WORK_SLOW_FACTOR: String(SLOW_FACTOR),
    },
    slow: { from: SLOW_FROM, until: SLOW_UNTIL },
  },
];

const STRATEGIES: Strategy[] = [
  { name: "no hedging", env: { SMART_HEDGE_COUNT: "0" } },
  { name: "fixed 300 ms", env: { SMART_HEDGE_DELAY_MS: "300" } },
  { name: "auto", env: { SMART_HEDGE_DELAY_MS: "auto", SMART_HEDGE_BUDGET_PERCENT: "0" } },
  { name: "auto + 10% budget", env: { SMART_HEDGE_DELAY_MS: "auto" } },
];

/** Nearest rank, as the service's own estimator. */
function percentile(sorted: number[], p: number): number {
  return (
    sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ??
    Number.NaN
  );
}

/** Extra upstream attempts per request, in %. */
const extraLoad = (samples: Sample[]) =>
  (100 * samples.reduce((sum, s) => sum + Math.max(0, s.attempts - 1), 0)) / samples.length;

export interface Row {
  profile: string;
  strategy: string;
  requests: number;
  failed: number;
  /** Percentiles of the upstream race, as the service timed it. */
  p50: number;
  p99: number;
  p999: number;
  /** p99.9 as the clients saw it, scheduling of the driver and the HTTP layer included. */
  clientP999: number;
  extraLoad: number;
  /** Only for a profile with a slow period: the extra load of requests sent during it. */
  slowExtraLoad?: number;
}

export function summarize(
  profile: Profile,
  strategy: Strategy,
  samples: Sample[],
  warmUpMs: number,
  durationMs: number,
): Row {
  const measured = samples.filter((s) => s.sentMs >= warmUpMs);
  const races = measured
    .map((s) => s.raceMs)
    .filter((ms) => !Number.isNaN(ms))
    .sort((a, b) => a - b);
  const latencies = measured.map((s) => s.latencyMs).sort((a, b) => a - b);
  const slow = profile.slow;
  return {
    profile: profile.name,
    strategy: strategy.name,
    requests: measured.length,
    failed: measured.filter((s) => s.status !== 200).length,
    p50: percentile(races, 50),
    p99: percentile(races, 99),
    p999: percentile(races, 99.9),
    clientP999: percentile(latencies, 99.9),
    extraLoad: extraLoad(measured),
    slowExtraLoad: slow
      ? extraLoad(
          samples.filter(
            (s) => s.sentMs >= slow.from * durationMs && s.sentMs < slow.until * durationMs,
          ),
        )
      : undefined,
  };
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const pct = (value: number | undefined) => (value === undefined ? "–" : `${value.toFixed(1)}%`);

export function table(rows: Row[]): string {
  const lines = [
    "| upstream | strategy | p50 ms | p99 ms | p99.9 ms | extra load | extra load, slow period | client p99.9 ms | non-200 |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.profile} | ${r.strategy} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.p999)} | ${pct(r.extraLoad)} | ${pct(r.slowExtraLoad)} | ${ms(r.clientP999)} | ${r.failed} |`,
    );
  }
  return lines.join("\n");
}

export function verdicts(rows: Row[]): string[] {
  const find = (profile: string, strategy: string) =>
    rows.find((r) => r.profile.startsWith(profile) && r.strategy === strategy);
  const lines: string[] = [];
  const fixedStall = find("+ 1% stalls", "fixed 300 ms");
  for (const auto of ["auto", "auto + 10% budget"]) {
    const stall = find("+ 1% stalls", auto);
    if (!fixedStall || !stall) continue;
    const ratio = stall.p999 / fixedStall.p999;
    lines.push(
      `stalls, ${auto} vs fixed 300 ms: p99.9 ${ms(stall.p999)} / ${ms(fixedStall.p999)} ms = ${ratio.toFixed(2)}× (target ≤ 0.5×: ${ratio <= 0.5 ? "met" : "unmet"}); extra load ${pct(stall.extraLoad)} (target ≤ 10%: ${stall.extraLoad <= 10 ? "met" : "unmet"})`,
    );
  }
  const fixedSlow = find("slows down", "fixed 300 ms");
  const budgetSlow = find("slows down", "auto + 10% budget");
  if (fixedSlow?.slowExtraLoad !== undefined && budgetSlow?.slowExtraLoad !== undefined) {
    lines.push(
      `upstream slowed down, extra load with auto + 10% budget: ${pct(budgetSlow.slowExtraLoad)} during the slow period, ${pct(budgetSlow.extraLoad)} over the run (target ≤ 10%: ${budgetSlow.slowExtraLoad <= 10 ? "met" : "unmet"} during it, ${budgetSlow.extraLoad <= 10 ? "met" : "unmet"} over the run); fixed 300 ms ${pct(fixedSlow.slowExtraLoad)} during it, ${(1 + fixedSlow.slowExtraLoad / 100).toFixed(2)}× the load`,
    );
  }
  return lines;
}

async function startCopy(
  profile: Profile,
  strategy: Strategy,
  seed: number,
): Promise<ServerProcess> {
  return startServer({
    name: `${profile.name} / ${strategy.name}`,
    // The upstream is the copy's own /api/work, on the port it is given, with the run's seed.
    cmd: (port) => [
      "env",
      `SMART_UPSTREAM_URL=http://127.0.0.1:${port}/api/work?seed=${seed}`,
      process.execPath,
      "src/main.ts",
    ],
    env: {
      PATH: process.env.PATH ?? "",
      SQLITE_PATH: ":memory:",
      LOG_LEVEL: "warn",
      // Room for every attempt in flight during the slow period (Bun's default is 256).
      BUN_CONFIG_MAX_HTTP_REQUESTS: "2048",
      ...profile.env,
      ...strategy.env,
    },
  });
}

async function runProfile(
  profile: Profile,
  options: { seed: number; rate: number; seconds: number },
): Promise<Row[]> {
  const copies = await Promise.all(STRATEGIES.map((s) => startCopy(profile, s, options.seed)));
  try {
    const results = await Promise.all(
      copies.map((copy) =>
        runCommand(
          [
            process.execPath,
            "bench/smart/drive.ts",
            `${copy.url}/api/smart`,
            String(options.rate),
            String(options.seconds),
          ],
          {
            timeoutMs: (options.seconds + 60) * 1_000,
            env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: "2048" },
          },
        ),
      ),
    );
    return results.map((result, i) => {
      const strategy = STRATEGIES[i] as Strategy;
      if (result.exitCode !== 0) {
        throw new Error(`driver for ${strategy.name} failed: ${result.stderr.slice(-500)}`);
      }
      const samples = JSON.parse(result.stdout) as Sample[];
      return summarize(profile, strategy, samples, 1_000, options.seconds * 1_000);
    });
  } finally {
    await Promise.all(copies.map((copy) => copy.stop()));
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      seed: { type: "string", default: "42" },
      rate: { type: "string", default: "100" },
      seconds: { type: "string", default: "45" },
      out: { type: "string" },
    },
  });
  const options = {
    seed: Number(values.seed),
    rate: Number(values.rate),
    seconds: Number(values.seconds),
  };
  const started = performance.now();
  const rows: Row[] = [];
  for (const profile of profiles(options.seconds)) {
    console.error(
      `bench-smart: ${profile.name}, ${STRATEGIES.length} strategies at ${options.rate} requests/s for ${options.seconds} s`,
    );
    rows.push(...(await runProfile(profile, options)));
  }
  const report = [
    `seed ${options.seed}, ${options.rate} requests/s per strategy for ${options.seconds} s per profile (the first second left out), upstream median ${BASE.WORK_MEDIAN_MS} ms, p95 ${BASE.WORK_P95_MS} ms, no errors; took ${Math.round((performance.now() - started) / 1_000)} s; machine load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(", ")} at the end`,
    "",
    "p50, p99 and p99.9 are of the upstream race, as the service times it (`Server-Timing: upstream;dur`); client p99.9 adds the scheduling of the driver and the HTTP layer.",
    "",
    table(rows),
    "",
    ...verdicts(rows).map((line) => `- ${line}`),
  ].join("\n");
  console.log(report);
  if (values.out) writeFileSync(values.out, `${report}\n`);
}

if (import.meta.main) {
  process.on("SIGINT", () => {
    killChildren();
    process.exit(130);
  });
  main().catch((error: unknown) => {
    killChildren();
    console.error(error);
    process.exit(1);
  });
}

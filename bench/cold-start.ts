/**
 * Lambda-like cold start: each binary starts inside a cgroup limited to 0.29 of a CPU, the
 * share Lambda gives a 512 MB function, and the time from spawn to its first 200 from
 * `/healthz` is taken. The service, the raw baseline and a minimal Elysia app alternate.
 *
 * Every start gets a cgroup of its own, as every Lambda instance starts with its whole quota:
 * in a shared one, what the previous process used in the current period (its shutdown
 * included) would be taken from the next one's quota.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ServerSpec } from "./processes";
import { GATE_READY, startServer } from "./processes";
import { formatMs, formatRatio, median, type Row } from "./report";

export const LAMBDA_CPU_SHARE = 0.29;
const PERIOD_US = 100_000;

export interface CpuLimit {
  /** How the limit is set, for the notes. */
  readonly description: string;
  /** The command, run inside the cgroup: a shell joins it, then execs the command when told to. */
  wrap(cmd: string[]): string[];
  /** How many periods so far ran out of quota (`nr_throttled` in `cpu.stat`). */
  throttledPeriods(): number;
  remove(): void;
}

// Joining a cgroup takes milliseconds (1–13 ms here) that a Lambda instance does not spend: the
// shell joins, says so, and starts the server only when told to (the clock starts then; see
// `gated` in processes.ts).
const joinAndExec = (procs: string, cmd: string[]) => [
  "/bin/sh",
  "-c",
  `echo $$ > "$0" && echo "${GATE_READY}" >&2 && read -r _ && exec "$@"`,
  procs,
  ...cmd,
];

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Makes the cgroup `dir` and writes its limit files, in order; the reason when it cannot. */
function makeCgroup(
  dir: string,
  files: [name: string, value: string][],
  description: string,
): CpuLimit | { failed: string } {
  try {
    mkdirSync(dir);
  } catch (error) {
    return { failed: `${dir}: ${message(error)}` };
  }
  for (const [name, value] of files) {
    try {
      writeFileSync(join(dir, name), value);
    } catch (error) {
      rmdirSync(dir);
      return { failed: `${join(dir, name)}: ${message(error)}` };
    }
  }
  return {
    description,
    wrap: (cmd) => joinAndExec(join(dir, "cgroup.procs"), cmd),
    throttledPeriods: () =>
      Number(/^nr_throttled (\d+)$/m.exec(readFileSync(join(dir, "cpu.stat"), "utf8"))?.[1] ?? 0),
    remove: () => rmdirSync(dir),
  };
}

let cgroups = 0;

/** A new cgroup limited to `share` of one CPU (v2 `cpu.max`, else v1 `cpu.cfs_quota_us`), or why not. */
export function createCpuLimit(share: number): CpuLimit | { skipped: string } {
  const quota = String(Math.round(share * PERIOD_US));
  cgroups += 1;
  const name = `tocos-bench-${process.pid}-${cgroups}`;
  const reasons: string[] = [];

  const v2Controllers = "/sys/fs/cgroup/cgroup.controllers";
  const v2 =
    existsSync(v2Controllers) && readFileSync(v2Controllers, "utf8").split(/\s+/).includes("cpu");
  if (v2) {
    const made = makeCgroup(
      join("/sys/fs/cgroup", name),
      [["cpu.max", `${quota} ${PERIOD_US}`]],
      `cgroup v2 \`cpu.max\` = \`${quota} ${PERIOD_US}\``,
    );
    if (!("failed" in made)) return made;
    reasons.push(made.failed);
  } else reasons.push("no cgroup v2 cpu controller");

  const v1Root = "/sys/fs/cgroup/cpu";
  if (existsSync(join(v1Root, "cpu.cfs_quota_us"))) {
    const made = makeCgroup(
      join(v1Root, name),
      [
        ["cpu.cfs_period_us", String(PERIOD_US)],
        ["cpu.cfs_quota_us", quota],
      ],
      `cgroup v1 \`cpu.cfs_quota_us\` = ${quota} per ${PERIOD_US} µs`,
    );
    if (!("failed" in made)) return made;
    reasons.push(made.failed);
  } else reasons.push("no cgroup v1 cpu controller");
  return { skipped: `no writable CPU cgroup (${reasons.join("; ")})` };
}

export interface ColdStartPeers {
  service: () => ServerSpec;
  baseline: ServerSpec;
  elysia: ServerSpec;
  /** The reference build (reference.ts), when there is one. */
  reference?: () => ServerSpec;
}

type Kind = "service" | "baseline" | "elysia" | "reference";

export interface ColdStarts {
  service: number[];
  baseline: number[];
  elysia: number[];
  reference: number[];
  /** How many of each binary's starts had a period that ran out of quota. */
  throttled: Record<Kind, number>;
  /** How the limit was set, for the notes. */
  limit: string;
}

/**
 * `runs` cold starts of each binary at `share` of a CPU, alternating; every process is fresh,
 * and so is its cgroup.
 */
export async function measureColdStarts(
  peers: ColdStartPeers,
  share: number,
  runs: number,
): Promise<ColdStarts> {
  const times: ColdStarts = {
    service: [],
    baseline: [],
    elysia: [],
    reference: [],
    throttled: { service: 0, baseline: 0, elysia: 0, reference: 0 },
    limit: "",
  };
  const specs = {
    service: peers.service,
    baseline: () => peers.baseline,
    elysia: () => peers.elysia,
    reference: peers.reference,
  };
  const kinds = (["service", "baseline", "elysia", "reference"] as const).filter(
    (kind) => specs[kind] !== undefined,
  );
  for (let run = 1; run <= runs; run++) {
    for (const kind of kinds) {
      const spec = (specs[kind] as () => ServerSpec)();
      const cmd = typeof spec.cmd === "function" ? spec.cmd : () => spec.cmd as string[];
      const limit = createCpuLimit(share);
      if ("skipped" in limit) throw new Error(`cold start: ${limit.skipped}`);
      times.limit = limit.description;
      try {
        const server = await startServer({
          ...spec,
          cmd: (port) => limit.wrap(cmd(port)),
          gated: true,
          startTimeoutMs: 60_000,
        });
        times[kind].push(server.startupMs);
        if (limit.throttledPeriods() > 0) times.throttled[kind] += 1;
        await server.stop();
      } finally {
        limit.remove();
      }
    }
  }
  return times;
}

export const COLD_START_TARGETS = {
  elysia: "≤ 1.2× minimal Elysia",
  raw: "≤ 2.0×",
  reference: "≤ 1.00× (no loss)",
} as const;

const MEASURE = `Cold start at ${LAMBDA_CPU_SHARE} CPU, spawn to first 200`;

export function coldStartRows(times: ColdStarts): Row[] {
  const service = median(times.service);
  const baseline = median(times.baseline);
  const elysia = median(times.elysia);
  const runs = times.service.length;
  const throttled = (["service", "baseline", "elysia", "reference"] as const)
    .filter((kind) => times[kind].length > 0)
    .map((kind) => `${kind} ${times.throttled[kind]}/${runs}`)
    .join(", ");
  const notes = `median of ${runs} run(s) each, alternating, each in a cgroup of its own; ${times.limit}; starts that ran out of quota: ${throttled}`;
  return [
    {
      measure: `${MEASURE}, vs raw \`Bun.serve\``,
      service: formatMs(service),
      baseline: formatMs(baseline),
      ratio: formatRatio(service / baseline),
      target: COLD_START_TARGETS.raw,
      result: service / baseline <= 2 ? "met" : "not met",
      notes,
    },
    {
      measure: `${MEASURE}, vs minimal Elysia`,
      service: formatMs(service),
      baseline: `${formatMs(elysia)} (minimal Elysia)`,
      ratio: formatRatio(service / elysia),
      target: COLD_START_TARGETS.elysia,
      result: service / elysia <= 1.2 ? "met" : "not met",
      notes: `minimal Elysia ÷ raw: ${formatRatio(elysia / baseline)}`,
    },
    ...(times.reference.length > 0 ? [referenceRow(service, median(times.reference))] : []),
  ];
}

function referenceRow(service: number, reference: number): Row {
  return {
    measure: `${MEASURE}, vs the reference build`,
    service: formatMs(service),
    baseline: `${formatMs(reference)} (reference)`,
    ratio: formatRatio(service / reference),
    target: COLD_START_TARGETS.reference,
    result: service <= reference ? "met" : "not met",
    notes: "the service with its defaults, CORS headers on: the reference has none",
  };
}

export const coldStartSkippedRows = (reason: string): Row[] =>
  [`${MEASURE}, vs raw \`Bun.serve\``, `${MEASURE}, vs minimal Elysia`].map((measure) => ({
    measure,
    service: "—",
    baseline: "—",
    ratio: "—",
    target: measure.endsWith("Elysia") ? COLD_START_TARGETS.elysia : COLD_START_TARGETS.raw,
    result: "skipped",
    notes: reason,
  }));

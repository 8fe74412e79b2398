/** The benchmark's command-line flags. */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ECHO_FLAGS, ECHO_USAGE, type EchoOptions, readEchoOptions } from "./echo-options";

export const USAGE = `Usage: bun bench/run.ts [flags]

  --duration SEC             load per measurement (default 10; wrk takes whole seconds)
  --warmup SEC               warm-up per server and route, not measured (default 2; 0 = none)
  --connections N            concurrent connections (default 64)
  --threads N                wrk threads (default: half the cores, at least 1)
  --rounds N                 alternating rounds per route; medians are reported (default 3)
  --startup-runs N           start-ups per server, alternating (default 9)
  --factorial-runs N         fresh processes timing the first 100000! (default 3)
  --latency-connections N    connections for the /api/smart added-latency probe (default 1)
  --load-generator NAME      wrk or autocannon (default: wrk when on PATH, else autocannon)
  --server PATH              use this service binary instead of building dist/server with make
  --env KEY=VALUE            extra environment for the service (repeatable)
  --out PATH                 where to write the results (default bench/results.md)
  --no-python                skip CPython and the Python peers
  --quick                    smoke run: 1 round, no warm-up, 1 start-up and 1 factorial run,
                             no Python (explicit numeric flags still win)
${ECHO_USAGE}
  --help                     this text`;

export interface Options {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  threads: number;
  rounds: number;
  startupRuns: number;
  factorialRuns: number;
  latencyConnections: number;
  loadGenerator: "wrk" | "autocannon" | undefined;
  server: string | undefined;
  serviceEnv: Record<string, string>;
  out: string;
  python: boolean;
  echo: EchoOptions;
}

/** A bad flag: the run stops with the message and the usage text. */
export class UsageError extends Error {
  override name = "UsageError";
}

function numberFlag(
  raw: string | undefined,
  name: string,
  fallback: number,
  { min, integer }: { min: number; integer: boolean },
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const valid = raw.trim() !== "" && Number.isFinite(value) && value >= min;
  if (!valid || (integer && !Number.isInteger(value))) {
    const kind = integer ? "an integer" : "a number";
    throw new UsageError(`--${name} must be ${kind} ≥ ${min}, got "${raw}"`);
  }
  return value;
}

function serviceEnvFrom(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at < 1) throw new UsageError(`--env takes KEY=VALUE, got "${pair}"`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

/** The options, or undefined when `--help` asks for the usage text. */
export function readOptions(argv: string[], root: string): Options | undefined {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return undefined;
  const quick = values.quick === true;
  const count = { min: 1, integer: true };
  const loadGenerator = values["load-generator"];
  if (loadGenerator !== undefined && loadGenerator !== "wrk" && loadGenerator !== "autocannon") {
    throw new UsageError(`--load-generator must be wrk or autocannon, got "${loadGenerator}"`);
  }
  const halfTheCores = Math.max(1, Math.floor(navigator.hardwareConcurrency / 2));
  return {
    durationSeconds: numberFlag(values.duration, "duration", 10, { min: 0.01, integer: false }),
    warmupSeconds: numberFlag(values.warmup, "warmup", quick ? 0 : 2, { min: 0, integer: false }),
    connections: numberFlag(values.connections, "connections", 64, count),
    threads: numberFlag(values.threads, "threads", halfTheCores, count),
    rounds: numberFlag(values.rounds, "rounds", quick ? 1 : 3, count),
    startupRuns: numberFlag(values["startup-runs"], "startup-runs", quick ? 1 : 9, count),
    factorialRuns: numberFlag(values["factorial-runs"], "factorial-runs", quick ? 1 : 3, count),
    latencyConnections: numberFlag(values["latency-connections"], "latency-connections", 1, count),
    loadGenerator,
    server: values.server === undefined ? undefined : resolve(values.server),
    serviceEnv: serviceEnvFrom(values.env ?? []),
    out: resolve(values.out ?? join(root, "bench", "results.md")),
    python: !quick && values["no-python"] !== true,
    echo: readEchoOptions(values, quick, (message) => new UsageError(message)),
  };
}

const parse = (argv: string[]) =>
  parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      threads: { type: "string" },
      rounds: { type: "string" },
      "startup-runs": { type: "string" },
      "factorial-runs": { type: "string" },
      "latency-connections": { type: "string" },
      "load-generator": { type: "string" },
      server: { type: "string" },
      env: { type: "string", multiple: true },
      out: { type: "string" },
      "no-python": { type: "boolean" },
      quick: { type: "boolean" },
      help: { type: "boolean" },
      ...ECHO_FLAGS,
    },
  });

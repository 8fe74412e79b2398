/**
 * Load generators: `wrk` when installed, else `autocannon` from node_modules. Both run as
 * their own process, so they never share an event loop with the harness that drains logs.
 */
import { runCommand } from "./processes";

export interface LoadSettings {
  durationSeconds: number;
  connections: number;
  /** Sent with every request. */
  headers?: Record<string, string>;
}

export interface LoadResult {
  requestsPerSecond: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses received. */
  requests: number;
  /** Non-2xx responses plus connection errors and timeouts. */
  failures: number;
}

export interface LoadGenerator {
  readonly name: "wrk" | "autocannon";
  /** Name and version, for the machine description. */
  readonly version: string;
  /** autocannon reports latency percentiles in whole milliseconds only. */
  readonly wholeMillisecondPercentiles: boolean;
  /** Whether the generator can run for this many seconds. */
  acceptsDuration(seconds: number): boolean;
  run(url: string, settings: LoadSettings): Promise<LoadResult>;
}

/** Headroom over the load duration before a generator that hangs is killed. */
const HANG_MARGIN_MS = 30_000;

const MS_PER_UNIT: Record<string, number> = { us: 0.001, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

function wrkDurationMs(text: string, label: string): number {
  const pattern = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s|m|h)(?:\\s|$)`, "m");
  const match = pattern.exec(text);
  const unit = match?.[2];
  if (!match?.[1] || !unit) throw new Error(`wrk output has no ${label} latency:\n${text}`);
  return Number(match[1]) * (MS_PER_UNIT[unit] ?? Number.NaN);
}

/** Reads requests/s, p50, p99 and failures from `wrk --latency` output. */
export function parseWrkOutput(text: string): LoadResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text)?.[1];
  const requests = /^\s*(\d+) requests in /m.exec(text)?.[1];
  if (rps === undefined || requests === undefined) {
    throw new Error(`wrk output has no request counts:\n${text}`);
  }
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerSecond: Number(rps),
    meanMs: wrkDurationMs(text, "Latency"),
    p50Ms: wrkDurationMs(text, "50%"),
    p99Ms: wrkDurationMs(text, "99%"),
    requests: Number(requests),
    failures: non2xx + socketErrors,
  };
}

export async function wrkGenerator(path: string, threads: number): Promise<LoadGenerator> {
  const banner = await runCommand([path, "-v"], { timeoutMs: 5_000 });
  const version = /^(wrk \S+)/.exec(banner.stdout + banner.stderr)?.[1] ?? "wrk";
  return {
    name: "wrk",
    version,
    wholeMillisecondPercentiles: false,
    acceptsDuration: (seconds) => Number.isInteger(seconds) && seconds >= 1,
    async run(url, { durationSeconds, connections, headers = {} }) {
      const cmd = [
        path,
        ...Object.entries(headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]),
        `-t${Math.min(threads, connections)}`,
        `-c${connections}`,
        `-d${durationSeconds}s`,
        "--timeout",
        "10s",
        "--latency",
        url,
      ];
      const result = await runCommand(cmd, { timeoutMs: durationSeconds * 1_000 + HANG_MARGIN_MS });
      if (result.exitCode !== 0) {
        throw new Error(`wrk failed (exit ${result.exitCode}): ${result.stderr}${result.stdout}`);
      }
      return parseWrkOutput(result.stdout);
    },
  };
}

interface AutocannonJson {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number };
  latency: { average: number; p50: number; p99: number };
}

export async function autocannonGenerator(): Promise<LoadGenerator> {
  const cli = Bun.resolveSync("autocannon/autocannon.js", import.meta.dir);
  const manifest = (await Bun.file(
    Bun.resolveSync("autocannon/package.json", import.meta.dir),
  ).json()) as { version: string };
  return {
    name: "autocannon",
    version: `autocannon ${manifest.version}`,
    wholeMillisecondPercentiles: true,
    acceptsDuration: (seconds) => seconds > 0,
    async run(url, { durationSeconds, connections, headers = {} }) {
      // autocannon stops on a sample tick, so short runs need ticks at least that short.
      const sampleMs = Math.max(10, Math.min(1_000, Math.round(durationSeconds * 1_000)));
      const cmd = [
        process.execPath,
        cli,
        "--json",
        "-c",
        String(connections),
        "-d",
        String(durationSeconds),
        "-L",
        String(sampleMs),
        "-t",
        "10",
        ...Object.entries(headers).flatMap(([name, value]) => ["-H", `${name}=${value}`]),
        url,
      ];
      const result = await runCommand(cmd, { timeoutMs: durationSeconds * 1_000 + HANG_MARGIN_MS });
      const line = result.stdout.trim().split("\n").at(-1);
      if (result.exitCode !== 0 || !line) {
        throw new Error(`autocannon failed (exit ${result.exitCode}): ${result.stderr}`);
      }
      const report = JSON.parse(line) as AutocannonJson;
      return {
        requestsPerSecond: report.requests.total / report.duration,
        meanMs: report.latency.average,
        p50Ms: report.latency.p50,
        p99Ms: report.latency.p99,
        requests: report.requests.total,
        failures: report.non2xx + report.errors + report.timeouts,
      };
    },
  };
}

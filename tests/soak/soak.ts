/**
 * The long load and leak run (`make soak`): mixed traffic on 64 connections for 60 s against the
 * listening service on a SQLite file, then 1,000 /api/smart requests against an upstream that
 * hangs, resets, trickles bytes or answers 429/500. It prints its figures and exits 1 if any
 * bound is broken. SOAK_SECONDS and SOAK_SMART_REQUESTS change the sizes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closingUpstream, measureLoad, mixedScenario } from "../support/mixed-load";
import { startServer } from "../support/process";
import { rawExchange } from "../support/raw-http";
import { runSmartFaultsInChild } from "../support/smart-faults";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const SMART_REQUESTS = Number(process.env.SOAK_SMART_REQUESTS ?? 1_000);
const CONNECTIONS = 64;
const MARK_MS = Math.min(10_000, (SECONDS * 1000) / 6);
const RSS_GROWTH_BOUND = 0.2;
const LATE_MS = 25;
const EXIT_WITHIN_MS = 1_500;

const failures: string[] = [];
function check(what: string, holds: boolean, detail: string) {
  console.log(`${holds ? "ok  " : "FAIL"} ${what}: ${detail}`);
  if (!holds) failures.push(what);
}

async function mixedLoad() {
  const upstream = closingUpstream();
  const dataDir = mkdtempSync(join(tmpdir(), "soak-"));
  const server = await startServer({
    env: {
      SQLITE_PATH: join(dataDir, "echo.sqlite"),
      SMART_UPSTREAM_URL: upstream.url,
      LOG_LEVEL: "info",
    },
    keepLine: (line) => !line.includes('"level":"info"'),
  });
  try {
    const probe = await rawExchange(
      server.port,
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    console.log(`mixed load: ${CONNECTIONS} connections for ${SECONDS} s ...`);
    const { load, rss, fds, fdsSettledMs } = await measureLoad({
      server,
      scenario: mixedScenario({ metrics: probe.status === 200 }),
      connections: CONNECTIONS,
      durationMs: SECONDS * 1000,
      markMs: MARK_MS,
    });
    const fivexx = Object.entries(load.statuses)
      .filter(([status]) => Number(status) >= 500)
      .reduce((n, [, count]) => n + count, 0);
    check(
      "load held",
      load.requests > 0,
      `${load.requests} requests in ${load.durationMs} ms, ${load.requestsPerSecond} req/s, p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms, max ${load.latencyMs.max} ms`,
    );
    check("zero errors", load.errors === 0, `${load.errors} ${load.samples.join("; ")}`);
    check("zero unexpected statuses", load.unexpected === 0, JSON.stringify(load.statuses));
    check("zero 5xx", fivexx === 0, `${fivexx}`);
    check(
      `RSS at the end within ${RSS_GROWTH_BOUND * 100}% of its level at ${MARK_MS / 1000} s`,
      rss.growth <= RSS_GROWTH_BOUND,
      `${rss.atMarkMb} MB → ${rss.endMb} MB (${(rss.growth * 100).toFixed(1)}%), peak ${rss.peakMb} MB`,
    );
    check(
      "open descriptors back to the start",
      fds.after === fds.start,
      `${fds.start} → peak ${fds.peak} → ${fds.after} (${fdsSettledMs} ms after the load) ${JSON.stringify(fds.afterKinds)}`,
    );
    const errors = server
      .output()
      .split("\n")
      .filter((l) => l.includes('"level":"error"'));
    check(
      "no error logged",
      errors.length === 0,
      `${errors.length} ${errors.slice(0, 3).join(" ")}`,
    );
  } finally {
    await server.stop("SIGTERM");
    upstream.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function smartFaults() {
  console.log(`smart faults: ${SMART_REQUESTS} requests ...`);
  const { report, exitAfterReportMs, exitCode } = await runSmartFaultsInChild({
    requests: SMART_REQUESTS,
    concurrency: 32,
  });
  check(
    "every smart answer is 200, 502 or 504 in the error format",
    report.wrongAnswers.length === 0,
    `${JSON.stringify(report.statuses)} against upstream ${JSON.stringify(report.faults)}`,
  );
  check(
    `every smart answer within its deadline + ${LATE_MS} ms`,
    report.latenessMs.max < LATE_MS,
    `lateness max ${report.latenessMs.max} ms, p99 ${report.latenessMs.p99} ms, p50 ${report.latenessMs.p50} ms`,
  );
  check(
    "no upstream request left in flight",
    report.upstreamPending === 0,
    `${report.upstreamPending}`,
  );
  check(
    "no socket to the upstream left once the idle pool closes",
    report.socketsAfterPoolClose === 0,
    `${report.socketsAfterRun} idle keep-alive → ${report.socketsAfterPoolClose}`,
  );
  check(
    "no timer or socket pending: the process exits on its own",
    exitCode === 0 && exitAfterReportMs < EXIT_WITHIN_MS,
    `exit ${exitCode} ${exitAfterReportMs} ms after the report`,
  );
}

await mixedLoad();
await smartFaults();
console.log(failures.length === 0 ? "soak passed" : `soak FAILED: ${failures.join(", ")}`);
process.exit(failures.length === 0 ? 0 : 1);

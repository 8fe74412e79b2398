/** Turns measurements into table rows, each judged against the target it answers to. */
import type { LoadResult } from "./load";
import type { FactorialTiming } from "./measure";
import {
  formatMiB,
  formatMs,
  formatRatio,
  formatRps,
  median,
  type Row,
  type Verdict,
} from "./report";

/** The medians of one target's rounds, with totals of responses and failures. */
export type Summary = LoadResult;

export function summarize(results: readonly LoadResult[]): Summary {
  return {
    requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
    meanMs: median(results.map((r) => r.meanMs)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    failures: results.reduce((sum, r) => sum + r.failures, 0),
  };
}

/** Past this share of failed responses a measurement says nothing about the route. */
const FAILED_SHARE_LIMIT = 0.01;

export const TARGETS = {
  throughput: "≥ 0.90×",
  p99: "≤ 1.5×",
  echo: "≥ 0.80× `/tocos`",
  smartAdded: "< 1 ms added",
  factorial: "≤ 60 ms",
  cpython: "≥ 25× faster",
  startup: "≤ 2.5×",
  memory: "≤ 1.5×",
} as const;

export const joinNotes = (...notes: string[]) => notes.filter(Boolean).join("; ");

export const judge = (met: boolean): Verdict => (met ? "met" : "not met");

export function failures(summary: Summary, who = ""): { note: string; failed: boolean } {
  if (summary.failures === 0) return { note: "", failed: false };
  return {
    note: `${who}${summary.failures} of ${summary.requests} responses failed`,
    failed: summary.failures > summary.requests * FAILED_SHARE_LIMIT,
  };
}

export const latencies = (summary: Summary) =>
  `p50 ${formatMs(summary.p50Ms)}, p99 ${formatMs(summary.p99Ms)}`;

export function skippedRow(measure: string, target: string, reason: string): Row {
  const empty = { service: "—", baseline: "—", ratio: "—" };
  return { measure, ...empty, target, result: "skipped", notes: reason };
}

/** Throughput, p50 and p99 of a route both servers answer, as ratios to the baseline. */
export function pairedRows(route: string, service: Summary, baseline: Summary): Row[] {
  const serviceFailures = failures(service, "service: ");
  const baselineFailures = failures(baseline, "baseline: ");
  const failed = serviceFailures.failed || baselineFailures.failed;
  const verdict = (met: boolean): Verdict => (failed ? "failed" : judge(met));
  const rps = service.requestsPerSecond / baseline.requestsPerSecond;
  const p50 = service.p50Ms / baseline.p50Ms;
  const p99 = service.p99Ms / baseline.p99Ms;
  return [
    {
      measure: `\`${route}\` throughput`,
      service: formatRps(service.requestsPerSecond),
      baseline: formatRps(baseline.requestsPerSecond),
      ratio: formatRatio(rps),
      target: TARGETS.throughput,
      result: verdict(rps >= 0.9),
      notes: joinNotes(serviceFailures.note, baselineFailures.note),
    },
    {
      measure: `\`${route}\` p50 latency`,
      service: formatMs(service.p50Ms),
      baseline: formatMs(baseline.p50Ms),
      ratio: formatRatio(p50),
      target: "—",
      result: failed ? "failed" : "—",
      notes: "",
    },
    {
      measure: `\`${route}\` p99 latency`,
      service: formatMs(service.p99Ms),
      baseline: formatMs(baseline.p99Ms),
      ratio: formatRatio(p99),
      target: TARGETS.p99,
      result: verdict(p99 <= 1.5),
      notes: "",
    },
  ];
}

/** A route only the service answers: throughput, with its latencies in the notes. */
export function serviceOnlyRow(route: string, service: Summary, note = ""): Row {
  const failed = failures(service);
  return {
    measure: `\`${route}\` throughput`,
    service: formatRps(service.requestsPerSecond),
    baseline: "—",
    ratio: "—",
    target: "—",
    result: failed.failed ? "failed" : "—",
    notes: joinNotes(latencies(service), note, failed.note),
  };
}

/** The mock hit against the service's own `/tocos`: both read the same store. */
export function echoRow(measure: string, echo: Summary, tocos: Summary | undefined): Row {
  const failed = failures(echo);
  if (!tocos) {
    const reason = "no `/tocos` figure to compare with";
    return {
      ...skippedRow(measure, TARGETS.echo, reason),
      service: formatRps(echo.requestsPerSecond),
    };
  }
  const ratio = echo.requestsPerSecond / tocos.requestsPerSecond;
  return {
    measure,
    service: formatRps(echo.requestsPerSecond),
    baseline: `${formatRps(tocos.requestsPerSecond)} (service \`/tocos\`)`,
    ratio: formatRatio(ratio),
    target: TARGETS.echo,
    result: failed.failed ? "failed" : judge(ratio >= 0.8),
    notes: joinNotes(latencies(echo), failed.note),
  };
}

/**
 * The service's p50 on `/api/smart` minus the upstream's own, at the same concurrency. Where the
 * generator rounds percentiles to whole milliseconds, the means are compared instead.
 */
export function smartAddedRow(
  viaService: Summary,
  direct: Summary,
  connections: number,
  wholeMillisecondPercentiles: boolean,
): Row {
  const statistic = wholeMillisecondPercentiles ? "meanMs" : "p50Ms";
  const added = viaService[statistic] - direct[statistic];
  const addedMean = viaService.meanMs - direct.meanMs;
  const failed = failures(viaService);
  return {
    measure: "`/api/smart` added p50 latency",
    service: formatMs(viaService[statistic]),
    baseline: `${formatMs(direct[statistic])} (upstream direct)`,
    ratio: `${added >= 0 ? "+" : ""}${formatMs(added)}`,
    target: TARGETS.smartAdded,
    result: failed.failed ? "failed" : judge(added < 1),
    notes: joinNotes(
      `${connections} connection(s), so queueing does not hide the overhead`,
      wholeMillisecondPercentiles
        ? "means, as the generator rounds percentiles to whole ms"
        : `mean added ${formatMs(addedMean)}`,
      failed.note,
    ),
  };
}

/** The figure the factorial target is judged on: server-side when every run had Server-Timing. */
export function firstFactorialMs(runs: readonly FactorialTiming[]): {
  ms: number;
  serverSide: boolean;
} {
  const serverSide = runs.length > 0 && runs.every((run) => run.serverMs !== undefined);
  const ms = median(runs.map((run) => (serverSide ? (run.serverMs ?? 0) : run.clientMs)));
  return { ms, serverSide };
}

export function firstFactorialRow(runs: readonly FactorialTiming[]): Row {
  const { ms, serverSide } = firstFactorialMs(runs);
  const broken = runs.find((run) => run.status !== 200 || !run.complete);
  return {
    measure: "`factorial(100000)` first request",
    service: formatMs(ms),
    baseline: "—",
    ratio: "—",
    target: TARGETS.factorial,
    result: broken ? "failed" : judge(ms <= 60),
    notes: joinNotes(
      serverSide
        ? "server-side, from `Server-Timing`"
        : "client-side on loopback (no `Server-Timing` header)",
      `median of ${runs.length} fresh process(es)`,
      broken ? `a run answered ${broken.status}, all digits: ${broken.complete}` : "",
    ),
  };
}

export function cpythonRow(serviceMs: number, cpythonMs: number, version: string): Row {
  const speedUp = cpythonMs / serviceMs;
  return {
    measure: "CPython `str(math.factorial(100000))`",
    service: formatMs(serviceMs),
    baseline: `${formatMs(cpythonMs)} (CPython)`,
    ratio: `${speedUp.toFixed(1)}× faster`,
    target: TARGETS.cpython,
    result: judge(speedUp >= 25),
    notes: version,
  };
}

export function blockingRow(maxTimeLatencyMs: number, probes: number, factorialMs: number): Row {
  return {
    measure: "`/time` during an uncached `factorial(100000)`",
    service: formatMs(maxTimeLatencyMs),
    baseline: "—",
    ratio: "—",
    target: "—",
    result: "—",
    notes: `slowest of ${probes} back-to-back \`/time\` requests while 100000! took ${formatMs(factorialMs)}`,
  };
}

export function startupRow(service: readonly number[], baseline: readonly number[]): Row {
  const ratio = median(service) / median(baseline);
  return {
    measure: "Start-up, spawn to first 200 from `/healthz`",
    service: formatMs(median(service)),
    baseline: formatMs(median(baseline)),
    ratio: formatRatio(ratio),
    target: TARGETS.startup,
    result: judge(ratio <= 2.5),
    notes: `median of ${service.length} run(s) each, alternating`,
  };
}

export function memoryRow(service: number | undefined, baseline: number | undefined): Row {
  const measure = "Resident memory after the load";
  if (service === undefined || baseline === undefined) {
    return skippedRow(measure, TARGETS.memory, "no /proc/<pid>/status on this system");
  }
  const ratio = service / baseline;
  return {
    measure,
    service: formatMiB(service),
    baseline: formatMiB(baseline),
    ratio: formatRatio(ratio),
    target: TARGETS.memory,
    result: judge(ratio <= 1.5),
    notes: "VmRSS from /proc/<pid>/status",
  };
}

export function binarySizeRow(service: number, baseline: number): Row {
  return {
    measure: "Binary size",
    service: formatMiB(service),
    baseline: formatMiB(baseline),
    ratio: formatRatio(service / baseline),
    target: "—",
    result: "—",
    notes: "both carry the Bun runtime",
  };
}

export function peerRow(measure: string, serviceTime: Summary, peer: Summary): Row {
  return {
    measure,
    service: formatRps(serviceTime.requestsPerSecond),
    baseline: formatRps(peer.requestsPerSecond),
    ratio: formatRatio(serviceTime.requestsPerSecond / peer.requestsPerSecond),
    target: "—",
    result: "—",
    notes: joinNotes("context only", `peer ${latencies(peer)}`, failures(peer).note),
  };
}

/** Resident memory of fresh service processes, before and after their first 100000!. */
export function factorialMemoryRow(before: readonly number[], after: readonly number[]): Row {
  const measure =
    "Resident memory of a fresh service: before → after its first `factorial(100000)`";
  if (before.length === 0 || after.length === 0) {
    return skippedRow(measure, "—", "no /proc/<pid>/status on this system");
  }
  return {
    measure,
    service: `${formatMiB(median(before))} → ${formatMiB(median(after))}`,
    baseline: "—",
    ratio: "—",
    target: "—",
    result: "—",
    notes: `median of ${before.length} fresh process(es); the worker thread starts on the first large factorial`,
  };
}

import { beforeAll, describe, expect, it } from "bun:test";
import {
  type ChildRun,
  runSmartFaultsInChild,
  type SmartFaultReport,
} from "../support/smart-faults";

/**
 * /api/smart against an upstream that hangs, resets, trickles its body byte by byte, or answers
 * 429 or 500: a few hundred requests here, 1,000 in `make soak`, with deadlines from 15 to 350 ms.
 *
 * "No timers remain" is observed on a whole process: the run happens in a fresh Bun process
 * (app, upstream client and fake upstream together), which must then exit on its own at once.
 * Any timer or socket still pending keeps an event loop alive; each upstream attempt's own
 * timeout is 20 s, and a hanging upstream reply waits until aborted, so a leak would show as a
 * process that lingers for seconds.
 */

const REQUESTS = Number(process.env.SMART_FAULT_REQUESTS ?? 400);
/**
 * How late past its deadline an answer may be, at the 95th percentile, on a shared 2-core
 * machine under full load: with stress-ng on both cores and other test runs beside it, the
 * p95 was 86 ms, against 5–10 ms on a quieter machine. Later than this, a user would notice
 * the deadline slip.
 */
const P95_LATE_MS = 200;
/**
 * Time for the child to write its report and exit, with room for a loaded machine; a leaked
 * attempt timer would keep it alive for 20 s.
 */
const EXIT_WITHIN_MS = 5_000;

let run: ChildRun;
let report: SmartFaultReport;
beforeAll(async () => {
  run = await runSmartFaultsInChild({ requests: REQUESTS, concurrency: 32 });
  report = run.report;
  console.info(
    `[smart faults] ${report.requests} requests, upstream ${JSON.stringify(report.faults)} → ${JSON.stringify(report.statuses)}; lateness max ${report.latenessMs.max} ms, p95 ${report.latenessMs.p95} ms, p99 ${report.latenessMs.p99} ms; upstream pending ${report.upstreamPending}; sockets ${report.socketsAfterRun} idle → ${report.socketsAfterPoolClose} after the pool closed; the process exited ${run.exitAfterReportMs} ms after its report`,
  );
}, 60_000);

describe(`${REQUESTS} smart requests against a faulty upstream`, () => {
  it("met every kind of fault", () => {
    expect(Object.keys(report.faults).sort()).toEqual(
      ["429", "500", "hang", "ok", "reset", "slow-bytes"].sort(),
    );
  });

  it("answers each with 200, or with 502 or 504 in the error format", () => {
    expect(report.wrongAnswers).toEqual([]);
  });

  it("ended every way: some succeeded, some hit their deadline, some failed fast", () => {
    const ways = [report.statuses["200"], report.statuses["502"], report.statuses["504"]];
    expect(ways.every((n) => (n ?? 0) > 0)).toBe(true);
  });

  it(`answers 95% within their deadline plus ${P95_LATE_MS} ms`, () => {
    expect(report.latenessMs.p95).toBeLessThan(P95_LATE_MS);
  });

  it("leaves no request in flight at the upstream", () => {
    expect(report.upstreamPending).toBe(0);
  });

  it("leaves only idle keep-alive sockets, which all close with the pool", () => {
    expect(report.socketsAfterRun).toBeLessThanOrEqual(32 * 3);
    expect(report.socketsAfterPoolClose).toBe(0);
  });

  it("leaves no timer or socket pending: the process exits on its own at once", () => {
    expect(run.exitCode).toBe(0);
    expect(run.exitAfterReportMs).toBeLessThan(EXIT_WITHIN_MS);
  });
});

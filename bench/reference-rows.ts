/**
 * The service against the reference build (reference.ts): did the restructuring lose anything?
 * Both run the same way (production defaults, request logging on, a fresh SQLite file); the
 * service runs with `CORS_ORIGINS=off`, since the reference has no CORS headers to send. Ratios
 * are service ÷ reference from alternating rounds in the same run; the notes give the range of
 * the per-round ratios, which is the run's own noise.
 */
import type { LoadResult } from "./load";
import type { ReferenceBuild } from "./reference";
import {
  formatMiB,
  formatMs,
  formatRatio,
  formatRps,
  median,
  type Row,
  type Verdict,
} from "./report";
import { failures, joinNotes, skippedRow, summarize } from "./rows";

export const REFERENCE_ROUTES = ["/time", "/tocos"] as const;

/** What the restructuring must not lose. */
const NO_LOSS = { more: "≥ 1.00× (no loss)", less: "≤ 1.00× (no loss)" } as const;

export interface ReferenceFigures {
  /** Per route: the service's and the reference's rounds, in the order they ran. */
  load: Map<string, { service: LoadResult[]; reference: LoadResult[] }>;
  startupMs: { service: number[]; reference: number[] };
  residentBytes: { service: number | undefined; reference: number | undefined };
}

const range = (ratios: readonly number[]) =>
  ratios.length > 1
    ? `per-round ratios ${formatRatio(Math.min(...ratios))}–${formatRatio(Math.max(...ratios))}`
    : "";

function row(
  measure: string,
  figures: { service: string; reference: string; ratio: number },
  higherIsBetter: boolean,
  notes: string,
  failed = false,
): Row {
  const met = higherIsBetter ? figures.ratio >= 1 : figures.ratio <= 1;
  const result: Verdict = failed ? "failed" : met ? "met" : "not met";
  return {
    measure,
    service: figures.service,
    baseline: `${figures.reference} (reference)`,
    ratio: formatRatio(figures.ratio),
    target: higherIsBetter ? NO_LOSS.more : NO_LOSS.less,
    result,
    notes,
  };
}

function loadRows(route: string, service: LoadResult[], reference: LoadResult[]): Row[] {
  const s = summarize(service);
  const r = summarize(reference);
  const serviceFailures = failures(s, "service: ");
  const referenceFailures = failures(r, "reference: ");
  const failed = serviceFailures.failed || referenceFailures.failed;
  const paired = service.map((round, i) => ({ round, other: reference[i] }));
  const throughputRatios = paired.flatMap(({ round, other }) =>
    other ? [round.requestsPerSecond / other.requestsPerSecond] : [],
  );
  const p99Ratios = paired.flatMap(({ round, other }) =>
    other ? [round.p99Ms / other.p99Ms] : [],
  );
  const failureNotes = joinNotes(serviceFailures.note, referenceFailures.note);
  return [
    row(
      `\`${route}\` throughput vs the reference build`,
      {
        service: formatRps(s.requestsPerSecond),
        reference: formatRps(r.requestsPerSecond),
        ratio: s.requestsPerSecond / r.requestsPerSecond,
      },
      true,
      joinNotes(range(throughputRatios), failureNotes),
      failed,
    ),
    row(
      `\`${route}\` p99 latency vs the reference build`,
      { service: formatMs(s.p99Ms), reference: formatMs(r.p99Ms), ratio: s.p99Ms / r.p99Ms },
      false,
      range(p99Ratios),
      failed,
    ),
  ];
}

export function referenceRows(commit: string, figures: ReferenceFigures): Row[] {
  const rows: Row[] = [];
  for (const route of REFERENCE_ROUTES) {
    const load = figures.load.get(route);
    if (load) rows.push(...loadRows(route, load.service, load.reference));
  }
  const { startupMs, residentBytes } = figures;
  const startupRatios = startupMs.service.flatMap((ms, i) => {
    const other = startupMs.reference[i];
    return other ? [ms / other] : [];
  });
  rows.push(
    row(
      "Start-up vs the reference build",
      {
        service: formatMs(median(startupMs.service)),
        reference: formatMs(median(startupMs.reference)),
        ratio: median(startupMs.service) / median(startupMs.reference),
      },
      false,
      joinNotes(
        `median of ${startupMs.service.length} run(s) each, alternating`,
        range(startupRatios),
      ),
    ),
  );
  if (residentBytes.service !== undefined && residentBytes.reference !== undefined) {
    rows.push(
      row(
        "Resident memory after the load vs the reference build",
        {
          service: formatMiB(residentBytes.service),
          reference: formatMiB(residentBytes.reference),
          ratio: residentBytes.service / residentBytes.reference,
        },
        false,
        `both after the same \`${REFERENCE_ROUTES.join("` and `")}\` load`,
      ),
    );
  }
  const note = `reference: \`${commit.slice(0, 7)}\`; service with \`CORS_ORIGINS=off\``;
  return rows.map((r, i) => (i === 0 ? { ...r, notes: joinNotes(r.notes, note) } : r));
}

export function referenceSkippedRows(build: Exclude<ReferenceBuild, { binary: string }>): Row[] {
  return [
    ...REFERENCE_ROUTES.map((route) =>
      skippedRow(`\`${route}\` throughput vs the reference build`, NO_LOSS.more, build.skipped),
    ),
    skippedRow("Start-up vs the reference build", NO_LOSS.less, build.skipped),
  ];
}

/** Table rows and the peer table of the Echo measurements. */
import type { Age, MockKind } from "./echo-mocks";
import type { LoadResult } from "./load";
import { formatMiB, formatRatio, formatRps, median, type Row } from "./report";
import { failures, joinNotes, judge, latencies, type Summary, summarize } from "./rows";

export const ECHO_TARGETS = {
  scale: "≥ 0.80×",
  reference: "≥ 0.90×",
  journal: "≥ 0.80×",
} as const;

const best = (results: readonly LoadResult[]) =>
  Math.max(...results.map((result) => result.requestsPerSecond));

/**
 * A throughput against the figure it is judged by, measured alternately in the same run. Each
 * side's figure is its best round: load from elsewhere on a shared machine only ever takes
 * throughput away, so the best of several rounds is the closest to what the code can do. The
 * notes add each round's ratio and their median, which show how noisy the run was.
 */
export function ratioRow(
  measure: string,
  rounds: { measured: LoadResult[]; against: LoadResult[]; againstLabel: string },
  /** Undefined for a row that only gives context. */
  target: { text: string; min: number } | undefined,
  note = "",
): Row {
  const { againstLabel } = rounds;
  const [measured, against] = [summarize(rounds.measured), summarize(rounds.against)];
  const perRound = rounds.measured.map(
    (result, i) => result.requestsPerSecond / (rounds.against[i]?.requestsPerSecond ?? Number.NaN),
  );
  const [measuredBest, againstBest] = [best(rounds.measured), best(rounds.against)];
  const ratio = measuredBest / againstBest;
  const measuredFailures = failures(measured, "measured: ");
  const againstFailures = failures(against, `${againstLabel}: `);
  return {
    measure,
    service: formatRps(measuredBest),
    baseline: `${formatRps(againstBest)} (${againstLabel})`,
    ratio: formatRatio(ratio),
    target: target?.text ?? "—",
    result:
      measuredFailures.failed || againstFailures.failed
        ? "failed"
        : target
          ? judge(ratio >= target.min)
          : "—",
    notes: joinNotes(
      note,
      `best of ${perRound.length} round(s) each`,
      `ratio per round ${perRound.map(formatRatio).join(", ")} (median ${formatRatio(median(perRound))})`,
      latencies(measured),
      measuredFailures.note,
      againstFailures.note,
    ),
  };
}

const compactRps = (rps: number) =>
  rps >= 1_000 ? `${(rps / 1_000).toFixed(1)}k` : `${Math.round(rps)}`;

/** "12.6k → 1.8k (0.14×)", with the failures when there were any. */
function change(few: Summary, many: Summary): string {
  const failed = failures(few).failed || failures(many).failed ? ", >1% failed" : "";
  const ratio = formatRatio(many.requestsPerSecond / few.requestsPerSecond);
  return `${compactRps(few.requestsPerSecond)} → ${compactRps(many.requestsPerSecond)} (${ratio}${failed})`;
}

export interface PeerFigures {
  kind: MockKind;
  age: Age;
  few: Summary;
  many: Summary;
}

export type PeerResult =
  | { server: string; figures: PeerFigures[]; residentBytes: number | undefined }
  | { server: string; skipped: string };

const KIND_LABEL: Record<MockKind, string> = {
  exact: "exact path",
  template: "template + 2 conditions",
};

export function peerTable(results: readonly PeerResult[], few: number, many: number): string {
  const counts = `${few} → ${many.toLocaleString("en-US")}`;
  const lines = [
    `| Server | Mock | Oldest mock, ${counts} | Newest mock, ${counts} | RSS at ${many.toLocaleString("en-US")} |`,
    "| --- | --- | ---: | ---: | ---: |",
  ];
  for (const result of results) {
    if ("skipped" in result) {
      lines.push(
        `| ${result.server} | — | skipped | skipped | ${result.skipped.replaceAll("|", "\\|")} |`,
      );
      continue;
    }
    const memory = result.residentBytes === undefined ? "—" : formatMiB(result.residentBytes);
    for (const kind of ["exact", "template"] as const) {
      const at = (age: Age) => result.figures.find((f) => f.kind === kind && f.age === age);
      const cell = (age: Age) => {
        const figures = at(age);
        return figures ? change(figures.few, figures.many) : "—";
      };
      lines.push(
        `| ${result.server} | ${KIND_LABEL[kind]} | ${cell("oldest")} | ${cell("newest")} | ${kind === "exact" ? memory : ""} |`,
      );
    }
  }
  return lines.join("\n");
}

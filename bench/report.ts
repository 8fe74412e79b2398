/** The benchmark's output: one Markdown table, and a description of the machine it ran on. */
import { readFileSync } from "node:fs";
import { cpus, release, totalmem, type } from "node:os";

export const COLUMNS = [
  "Measure",
  "Service",
  "Baseline",
  "Ratio",
  "Target",
  "Result",
  "Notes",
] as const;

/** Right-aligned, so figures line up when the Markdown is read as text. */
const NUMERIC = new Set<string>(["Service", "Baseline", "Ratio"]);

export type Verdict = "met" | "not met" | "—" | "skipped" | "failed";

export interface Row {
  measure: string;
  service: string;
  baseline: string;
  ratio: string;
  target: string;
  result: Verdict;
  notes: string;
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    `| ${COLUMNS.join(" | ")} |`,
    `|${COLUMNS.map((name) => (NUMERIC.has(name) ? " ---: " : " --- ")).join("|")}|`,
  ];
  for (const row of rows) {
    const cells = [
      row.measure,
      row.service,
      row.baseline,
      row.ratio,
      row.target,
      row.result,
      row.notes,
    ];
    lines.push(`| ${cells.map(cell).join(" | ")} |`);
  }
  return lines.join("\n");
}

export const formatRps = (value: number) => `${Math.round(value).toLocaleString("en-US")} req/s`;

export const formatMs = (value: number) =>
  `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ms`;

export const formatRatio = (value: number) => `${value.toFixed(2)}×`;

export const formatMiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function cpuModel(): string {
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1];
    if (model) return model.trim();
  } catch {
    // No /proc: fall back to what Node reports.
  }
  return cpus()[0]?.model ?? "unknown";
}

export interface RunDescription {
  loadGenerator: string;
  command: string;
  date: Date;
}

export function machineDescription(run: RunDescription): string[] {
  return [
    `- CPU: ${cpuModel()}`,
    `- Cores: ${navigator.hardwareConcurrency}`,
    `- Memory: ${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- Kernel: ${type()} ${release()}`,
    `- Bun: ${Bun.version}`,
    `- Load generator: ${run.loadGenerator}`,
    `- Command: \`${run.command}\``,
    `- Date: ${run.date.toISOString()}`,
  ];
}

/**
 * The start-up breakdown: runs the compiled `startup-parts` binary (the steps of src/main.ts,
 * each timed) on fresh processes and reports the median of every step as a Markdown section.
 */
import { join } from "node:path";
import { runCommand } from "./processes";
import { formatMs, median } from "./report";

export async function startupBreakdown(
  binary: string,
  runs: number,
  scratch: string,
  env: Record<string, string>,
): Promise<string> {
  const samples = new Map<string, { wallMs: number; cpuMs: number }[]>();
  for (let run = 1; run <= runs; run++) {
    const sqlitePath = join(scratch, `startup-parts-${run}.sqlite`);
    const result = await runCommand([binary], {
      timeoutMs: 60_000,
      env: { ...env, SQLITE_PATH: sqlitePath },
    });
    if (result.exitCode !== 0) {
      return `## Start-up breakdown\n\nThe breakdown binary failed: ${result.stderr.trim().slice(-500)}`;
    }
    const line = result.stdout.trim().split("\n").at(-1) ?? "{}";
    const parts = JSON.parse(line) as Record<string, { wallMs: number; cpuMs: number }>;
    for (const [name, ms] of Object.entries(parts)) {
      samples.set(name, [...(samples.get(name) ?? []), ms]);
    }
  }
  const rows = [...samples].map(
    ([name, values]) =>
      `| ${name} | ${formatMs(median(values.map((v) => v.wallMs)))} | ${formatMs(median(values.map((v) => v.cpuMs)))} |`,
  );
  return [
    "## Start-up breakdown",
    "",
    `The steps of \`src/main.ts\`, each timed in a binary built with the same flags (\`bench/startup-parts.ts\`); medians of ${runs} fresh process(es), each with a new SQLite file. The steps' medians need not add up to the median total.`,
    "",
    "| Step | Wall clock | CPU time |",
    "| --- | ---: | ---: |",
    ...rows,
  ].join("\n");
}

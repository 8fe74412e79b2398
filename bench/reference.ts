/**
 * The reference build: the service as it was before the lean-core restructuring and before path
 * templates and request conditions, compiled from its own commit with that commit's Makefile and
 * lockfile. The core rows and the Echo exact-hit row compare against it. The tree lives outside
 * the repository (tests and tsc must not see it) and is kept between runs.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "./processes";

/**
 * `main` with the request instrumentation still a wrapper around Elysia's fetch (module-level maps
 * and a second router), and before Echo's matching grew templates and conditions.
 */
export const REFERENCE_COMMIT = "e67665bcfcf60cb91bf02bc97ed29f127951c969";

export type ReferenceBuild = { binary: string; commit: string } | { skipped: string };

async function step(cmd: string[], cwd: string, what: string): Promise<string | undefined> {
  const result = await runCommand(cmd, { cwd, timeoutMs: 600_000 });
  if (result.exitCode === 0) return undefined;
  const why = result.timedOut ? "timed out" : `exit ${result.exitCode}`;
  return `${what} failed (${why}): ${(result.stderr || result.stdout).trim().slice(-300)}`;
}

/** Builds (or reuses) the reference binary of `ref`; says why not when it cannot. */
export async function referenceBuild(
  root: string,
  ref: string,
  log: (message: string) => void,
): Promise<ReferenceBuild> {
  const resolved = await runCommand(["git", "rev-parse", "--verify", `${ref}^{commit}`], {
    cwd: root,
    timeoutMs: 10_000,
  });
  const commit = resolved.stdout.trim();
  if (resolved.exitCode !== 0 || !commit) {
    return { skipped: `reference commit \`${ref}\` is not in this clone` };
  }
  const dir = join(tmpdir(), `tocos-bench-reference-${commit}`);
  const binary = join(dir, "dist", "server");
  if (existsSync(binary)) return { binary, commit };

  // Built aside and renamed into place, so two runs at once never see half a tree.
  const work = `${dir}.partial-${process.pid}`;
  log(`building the reference service from ${commit.slice(0, 12)} in ${work}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const bun = process.execPath;
  const tar = join(work, "source.tar");
  const make = ["make", "--no-print-directory", "-o", "install", `BUN=${bun}`, "dist/server"];
  const failed =
    (await step(["git", "archive", "--output", tar, commit], root, "git archive")) ??
    (await step(["tar", "-xf", tar], work, "tar")) ??
    // Runtime dependencies only: the bundler needs nothing else.
    (await step([bun, "install", "--frozen-lockfile", "--production"], work, "bun install")) ??
    // That commit's own rule; `-o install`: its dependencies are installed above.
    (await step(make, work, "make dist/server"));
  if (failed) {
    rmSync(work, { recursive: true, force: true });
    return { skipped: `the reference build ${failed}` };
  }
  try {
    renameSync(work, dir);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another run finished first
  }
  return { binary, commit };
}

/** Builds what the benchmark runs, each binary with the Makefile's own compile flags. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { runCommand } from "./processes";

export const ROOT = resolve(import.meta.dir, "..");
export const WORK_DIR = join(ROOT, "bench", ".work");

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** The Makefile's compile flags, so every peer is built exactly like dist/server. */
export function makefileBuildFlags(): string[] {
  const makefile = readFileSync(join(ROOT, "Makefile"), "utf8");
  const flags = /^BUILD_FLAGS\s*:?=\s*(.+)$/m.exec(makefile)?.[1];
  if (!flags) throw new Error("The Makefile defines no BUILD_FLAGS");
  return flags.trim().split(/\s+/);
}

/** dist/server through the Makefile's rule, unless `server` names a binary already built. */
export async function buildService(server: string | undefined): Promise<string> {
  if (server) return server;
  log("building dist/server with the Makefile's own rule");
  // `-o install`: dependencies are the caller's concern (`make bench` installs them first).
  const cmd = ["make", "--no-print-directory", "-o", "install", "dist/server"];
  const built = await runCommand(cmd, { cwd: ROOT, timeoutMs: 300_000 });
  if (built.exitCode !== 0) {
    throw new Error(`make dist/server failed:\n${built.stderr}${built.stdout}`);
  }
  return join(ROOT, "dist", "server");
}

/** Compiles `bench/<name>.ts` into bench/.work/<name> with the Makefile's flags. */
export async function buildPeer(name: string): Promise<string> {
  const outfile = join(WORK_DIR, name);
  const flags = makefileBuildFlags();
  log(`building ${name}: bun build ${flags.join(" ")} bench/${name}.ts`);
  const entry = join(ROOT, "bench", `${name}.ts`);
  const cmd = [process.execPath, "build", ...flags, entry, "--outfile", outfile];
  const built = await runCommand(cmd, { cwd: ROOT, timeoutMs: 300_000 });
  if (built.exitCode !== 0) {
    throw new Error(`the ${name} build failed:\n${built.stderr}${built.stdout}`);
  }
  return outfile;
}

/** Only what a process needs to run, so the caller's shell cannot change what is measured. */
export function minimalEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "LANG", "TMPDIR"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");

/** A `NAME := value` line of the Makefile, split into words. */
export function makeVariable(name: string): string[] {
  const makefile = readFileSync(join(ROOT, "Makefile"), "utf8");
  const value = new RegExp(`^${name} := (.*)$`, "m").exec(makefile)?.[1];
  if (value === undefined) throw new Error(`the Makefile has no ${name}`);
  return value.trim().split(/\s+/);
}

/**
 * Compiles the service with the Makefile's own flags into `outfile`: one file that needs
 * nothing from the checkout, so another user can run it from a directory it can read.
 */
export function buildServer(outfile: string): void {
  const build = Bun.spawnSync(
    [
      process.execPath,
      "build",
      ...makeVariable("BUILD_FLAGS"),
      ...makeVariable("ENTRY"),
      ...makeVariable("WORKERS"),
      "--outfile",
      outfile,
    ],
    { cwd: ROOT, stdout: "pipe", stderr: "pipe" },
  );
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr}`);
}

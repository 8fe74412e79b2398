import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A disk that can be filled up and emptied again, for a store that must survive "no space left".
 * As root it is a real tmpfs of a few MiB, filled with a ballast file. Where mounting is not
 * allowed, it is an ordinary folder plus a file-size limit (RLIMIT_FSIZE, via `prlimit`) on the
 * server process, with SIGXFSZ ignored, so writes past the limit fail with EFBIG.
 * SMALL_DISK=file-size-limit picks the second even as root.
 */

export interface SmallDisk {
  readonly kind: "tmpfs" | "file-size limit";
  readonly dir: string;
  /** Wraps the server command so the fault can apply to it. */
  command(cmd: string[]): string[];
  /** Takes away the free space but `leaveKiB`. */
  fill(pid: number, leaveKiB?: number): void;
  /** Gives it back, as an operator would by deleting files or growing the volume. */
  free(pid: number): void;
  remove(): void;
}

function writeUntilFull(path: string, chunkSize: number) {
  const fd = openSync(path, "a");
  const chunk = new Uint8Array(chunkSize);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
}

const run = (cmd: string[]) => Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });

export function smallDisk(sizeKiB: number): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), "small-disk-"));
  const mounted =
    process.env.SMALL_DISK !== "file-size-limit" &&
    process.getuid?.() === 0 &&
    run(["mount", "-t", "tmpfs", "-o", `size=${sizeKiB}k,mode=0755`, "tmpfs", dir]).exitCode === 0;
  if (mounted) {
    const ballast = join(dir, "ballast");
    return {
      kind: "tmpfs",
      dir,
      command: (cmd) => cmd,
      fill(_pid, leaveKiB = 0) {
        // Big writes first, then ever smaller ones take what is left.
        for (const size of [64 * 1024, 4 * 1024, 512, 1]) writeUntilFull(ballast, size);
        if (leaveKiB > 0)
          truncateSync(ballast, Math.max(0, statSync(ballast).size - leaveKiB * 1024));
      },
      free: () => rmSync(ballast, { force: true }),
      remove() {
        if (run(["umount", dir]).exitCode !== 0) run(["umount", "-l", dir]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const largestFile = () =>
    Math.max(0, ...readdirSync(dir).map((name) => statSync(join(dir, name)).size));
  return {
    kind: "file-size limit",
    dir,
    // SIGXFSZ ignored before exec stays ignored, so a write past the limit fails with EFBIG.
    command: (cmd) => ["sh", "-c", 'trap "" XFSZ; exec "$@"', "sh", ...cmd],
    fill(pid, leaveKiB = 0) {
      const limit = largestFile() + leaveKiB * 1024;
      const result = run(["prlimit", `--pid=${pid}`, `--fsize=${limit}:`]);
      if (result.exitCode !== 0) throw new Error(`prlimit failed: ${result.stderr}`);
    },
    free(pid) {
      const result = run(["prlimit", `--pid=${pid}`, "--fsize=unlimited:"]);
      if (result.exitCode !== 0) throw new Error(`prlimit failed: ${result.stderr}`);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

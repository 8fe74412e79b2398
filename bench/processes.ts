/**
 * Child processes for the benchmark: servers on free loopback ports whose output is drained
 * through a pipe, and bounded commands whose output is collected.
 */
import { readFileSync } from "node:fs";
import type { Subprocess } from "bun";

/** Every child still running, so an interrupted run can end exactly those. */
const children = new Set<Subprocess>();

export function killChildren(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}

/** A free TCP port on loopback (released just before the server takes it). */
export function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port as number;
  probe.stop(true);
  return port;
}

export interface OutputCount {
  bytes: number;
  lines: number;
}

export interface ServerSpec {
  name: string;
  /** The command, or a function of the port for servers that take it as an argument. */
  cmd: string[] | ((port: number) => string[]);
  /** The whole environment of the child; PORT is added. */
  env: Record<string, string>;
  healthPath?: string;
  startTimeoutMs?: number;
  /**
   * The command prints {@link GATE_READY} on stderr once it has set itself up, then waits for a
   * line on stdin before it starts the server; the clock starts when it gets that line. The
   * cold start uses it so that joining the cgroup is not counted.
   */
  gated?: boolean;
}

export const GATE_READY = "gate: ready";

export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** Milliseconds from spawn to the first 200 from the health path. */
  readonly startupMs: number;
  /** What the server wrote to its stdout pipe so far; the pipe is always drained. */
  readonly stdout: OutputCount;
  /** VmRSS from /proc, or undefined where there is no /proc. */
  residentBytes(): number | undefined;
  stop(): Promise<void>;
}

const NEWLINE = 0x0a;

async function drain(stream: ReadableStream<Uint8Array>, onChunk: (chunk: Uint8Array) => void) {
  for await (const chunk of stream) onChunk(chunk);
}

function countNewlines(chunk: Uint8Array): number {
  let count = 0;
  for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

export function residentBytesOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

async function stopProcess(proc: Subprocess, graceMs = 5_000): Promise<void> {
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
    await proc.exited;
    clearTimeout(timer);
  }
  children.delete(proc);
}

/** Spawns a server on a free loopback port and waits for its first 200 on the health path. */
export async function startServer(spec: ServerSpec): Promise<ServerProcess> {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const healthUrl = `${url}${spec.healthPath ?? "/healthz"}`;
  let startedAt = performance.now();
  const cmd = typeof spec.cmd === "function" ? spec.cmd(port) : spec.cmd;
  const proc = Bun.spawn(cmd, {
    env: { ...spec.env, PORT: String(port) },
    stdin: spec.gated ? "pipe" : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  children.add(proc);
  const stdout: OutputCount = { bytes: 0, lines: 0 };
  void drain(proc.stdout, (chunk) => {
    stdout.bytes += chunk.byteLength;
    stdout.lines += countNewlines(chunk);
  });
  const decoder = new TextDecoder();
  let stderrTail = "";
  let ready = !spec.gated;
  void drain(proc.stderr, (chunk) => {
    stderrTail = (stderrTail + decoder.decode(chunk)).slice(-2_000);
    ready ||= stderrTail.includes(GATE_READY);
  });
  if (spec.gated) {
    while (!ready && proc.exitCode === null && performance.now() < startedAt + 15_000) {
      await Bun.sleep(0.5);
    }
    startedAt = performance.now();
    if (ready && proc.stdin) {
      proc.stdin.write("\n");
      proc.stdin.flush();
    }
  }

  const deadline = startedAt + (spec.startTimeoutMs ?? 15_000);
  while (performance.now() < deadline && proc.exitCode === null && proc.signalCode === null) {
    if (await answers200(healthUrl)) {
      const startupMs = performance.now() - startedAt;
      return {
        name: spec.name,
        url,
        pid: proc.pid,
        startupMs,
        stdout,
        residentBytes: () => residentBytesOf(proc.pid),
        stop: () => stopProcess(proc),
      };
    }
    // Connection refused comes back in microseconds; this keeps the poll from hogging a core.
    await Bun.sleep(0.5);
  }
  proc.kill("SIGKILL");
  await proc.exited;
  children.delete(proc);
  throw new Error(
    `${spec.name} gave no 200 on ${healthUrl} (exit ${proc.exitCode ?? proc.signalCode}): ${stderrTail.trim()}`,
  );
}

export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command to completion, killing it after `timeoutMs`. */
export async function runCommand(
  cmd: string[],
  options: { timeoutMs: number; env?: Record<string, string | undefined>; cwd?: string },
): Promise<CommandResult> {
  const proc = Bun.spawn(cmd, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  children.add(proc);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, options.timeoutMs);
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  await proc.exited;
  clearTimeout(timer);
  children.delete(proc);
  return { exitCode: proc.exitCode, stdout, stderr, timedOut };
}

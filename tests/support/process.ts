import type { Subprocess } from "bun";
import { freePort } from "./http";

export interface RunningServer {
  url: string;
  port: number;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything the process wrote to stdout so far. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/**
 * Starts the service (from source, or a compiled binary) on a free loopback
 * port and waits until /healthz answers 200.
 */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, freePort());
    } catch (error) {
      // Another process can take the free port before the server binds it: try another.
      if (!(error instanceof PortTaken) || attempt === 3) throw error;
    }
  }
}

interface StartOptions {
  cmd?: string[];
  /** The working directory; the test process's own by default. */
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Keeps only the stdout lines it accepts in `output()`; long runs keep their memory small. */
  keepLine?: (line: string) => boolean;
}

class PortTaken extends Error {}

async function startOnce(options: StartOptions, port: number): Promise<RunningServer> {
  const cmd = options.cmd ?? [process.execPath, "src/main.ts"];
  const proc = Bun.spawn(cmd, {
    cwd: options.cwd,
    env: { SQLITE_PATH: ":memory:", LOG_LEVEL: "info", ...options.env, PORT: String(port) },
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  let partial = "";
  const decoder = new TextDecoder();
  const keepLine = options.keepLine;
  void (async () => {
    for await (const chunk of proc.stdout) {
      const text = decoder.decode(chunk, { stream: true });
      if (!keepLine) {
        out += text;
        continue;
      }
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (keepLine(line)) out += `${line}\n`;
    }
  })();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break;
    try {
      // `Connection: close`, so no pooled connection outlives the check.
      const res = await fetch(`${url}/healthz`, { headers: { connection: "close" } });
      if (res.status === 200) {
        await res.arrayBuffer();
        return {
          url,
          port,
          proc,
          output: () => out,
          stop: async (signal = "SIGTERM") => {
            proc.kill(signal);
            return await proc.exited;
          },
        };
      }
    } catch {
      // not listening yet
    }
    await Bun.sleep(20);
  }
  const exitedEarly = proc.exitCode !== null;
  proc.kill("SIGKILL");
  const stderr = await new Response(proc.stderr).text();
  const message = `server did not become healthy: ${stderr}${out}`;
  if (exitedEarly && /EADDRINUSE|already in use|server did not start/i.test(stderr + out)) {
    throw new PortTaken(message);
  }
  throw new Error(message);
}

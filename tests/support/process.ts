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
export async function startServer(
  options: { cmd?: string[]; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<RunningServer> {
  const port = freePort();
  const cmd = options.cmd ?? [process.execPath, "src/main.ts"];
  const proc = Bun.spawn(cmd, {
    env: { SQLITE_PATH: ":memory:", LOG_LEVEL: "info", ...options.env, PORT: String(port) },
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  const decoder = new TextDecoder();
  void (async () => {
    for await (const chunk of proc.stdout) out += decoder.decode(chunk);
  })();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/healthz`);
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
  proc.kill("SIGKILL");
  const stderr = await new Response(proc.stderr).text();
  throw new Error(`server did not become healthy: ${stderr}${out}`);
}

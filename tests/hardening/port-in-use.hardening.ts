import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type RunningServer, startServer } from "../support/process";

describe("a second server on a port in use", () => {
  let first: RunningServer;
  let exitCode: number;
  let output: string;

  beforeAll(async () => {
    first = await startServer({ env: { LOG_LEVEL: "warn" } });
    const second = Bun.spawn([process.execPath, "src/main.ts"], {
      env: {
        PATH: process.env.PATH,
        PORT: String(first.port),
        SQLITE_PATH: ":memory:",
        LOG_LEVEL: "warn",
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => second.kill("SIGKILL"), 10_000);
    [output] = await Promise.all([
      new Response(second.stdout).text(),
      new Response(second.stderr).text(),
    ]);
    exitCode = await second.exited;
    clearTimeout(timer);
  }, 20_000);
  afterAll(async () => {
    await first.stop("SIGKILL");
  });

  it("exits non-zero instead of sharing the port", () => {
    expect(exitCode).toBe(1);
  });

  it("says which port is in use", () => {
    const lines = output
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "error", msg: `port ${first.port} is already in use` }),
    );
  });

  it("leaves the first server answering every request", async () => {
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${first.url}/healthz`, { headers: { connection: "close" } });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
  });
});

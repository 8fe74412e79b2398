import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type RunningServer, startServer } from "../support/process";

describe("the listening server", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    if (server.proc.exitCode === null) await server.stop("SIGKILL");
  });

  it("serves the routes over real HTTP", async () => {
    const time = await fetch(`${server.url}/time`);
    expect(time.status).toBe(200);
    expect(Object.keys((await time.json()) as object)).toEqual(["The current epoch time"]);
    const user = await fetch(`${server.url}/tocos/Cem`);
    expect(await user.json()).toEqual({ user: "Cem", tocos: 300 });
  });

  it("redirects / to the docs", async () => {
    const response = await fetch(`${server.url}/`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/docs");
  });

  it("writes structured JSON request logs to stdout", async () => {
    await (await fetch(`${server.url}/tocos/Sam`)).arrayBuffer();
    await Bun.sleep(50);
    const lines = server
      .output()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.msg === "request" && l.route === "/tocos/:user")).toBe(true);
  });

  it("exits 0 on SIGTERM", async () => {
    expect(await server.stop("SIGTERM")).toBe(0);
  });
});

describe("start-up", () => {
  it("refuses an invalid configuration with a message naming the variable", async () => {
    const proc = Bun.spawn([process.execPath, "src/main.ts"], {
      env: { ...process.env, FACTORIAL_MAX: "lots" },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await proc.exited).toBe(1);
    expect(await new Response(proc.stderr).text()).toContain("FACTORIAL_MAX");
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../scripts/get.ts", import.meta.url));

/** A stand-in for the deployed API on loopback, answering each path with a scripted status. */
let server: ReturnType<typeof Bun.serve>;
let seen: string[] = [];
let statusFor: (path: string) => number = () => 200;
let dir: string;

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const url = new URL(request.url);
      const path = `${url.pathname}${url.search}`;
      seen.push(path);
      return Response.json({ path }, { status: statusFor(url.pathname) });
    },
  });
  dir = mkdtempSync(join(tmpdir(), "get-test-"));
});

afterAll(() => {
  server.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  seen = [];
  statusFor = () => 200;
});

function writeOutputs(outputs: object): string {
  const path = join(dir, `outputs-${crypto.randomUUID()}.json`);
  writeFileSync(path, JSON.stringify(outputs));
  return path;
}

async function runGet(...args: string[]) {
  const child = Bun.spawn([process.execPath, SCRIPT, ...args], {
    stdout: "pipe",
    stderr: "pipe",
    timeout: 20_000,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code };
}

const apiUrl = () => `http://127.0.0.1:${server.port}`;

describe("make get", () => {
  it("calls time, tocos, one user, a factorial and smart, in that order", async () => {
    const outputs = writeOutputs({ stage: "dev", apiUrl: apiUrl() });
    const { code } = await runGet("--outputs", outputs, "--stage", "dev");
    expect(code).toBe(0);
    expect(seen).toEqual([
      "/time",
      "/tocos",
      "/tocos/Cem",
      "/api/v1/factorial?number=20",
      "/api/smart?timeout=3000",
    ]);
  });

  it("prints each status and body", async () => {
    const outputs = writeOutputs({ stage: "dev", apiUrl: apiUrl() });
    const { stdout } = await runGet("--outputs", outputs, "--stage", "dev");
    expect(stdout).toContain(`GET ${apiUrl()}/tocos/Cem -> 200`);
    expect(stdout).toContain(`{"path":"/tocos/Cem"}`);
  });

  it("fails when an endpoint of the service fails", async () => {
    statusFor = (path) => (path === "/time" ? 500 : 200);
    const outputs = writeOutputs({ stage: "dev", apiUrl: apiUrl() });
    const { code, stdout } = await runGet("--outputs", outputs, "--stage", "dev");
    expect(code).toBe(1);
    expect(stdout).toContain("-> 500");
  });

  it("accepts a 504 from /api/smart, whose upstream is outside the service", async () => {
    statusFor = (path) => (path === "/api/smart" ? 504 : 200);
    const outputs = writeOutputs({ stage: "dev", apiUrl: apiUrl() });
    const { code } = await runGet("--outputs", outputs, "--stage", "dev");
    expect(code).toBe(0);
  });

  it("calls the custom domain when the stage has one", async () => {
    const unreachable = "http://127.0.0.1:1";
    const outputs = writeOutputs({ stage: "dev", apiUrl: unreachable, domainUrl: apiUrl() });
    const { code, stdout } = await runGet("--outputs", outputs, "--stage", "dev");
    expect(code).toBe(0);
    expect(stdout).toContain(`GET ${apiUrl()}/time -> 200`);
    expect(seen).toHaveLength(5);
  });

  it("refuses outputs written for another stage", async () => {
    const outputs = writeOutputs({ stage: "production", apiUrl: apiUrl() });
    const { code, stderr } = await runGet("--outputs", outputs, "--stage", "dev");
    expect(code).toBe(1);
    expect(stderr).toContain("make build STAGE=dev");
    expect(seen).toEqual([]);
  });

  it("tells the user to deploy first when there are no outputs", async () => {
    const { code, stderr } = await runGet("--outputs", join(dir, "missing.json"), "--stage", "dev");
    expect(code).toBe(1);
    expect(stderr).toContain("deploy first");
  });
});

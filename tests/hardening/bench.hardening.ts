import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseWrkOutput } from "../../bench/load";
import { COLUMNS } from "../../bench/report";

const ROOT = resolve(import.meta.dir, "../..");

const WRK_OUTPUT = `Running 10s test @ http://127.0.0.1:41234/time
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.02ms  340.12us  12.50ms   88.10%
    Req/Sec    62.01k     2.10k   65.00k    80.00%
  Latency Distribution
     50%  850.00us
     75%    1.10ms
     90%    1.40ms
     99%    1.25s
  617342 requests in 10.00s, 81.02MB read
  Socket errors: connect 0, read 2, write 1, timeout 4
  Non-2xx or 3xx responses: 5
Requests/sec:  61733.50
Transfer/sec:      8.10MB
`;

describe("reading wrk --latency output", () => {
  it("takes requests per second and the response count", () => {
    const result = parseWrkOutput(WRK_OUTPUT);
    expect(result.requestsPerSecond).toBe(61733.5);
    expect(result.requests).toBe(617342);
  });

  it("converts the mean, p50 and p99 to milliseconds from wrk's own units", () => {
    const result = parseWrkOutput(WRK_OUTPUT);
    expect(result.meanMs).toBe(1.02);
    expect(result.p50Ms).toBeCloseTo(0.85, 6);
    expect(result.p99Ms).toBe(1250);
  });

  it("counts non-2xx responses and socket errors as failures", () => {
    expect(parseWrkOutput(WRK_OUTPUT).failures).toBe(5 + 2 + 1 + 4);
  });

  it("refuses output that has no request count", () => {
    expect(() => parseWrkOutput("unable to connect to 127.0.0.1:1 Connection refused")).toThrow(
      /no request counts/,
    );
  });
});

/** The script under test, run as `make bench` runs it; SERVER_BIN skips the build when set. */
async function runBench(args: string[]) {
  const server = process.env.SERVER_BIN ? ["--server", process.env.SERVER_BIN] : [];
  const proc = Bun.spawn([process.execPath, "bench/run.ts", ...args, ...server], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 170_000);
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  clearTimeout(timer);
  return { exitCode: await proc.exited, stdout, stderr };
}

describe("the benchmark script, for about a second of load", () => {
  let dir: string;
  let run: Awaited<ReturnType<typeof runBench>>;
  let results: string;

  beforeAll(
    async () => {
      dir = mkdtempSync(join(tmpdir(), "bench-test-"));
      const out = join(dir, "results.md");
      // autocannon takes fractions of a second; eleven measurements of 0.1 s each.
      run = await runBench([
        "--quick",
        "--duration",
        "0.1",
        "--load-generator",
        "autocannon",
        "--out",
        out,
      ]);
      results = run.exitCode === 0 ? readFileSync(out, "utf8") : "";
    },
    { timeout: 180_000 },
  );

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("completes with exit code 0", () => {
    expect({ exitCode: run.exitCode, stderr: run.exitCode === 0 ? "" : run.stderr }).toEqual({
      exitCode: 0,
      stderr: "",
    });
  });

  it("writes a table with the measure, figures, target and result columns", () => {
    const header = results.split("\n").find((line) => line.startsWith("| Measure"));
    expect(header?.split("|").map((cell) => cell.trim())).toEqual(["", ...COLUMNS, ""]);
  });

  it("has a row for every measure the targets need", () => {
    const measures = results
      .split("\n")
      .filter((line) => line.startsWith("| "))
      .map((line) => line.split(" | ")[0]?.slice(2));
    for (const expected of [
      "`/time` throughput",
      "`/time` p99 latency",
      "`/tocos` throughput",
      "`/tocos` p99 latency",
      "`/tocos/Sam` throughput",
      "`/api/v1/factorial?number=1000` throughput",
      "`/api/v1/factorial?number=100000` throughput",
      "Echo mock hit `GET /bench/hello` throughput",
      "`/api/smart?timeout=1000` throughput",
      "`factorial(100000)` first request",
      "Start-up, spawn to first 200 from `/healthz`",
      "Cold start at 0.29 CPU, spawn to first 200, vs raw `Bun.serve`",
      "Cold start at 0.29 CPU, spawn to first 200, vs minimal Elysia",
      "Resident memory of a fresh service: before → after its first `factorial(100000)`",
      "Resident memory after the load",
      "Binary size",
      "Cold start at 0.29 CPU, spawn to first 200, vs the reference build",
      "`/time` throughput vs the reference build",
      "`/time` p99 latency vs the reference build",
      "`/tocos` throughput vs the reference build",
      "`/tocos` p99 latency vs the reference build",
      "Start-up vs the reference build",
      "Resident memory after the load vs the reference build",
    ]) {
      expect(measures).toContain(expected);
    }
  });

  it("prints the same table on stdout", () => {
    expect(results).toContain(run.stdout.trim());
    expect(run.stdout).toContain("| Measure |");
  });

  it("describes the machine and the load generator's settings", () => {
    expect(results).toContain("## Machine");
    expect(results).toMatch(/- Cores: \d+/);
    expect(results).toMatch(/- Load generator: autocannon \S+: 64 connections, 0\.1 s/);
  });

  it("says where the service's stdout went", () => {
    expect(results).toMatch(/Service stdout: a pipe drained by the harness; .* log lines/);
  });
});

describe("the benchmark's flags", () => {
  it("rejects an invalid value with exit code 2 and the usage text", async () => {
    const { exitCode, stderr } = await runBench(["--connections", "none"]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain("--connections must be an integer");
    expect(stderr).toContain("Usage: bun bench/run.ts");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveSettings, UsageError } from "../../scripts/stats";
import { createEmfWriter } from "../../src/observability/emf";
import { ROUTE_UNMATCHED } from "../../src/observability/metric-names";
import { type FakeCloudWatch, startFakeCloudWatch } from "./fake-cloudwatch";

const STATS = join(import.meta.dir, "../../scripts/stats.ts");
const NAMESPACE = "stats-test";
const REGION = "eu-central-1";

/** EMF lines for known traffic, written by the service's own EMF writer. */
function emfLines(
  namespace: string,
  record: (writer: ReturnType<typeof createEmfWriter>) => void,
  now = Date.now,
) {
  const lines: string[] = [];
  const writer = createEmfWriter({
    namespace,
    now,
    sink: (chunk) => lines.push(...chunk.split("\n").filter(Boolean)),
  });
  record(writer);
  writer.flush();
  return lines;
}

const knownTraffic = emfLines(NAMESPACE, (w) => {
  for (let ms = 1; ms <= 100; ms++) w.request("/time", "GET", 200, ms);
  for (let i = 0; i < 10; i++) w.request("/tocos/:user", "GET", i < 3 ? 404 : 200, 5);
  for (let i = 0; i < 4; i++) w.request(ROUTE_UNMATCHED, "POST", 404, 2);
  for (const status of [200, 200, 504, 502, 200]) w.request("/api/smart", "GET", status, 300);
  const outcomes = [
    "success",
    "success",
    "success",
    "success",
    "success",
    "success",
    "success",
    "success",
    "http_error",
    "timeout",
    "aborted",
    "aborted",
  ] as const;
  for (const outcome of outcomes) w.attempt(outcome, 200);
  w.hedgesFired(2);
  w.hedgesFired(1);
  for (const result of ["first", "first", "hedge", "deadline", "all_failed"] as const)
    w.response(result);
});

const otherNamespace = emfLines("other-stage", (w) => w.request("/time", "GET", 200, 7));

const halfAnHourAgo = emfLines(
  NAMESPACE,
  (w) => w.request("/tocos", "GET", 200, 3),
  () => Date.now() - 30 * 60_000,
);

let cloudwatch: FakeCloudWatch;
let workDir: string;

beforeAll(() => {
  // Two metrics per ListMetrics page, so routes span pages as they do in a real account.
  cloudwatch = startFakeCloudWatch({ listPageSize: 2 });
  cloudwatch.ingestEmf([...knownTraffic, ...otherNamespace, ...halfAnHourAgo]);
  workDir = mkdtempSync(join(tmpdir(), "stats-"));
  mkdirSync(join(workDir, ".sst"));
  writeFileSync(
    join(workDir, ".sst/outputs.json"),
    JSON.stringify({ url: "https://example.invalid", namespace: NAMESPACE, region: REGION }),
  );
});

afterAll(async () => {
  await cloudwatch.stop();
  rmSync(workDir, { recursive: true, force: true });
});

async function runStats(args: string[], cwd = workDir) {
  const proc = Bun.spawn([process.execPath, STATS, "--endpoint", cloudwatch.endpoint, ...args], {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: workDir,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_EC2_METADATA_DISABLED: "true",
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, exitCode };
}

/** The table row for a route, as whitespace-separated cells. */
const row = (stdout: string, route: string, method: string) =>
  stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .find((cells) => cells[0] === route && cells[1] === method);

describe("make stats against a local CloudWatch", () => {
  let result: Awaited<ReturnType<typeof runStats>>;
  beforeAll(async () => {
    result = await runStats([]);
  });

  it("exits 0", () => {
    expect({ exitCode: result.exitCode, stderr: result.stderr }).toMatchObject({ exitCode: 0 });
  });

  it("names the namespace, region and window it read from the deployment outputs", () => {
    expect(result.stdout.split("\n")[0]).toBe(`${NAMESPACE} in ${REGION}, last 60 minutes`);
  });

  it("prints requests, p50, p90 and p99 latency, 4xx and 5xx per route", () => {
    expect(row(result.stdout, "/time", "GET")).toEqual([
      "/time",
      "GET",
      "100",
      "50.00",
      "90.00",
      "99.00",
      "0",
      "0",
    ]);
    expect(row(result.stdout, "/tocos/:user", "GET")).toEqual([
      "/tocos/:user",
      "GET",
      "10",
      "5.00",
      "5.00",
      "5.00",
      "3",
      "0",
    ]);
    expect(row(result.stdout, "/api/smart", "GET")).toEqual([
      "/api/smart",
      "GET",
      "5",
      "300.00",
      "300.00",
      "300.00",
      "0",
      "2",
    ]);
    expect(row(result.stdout, ROUTE_UNMATCHED, "POST")).toEqual([
      ROUTE_UNMATCHED,
      "POST",
      "4",
      "2.00",
      "2.00",
      "2.00",
      "4",
      "0",
    ]);
  });

  it("puts the busiest route first and totals the requests and errors", () => {
    const lines = result.stdout.split("\n");
    const header = lines.findIndex((line) => line.startsWith("ROUTE"));
    expect(lines[header + 1]?.startsWith("/time")).toBe(true);
    expect(result.stdout).toMatch(/^all routes\s+120\s+7\s+2$/m);
  });

  it("counts only the namespace and the window asked for", () => {
    expect(row(result.stdout, "/time", "GET")?.[2]).toBe("100");
    expect(row(result.stdout, "/tocos", "GET")?.[2]).toBe("1");
  });

  it("prints the upstream success rate and the hedge rate", () => {
    expect(result.stdout).toContain(
      "upstream success rate  80.0% of 10 finished attempts (2 aborted",
    );
    expect(result.stdout).toContain(
      "hedge rate             0.60 per request: 3 hedges for 5 requests",
    );
    expect(result.stdout).toContain(
      "requests by result     first 2, hedge 1, deadline 1, all_failed 1",
    );
  });

  it("shows progress on stderr while it waits", () => {
    expect(result.stderr).toContain(`Listing routes in ${NAMESPACE} (${REGION})...`);
    expect(result.stderr).toMatch(/Fetching \d+ figures from GetMetricData\.\.\./);
  });

  it("finds the routes with ListMetrics, across pages, and reads them with GetMetricData", () => {
    expect(cloudwatch.operations.filter((op) => op === "ListMetrics").length).toBeGreaterThan(1);
    expect(cloudwatch.operations).toContain("GetMetricData");
  });
});

describe("make stats options", () => {
  it("takes the namespace and region from flags over the outputs", async () => {
    const { stdout, exitCode } = await runStats([
      "--namespace",
      "other-stage",
      "--region",
      "us-east-2",
    ]);
    expect(exitCode).toBe(0);
    expect(stdout.split("\n")[0]).toBe("other-stage in us-east-2, last 60 minutes");
    expect(row(stdout, "/time", "GET")?.slice(0, 4)).toEqual(["/time", "GET", "1", "7.00"]);
  });

  it("narrows the window with --minutes", async () => {
    const { stdout } = await runStats(["--minutes", "10"]);
    expect(row(stdout, "/tocos", "GET")).toBeUndefined();
    expect(row(stdout, "/time", "GET")?.[2]).toBe("100");
  });

  it("says so when nothing was recorded", async () => {
    const { stdout, exitCode } = await runStats(["--namespace", "quiet-stage"]);
    expect(exitCode).toBe(0);
    expect(stdout).toContain("No requests recorded in the last 60 minutes.");
  });

  it("exits 2 with a hint when there is no namespace", async () => {
    const empty = mkdtempSync(join(tmpdir(), "stats-empty-"));
    try {
      const { stderr, exitCode } = await runStats(["--region", REGION], empty);
      expect(exitCode).toBe(2);
      expect(stderr).toContain("no namespace");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("exits 1 when CloudWatch cannot be reached", async () => {
    const proc = Bun.spawn(
      [
        process.execPath,
        STATS,
        "--endpoint",
        "http://127.0.0.1:9",
        "--namespace",
        "x",
        "--region",
        REGION,
      ],
      {
        env: {
          PATH: process.env.PATH,
          AWS_ACCESS_KEY_ID: "t",
          AWS_SECRET_ACCESS_KEY: "t",
          AWS_MAX_ATTEMPTS: "1",
        },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    expect(await proc.exited).toBe(1);
    expect(await new Response(proc.stderr).text()).toContain("CloudWatch did not answer");
  });
});

describe("resolveSettings", () => {
  it("rejects a window that is not a whole number of minutes", () => {
    expect(() =>
      resolveSettings(["--namespace", "n", "--region", "r", "--minutes", "1.5"]),
    ).toThrow(UsageError);
  });

  it("rejects unknown flags", () => {
    expect(() => resolveSettings(["--namespace", "n", "--region", "r", "--colour", "no"])).toThrow(
      "unknown flag --colour",
    );
  });

  it("refuses outputs written for another stage, as make get does", () => {
    const outputs = join(workDir, "outputs-of-production.json");
    writeFileSync(outputs, JSON.stringify({ stage: "production", namespace: "p", region: "r" }));
    expect(() => resolveSettings(["--outputs", outputs, "--stage", "dev"])).toThrow(
      'describes stage "production", not "dev"',
    );
  });

  it("reads the namespace and region of the stage the outputs were written for", () => {
    const outputs = join(workDir, "outputs-of-dev.json");
    writeFileSync(outputs, JSON.stringify({ stage: "dev", namespace: "d", region: "r" }));
    const settings = resolveSettings(["--outputs", outputs, "--stage", "dev"]);
    expect([settings.namespace, settings.region]).toEqual(["d", "r"]);
  });

  it("falls back to AWS_REGION when neither the flags nor the outputs name a region", () => {
    const outputs = join(workDir, "outputs-without-region.json");
    writeFileSync(outputs, JSON.stringify({ namespace: "n" }));
    const settings = resolveSettings(["--outputs", outputs], { AWS_REGION: "ap-south-1" });
    expect(settings).toEqual({
      namespace: "n",
      region: "ap-south-1",
      minutes: 60,
      endpoint: undefined,
    });
  });
});

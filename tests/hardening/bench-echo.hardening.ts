/**
 * The Echo rows of `make bench`, with tiny counts: 10 mocks, a fraction of a second per figure.
 * It checks that every row is measured or says why not, and that each peer that can run here
 * (WireMock needs Java) fills its table row; the figures themselves are the benchmark's job.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { mockOf, mockSet, mountebankStub, wiremockMapping } from "../../bench/echo-mocks";

const ROOT = resolve(import.meta.dir, "../..");

async function runBench(args: string[]) {
  const server = process.env.SERVER_BIN ? ["--server", process.env.SERVER_BIN] : [];
  const proc = Bun.spawn([process.execPath, "bench/run.ts", ...args, ...server], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 280_000);
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  clearTimeout(timer);
  return { exitCode: await proc.exited, stdout, stderr };
}

const ECHO_MEASURES = [
  "Echo exact-path mock hit, 10 vs 10 mocks",
  "Echo template mock hit with 2 conditions, 10 vs 10 mocks",
  "Echo exact-path mock hit vs the reference build",
  "Echo mock hit, journal on (default) vs `ECHO_JOURNAL_SIZE=0`",
];

const cellsOf = (line: string) => line.split(" | ").map((cell) => cell.replace(/^\| |\s\|$/g, ""));

describe("the Echo rows of the benchmark, with 10 mocks and 0.2 s per figure", () => {
  let dir: string;
  let run: Awaited<ReturnType<typeof runBench>>;
  let results = "";

  beforeAll(
    async () => {
      dir = mkdtempSync(join(tmpdir(), "bench-echo-test-"));
      const out = join(dir, "results.md");
      run = await runBench([
        "--quick",
        "--rows",
        "echo,peers",
        "--echo-mocks",
        "10",
        "--peer-mocks",
        "10",
        "--echo-duration",
        "0.2",
        "--peer-duration",
        "0.2",
        "--load-generator",
        "autocannon",
        "--out",
        out,
      ]);
      results = run.exitCode === 0 ? readFileSync(out, "utf8") : "";
    },
    { timeout: 300_000 },
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

  it("gives every Echo row a ratio and a verdict, or the reason it was skipped", () => {
    for (const measure of ECHO_MEASURES) {
      const line = results.split("\n").find((l) => l.startsWith(`| ${measure} |`));
      expect(line).toBeDefined();
      const [, service, , ratio, , result, notes] = cellsOf(line ?? "");
      if (result === "skipped") expect(notes?.length).toBeGreaterThan(10);
      else {
        expect(service).toMatch(/^[\d,]+ req\/s$/);
        expect(ratio).toMatch(/^\d+\.\d\d×$/);
        expect(["met", "not met"]).toContain(result ?? "");
      }
    }
  });

  it("runs no core rows when --rows leaves them out", () => {
    expect(results).not.toContain("`/time` throughput");
  });

  it("has a peer table with a line per server, measured or skipped with a reason", () => {
    expect(results).toContain("## Echo and its peers");
    for (const server of ["Echo (this build)", "WireMock", "mountebank"]) {
      const lines = results.split("\n").filter((line) => line.startsWith(`| ${server}`));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toMatch(/ → .* → |\| skipped \| skipped \| \S/);
    }
  });

  it("measures WireMock and mountebank wherever Java and Node are installed", () => {
    const measured = (server: string) =>
      results.split("\n").some((line) => line.startsWith(`| ${server}`) && line.includes(" → "));
    if (Bun.which("java")) expect(measured("WireMock")).toBe(true);
    if (Bun.which("node")) expect(measured("mountebank")).toBe(true);
  });
});

describe("the Echo rows' flags", () => {
  it("refuses an unknown row group with exit code 2", async () => {
    const { exitCode, stderr } = await runBench(["--rows", "core,nope"]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain("--rows takes a comma-separated list");
  });

  it("refuses an odd mock count, since the set is half exact, half templates", async () => {
    const { exitCode, stderr } = await runBench(["--echo-mocks", "11"]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain("--echo-mocks must be an even integer");
  });
});

describe("the mock set every server is given", () => {
  const mocks = mockSet(6);

  it("alternates exact and template mocks, oldest first", () => {
    expect(mocks.map((mock) => `${mock.kind}${mock.index}`)).toEqual([
      "exact0",
      "template0",
      "exact1",
      "template1",
      "exact2",
      "template2",
    ]);
    expect(mockOf(mocks, "template", "newest").path).toBe("/bench/t2/users/{id}");
  });

  it("gives mountebank a path expression that takes exactly one segment for {id}", () => {
    const stub = mountebankStub(mockOf(mocks, "template", "oldest"));
    const { path } = (stub.predicates[1] as { matches: { path: string } }).matches;
    expect(new RegExp(path).test("/bench/t0/users/42")).toBe(true);
    expect(new RegExp(path).test("/bench/t0/users/42/x")).toBe(false);
    expect(new RegExp(path).test("/bench/t0/users/")).toBe(false);
  });

  it("gives WireMock the same template and conditions", () => {
    expect(wiremockMapping(mockOf(mocks, "template", "oldest")).request).toEqual({
      method: "GET",
      urlPathTemplate: "/bench/t0/users/{id}",
      queryParameters: { lang: { equalTo: "en" } },
      headers: { "x-tenant": { equalTo: "acme" } },
    });
  });
});

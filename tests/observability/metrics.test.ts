import { describe, expect, it } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { HTTP_DURATION_BUCKETS_MS } from "../../src/observability/histogram";
import { PROM, ROUTE_MOCK, ROUTE_UNMATCHED } from "../../src/observability/metric-names";
import {
  createMetrics,
  OTHER_METHOD,
  routeLabel,
  type SmartMetrics,
} from "../../src/observability/metrics";
import { parseExposition, samplesNamed, sampleValue } from "./support";

const scrape = async (metrics: ReturnType<typeof createMetrics>) =>
  parseExposition((await metrics.scrape()).body);

const DURATION_COUNT = `${PROM.httpDuration}_count`;
const DURATION_BUCKET = `${PROM.httpDuration}_bucket`;

describe("routeLabel", () => {
  it("keeps a matched route template", () => {
    expect(routeLabel("/tocos/:user", "/*", false)).toBe("/tocos/:user");
  });

  it("labels a mock hit with the one mock constant", () => {
    expect(routeLabel("/*", "/*", false)).toBe(ROUTE_MOCK);
  });

  it("labels a miss on the mock catch-all as unmatched", () => {
    expect(routeLabel("/*", "/*", true)).toBe(ROUTE_UNMATCHED);
  });

  it("labels a request that matched no route as unmatched", () => {
    expect(routeLabel(undefined, "/*", false)).toBe(ROUTE_UNMATCHED);
    expect(routeLabel("", "/*", false)).toBe(ROUTE_UNMATCHED);
  });
});

describe("http_request_duration_seconds", () => {
  it("counts an observation in every bucket at or above its duration", async () => {
    const metrics = createMetrics();
    metrics.requestStarted();
    metrics.requestFinished("GET", "/time", 200, 3); // 0.003 s
    const buckets = samplesNamed(await scrape(metrics), DURATION_BUCKET);
    for (const bucket of buckets) {
      const le = bucket.labels.le === "+Inf" ? Infinity : Number(bucket.labels.le);
      expect({ le, value: bucket.value }).toEqual({ le, value: le >= 0.003 ? 1 : 0 });
    }
    expect(buckets).toHaveLength(HTTP_DURATION_BUCKETS_MS.length + 1);
  });

  it("reports the sum in seconds and the count", async () => {
    const metrics = createMetrics();
    for (const ms of [2, 4, 250]) {
      metrics.requestStarted();
      metrics.requestFinished("GET", "/time", 200, ms);
    }
    const samples = await scrape(metrics);
    const labels = { method: "GET", route: "/time", status: "200" };
    expect(sampleValue(samples, `${PROM.httpDuration}_sum`, labels)).toBeCloseTo(0.256, 9);
    expect(sampleValue(samples, DURATION_COUNT, labels)).toBe(3);
  });

  it("keeps one series per method, route and status", async () => {
    const metrics = createMetrics();
    const requests: [string, string, number][] = [
      ["GET", "/time", 200],
      ["GET", "/time", 200],
      ["GET", "/tocos/:user", 404],
      ["POST", "/endpoints", 201],
    ];
    for (const [method, route, status] of requests) {
      metrics.requestStarted();
      metrics.requestFinished(method, route, status, 1);
    }
    const counts = samplesNamed(await scrape(metrics), DURATION_COUNT).map(
      (s) => `${s.labels.method} ${s.labels.route} ${s.labels.status} ${s.value}`,
    );
    expect(counts.sort()).toEqual([
      "GET /time 200 2",
      "GET /tocos/:user 404 1",
      "POST /endpoints 201 1",
    ]);
  });

  it("folds methods it does not know into one label", async () => {
    const metrics = createMetrics();
    for (const method of ["BREW", "PROPFIND", "X-ANYTHING"]) {
      metrics.requestStarted();
      metrics.requestFinished(method, ROUTE_UNMATCHED, 404, 1);
    }
    const counts = samplesNamed(await scrape(metrics), DURATION_COUNT);
    expect(counts.map((s) => [s.labels.method, s.value])).toEqual([[OTHER_METHOD, 3]]);
  });
});

describe("http_requests_in_flight", () => {
  it("counts requests started and not yet finished", async () => {
    const metrics = createMetrics();
    metrics.requestStarted();
    metrics.requestStarted();
    metrics.requestStarted();
    metrics.requestFinished("GET", "/time", 200, 1);
    expect(sampleValue(await scrape(metrics), PROM.httpInFlight)).toBe(2);
  });
});

describe("smart metrics", () => {
  it("has the shape the smart feature reports to", () => {
    // Compile-time check: the recorder is the smart feature's SmartMetrics.
    const recorder: SmartMetrics = createMetrics().smart;
    expect(typeof recorder.attempt).toBe("function");
  });

  it("counts upstream attempts by outcome, with every outcome present from the start", async () => {
    const metrics = createMetrics();
    metrics.smart.attempt("success", 200);
    metrics.smart.attempt("http_error", 100);
    metrics.smart.attempt("http_error", 100);
    const samples = await scrape(metrics);
    expect(sampleValue(samples, PROM.smartUpstreamRequests, { outcome: "success" })).toBe(1);
    expect(sampleValue(samples, PROM.smartUpstreamRequests, { outcome: "http_error" })).toBe(2);
    expect(sampleValue(samples, PROM.smartUpstreamRequests, { outcome: "timeout" })).toBe(0);
  });

  it("records upstream attempt durations in a histogram", async () => {
    const metrics = createMetrics();
    metrics.smart.attempt("success", 350);
    metrics.smart.attempt("timeout", 2000);
    const samples = await scrape(metrics);
    expect(sampleValue(samples, `${PROM.smartUpstreamDuration}_count`)).toBe(2);
    expect(sampleValue(samples, `${PROM.smartUpstreamDuration}_sum`)).toBeCloseTo(2.35, 9);
    expect(sampleValue(samples, `${PROM.smartUpstreamDuration}_bucket`, { le: "0.4" })).toBe(1);
  });

  it("adds up hedges fired", async () => {
    const metrics = createMetrics();
    metrics.smart.hedgesFired(2);
    metrics.smart.hedgesFired(1);
    expect(sampleValue(await scrape(metrics), PROM.smartHedgesFired)).toBe(3);
  });

  it("counts how smart requests ended", async () => {
    const metrics = createMetrics();
    metrics.smart.response("first");
    metrics.smart.response("hedge");
    metrics.smart.response("hedge");
    const samples = await scrape(metrics);
    expect(sampleValue(samples, PROM.smartResponses, { result: "hedge" })).toBe(2);
    expect(sampleValue(samples, PROM.smartResponses, { result: "first" })).toBe(1);
    expect(sampleValue(samples, PROM.smartResponses, { result: "deadline" })).toBe(0);
  });
});

describe("echo_endpoints", () => {
  it("asks the store at scrape time", async () => {
    let count = 3;
    const metrics = createMetrics({ endpointCount: async () => count });
    expect(sampleValue(await scrape(metrics), PROM.echoEndpoints)).toBe(3);
    count = 5;
    expect(sampleValue(await scrape(metrics), PROM.echoEndpoints)).toBe(5);
  });

  it("reads NaN, and the scrape stays whole, when the store fails", async () => {
    const metrics = createMetrics({
      endpointCount: async () => {
        throw new Error("store down");
      },
    });
    const samples = await scrape(metrics);
    expect(sampleValue(samples, PROM.echoEndpoints)).toBeNaN();
    expect(sampleValue(samples, PROM.httpInFlight)).toBe(0);
  });
});

describe("process metrics", () => {
  const CLOCK_TICKS = 100; // USER_HZ on Linux
  const stat = () => {
    const text = readFileSync("/proc/self/stat", "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  };

  it("reports the process start time that the kernel reports", async () => {
    const samples = await scrape(createMetrics({ processMetrics: true }));
    const bootTime = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    const startTicks = Number(stat()[19]); // field 22, after pid and comm
    const kernelStart = bootTime + startTicks / CLOCK_TICKS;
    // The kernel's btime moves when the wall clock is stepped (NTP on a VM), hence the margin.
    expect(
      Math.abs((sampleValue(samples, "process_start_time_seconds") ?? 0) - kernelStart),
    ).toBeLessThan(5);
  });

  it("reports CPU time that matches the kernel's", async () => {
    const metrics = createMetrics({ processMetrics: true });
    const fields = stat();
    const kernelSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    const reported = sampleValue(await scrape(metrics), "process_cpu_seconds_total") ?? 0;
    expect(Math.abs(reported - kernelSeconds)).toBeLessThan(0.25);
    expect(reported).toBeGreaterThan(0);
  });

  it("reports resident memory that matches the kernel's", async () => {
    const samples = await scrape(createMetrics({ processMetrics: true }));
    const rss =
      Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1]) * 1024;
    expect(
      Math.abs((sampleValue(samples, "process_resident_memory_bytes") ?? 0) - rss) / rss,
    ).toBeLessThan(0.2);
  });

  it("reports open and maximum file descriptors", async () => {
    const samples = await scrape(createMetrics({ processMetrics: true }));
    const open = readdirSync("/proc/self/fd").length;
    const soft = Number(
      /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1],
    );
    expect(Math.abs((sampleValue(samples, "process_open_fds") ?? 0) - open)).toBeLessThanOrEqual(3);
    expect(sampleValue(samples, "process_max_fds")).toBe(soft);
  });

  it("sees the event loop blocked", async () => {
    const metrics = createMetrics({ processMetrics: true });
    await metrics.scrape(); // starts the monitor
    await Bun.sleep(50);
    const until = performance.now() + 200;
    while (performance.now() < until) {
      // block the loop
    }
    await Bun.sleep(30);
    const max = sampleValue(await scrape(metrics), "nodejs_eventloop_lag_max_seconds") ?? 0;
    expect(max).toBeGreaterThan(0.15);
  });

  it("leaves out the default metrics that misreport under Bun", async () => {
    const names = new Set(
      (await scrape(createMetrics({ processMetrics: true }))).map((s) => s.name),
    );
    const misreporting = [
      "nodejs_heap_size_used_bytes",
      "nodejs_heap_size_total_bytes",
      "nodejs_external_memory_bytes",
      "nodejs_gc_duration_seconds_count",
      "nodejs_heap_space_size_used_bytes",
      "nodejs_active_handles_total",
      "nodejs_active_requests_total",
      "nodejs_active_resources_total",
      "process_heap_bytes",
      "nodejs_version_info",
    ];
    expect(misreporting.filter((name) => names.has(name))).toEqual([]);
  });

  it("is left out unless asked for", async () => {
    const names = (await scrape(createMetrics())).map((s) => s.name);
    expect(names.filter((name) => name.startsWith("process_"))).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { PROM, ROUTE_UNMATCHED } from "../../src/observability/metric-names";
import { queryPanels, readDashboard, runnable } from "../observability/dashboard";
import { eventually, freeLoopbackAddress, which } from "../observability/support";
import { type RunningServer, startServer } from "../support/process";

/**
 * A real Prometheus (Debian's `prometheus` package) scrapes the running service on loopback,
 * and its HTTP API is asked for the series. Runs the compiled binary when SERVER_BIN is set.
 */

const prometheusBinary = which("prometheus");
if (!prometheusBinary) {
  console.warn("SKIPPED: the prometheus binary is not installed (apt-get install prometheus)");
}
const JOB = "tocos-service";

interface QueryResponse {
  status: string;
  error?: string;
  data?: {
    resultType: string;
    result: { metric: Record<string, string>; value: [number, string] }[];
  };
}

describe.skipIf(!prometheusBinary)("a real Prometheus scraping the service", () => {
  let server: RunningServer;
  let prometheus: Subprocess<"ignore", "pipe", "pipe">;
  let api: string;
  let dataDir: string;

  const query = async (promql: string): Promise<QueryResponse> => {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
    return (await response.json()) as QueryResponse;
  };

  beforeAll(async () => {
    const cmd = process.env.SERVER_BIN ? [process.env.SERVER_BIN] : undefined;
    server = await startServer({ cmd, env: { LOG_LEVEL: "warn" } });
    for (const path of ["/time", "/tocos", "/tocos/Sam", "/no/such/page"]) {
      await (await fetch(`${server.url}${path}`)).arrayBuffer();
    }
    dataDir = mkdtempSync(join(tmpdir(), "prometheus-"));
    const config = join(dataDir, "prometheus.yml");
    writeFileSync(
      config,
      [
        "global:",
        "  scrape_interval: 500ms",
        "scrape_configs:",
        `  - job_name: ${JOB}`,
        "    static_configs:",
        `      - targets: ["127.0.0.1:${server.port}"]`,
        "",
      ].join("\n"),
    );
    const listen = freeLoopbackAddress();
    api = `http://${listen}`;
    prometheus = Bun.spawn(
      [
        prometheusBinary ?? "prometheus",
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dataDir, "data")}`,
        `--web.listen-address=${listen}`,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    // Three scrapes, so rates over the dashboard's range have points to work with.
    await eventually(
      async () => {
        const answer = await query(`count_over_time(up{job="${JOB}"}[1m])`);
        return Number(answer.data?.result[0]?.value[1] ?? 0) >= 3 ? true : undefined;
      },
      30_000,
      "three scrapes of the service",
    );
  }, 40_000);

  afterAll(async () => {
    prometheus?.kill("SIGTERM");
    await prometheus?.exited;
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("scrapes the service successfully", async () => {
    const answer = await query(`up{job="${JOB}"}`);
    expect(answer.data?.result.map((r) => r.value[1])).toEqual(["1"]);
  });

  it("stores the request-duration series by route template", async () => {
    const answer = await query(`${PROM.httpDuration}_count{job="${JOB}"}`);
    const routes = new Set(answer.data?.result.map((r) => r.metric.route));
    for (const route of ["/time", "/tocos", "/tocos/:user", ROUTE_UNMATCHED]) {
      expect(routes.has(route)).toBe(true);
    }
  });

  it("stores requests in flight and the upstream counters", async () => {
    for (const name of [PROM.httpInFlight, PROM.smartUpstreamRequests, PROM.smartResponses]) {
      const answer = await query(`${name}{job="${JOB}"}`);
      expect({ name, series: (answer.data?.result.length ?? 0) > 0 }).toEqual({
        name,
        series: true,
      });
    }
  });

  it("runs every dashboard query", async () => {
    const failures: string[] = [];
    for (const panel of queryPanels(readDashboard())) {
      for (const target of panel.targets ?? []) {
        const answer = await query(runnable(target.expr, "30s"));
        if (answer.status !== "success") failures.push(`${panel.title}: ${answer.error}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("gets data for the request panels", async () => {
    const requestPanels = [
      "Request rate by route",
      "Latency p50 by route",
      "Latency p99 by route",
      "Requests in flight",
    ];
    const empty: string[] = [];
    for (const panel of queryPanels(readDashboard()).filter((p) =>
      requestPanels.includes(p.title),
    )) {
      const answer = await query(runnable(panel.targets?.[0]?.expr ?? "", "30s"));
      if (!answer.data?.result.length) empty.push(panel.title);
    }
    expect(empty).toEqual([]);
  });
});

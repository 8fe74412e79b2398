import { describe, expect, it } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PROM } from "../../src/observability/metric-names";
import { createMetrics } from "../../src/observability/metrics";
import { metricNamesIn, OPS, queryPanels, readDashboard } from "./dashboard";
import { which } from "./support";

const promtool = which("promtool");
if (!promtool) console.warn("SKIPPED: promtool is not installed (apt-get install prometheus)");

const readYaml = (path: string) => Bun.YAML.parse(readFileSync(join(OPS, path), "utf8")) as never;

interface ComposeService {
  build?: { context: string; dockerfile: string };
  image?: string;
  ports?: string[];
  command?: string[];
  volumes?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const compose = (): ComposeFile => readYaml("compose.yaml");
const service = (name: string): ComposeService => {
  const found = compose().services[name];
  if (!found) throw new Error(`compose.yaml has no service ${name}`);
  return found;
};

/** `host:container[:ro]` mounts as container path → absolute host path. */
function mounts(entry: ComposeService): Record<string, string> {
  return Object.fromEntries(
    (entry.volumes ?? []).map((volume) => {
      const [host = "", container = ""] = volume.split(":");
      return [container, resolve(OPS, host)];
    }),
  );
}

/** The container port a `[ip:]host:container` mapping publishes. */
const containerPort = (mapping: string) => Number(mapping.split(":").at(-1));

const allExpressions = () =>
  queryPanels(readDashboard()).flatMap((panel) => (panel.targets ?? []).map((t) => t.expr));

describe("the Grafana dashboard", () => {
  it("parses, with a uid and a title", () => {
    const dashboard = readDashboard();
    expect(dashboard.uid).toBe("tocos-service");
    expect(dashboard.title.length).toBeGreaterThan(0);
  });

  it("queries the datasource that Grafana is provisioned with", () => {
    const provisioned = readYaml("grafana/provisioning/datasources/prometheus.yml") as {
      datasources: { uid: string; type: string }[];
    };
    const uids = new Set(provisioned.datasources.map((d) => d.uid));
    const used = queryPanels(readDashboard()).flatMap((panel) => [
      panel.datasource?.uid,
      ...(panel.targets ?? []).map((t) => t.datasource?.uid),
    ]);
    expect(used.filter((uid) => !uids.has(uid ?? ""))).toEqual([]);
  });

  it("lays its panels out on the 24-column grid without overlaps", () => {
    const panels = readDashboard().panels;
    const cells = new Set<string>();
    const clashes: string[] = [];
    for (const { title, gridPos } of panels) {
      expect(gridPos.x + gridPos.w).toBeLessThanOrEqual(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          if (cells.has(`${x},${y}`)) clashes.push(title);
          cells.add(`${x},${y}`);
        }
      }
    }
    expect(clashes).toEqual([]);
  });

  it("shows request rate, p50 and p99 latency by route", () => {
    const exprs = allExpressions();
    const count = `${PROM.httpDuration}_count`;
    const bucket = `${PROM.httpDuration}_bucket`;
    expect(exprs.some((e) => e.includes(count) && e.includes("by (route)"))).toBe(true);
    for (const quantile of ["0.5", "0.99"]) {
      expect(
        exprs.some(
          (e) =>
            e.includes(`histogram_quantile(${quantile},`) &&
            e.includes(bucket) &&
            e.includes("by (route, le)"),
        ),
      ).toBe(true);
    }
  });

  it("shows the error rate", () => {
    expect(allExpressions().some((e) => e.includes('status=~"5.."') && e.includes(" / "))).toBe(
      true,
    );
  });

  it("shows upstream outcomes, hedge rate, the winning attempt and requests in flight", () => {
    const exprs = allExpressions();
    expect(
      exprs.some((e) => e.includes(PROM.smartUpstreamRequests) && e.includes("by (outcome)")),
    ).toBe(true);
    expect(exprs.some((e) => e.includes(PROM.smartHedgesFired))).toBe(true);
    expect(exprs.some((e) => e.includes(PROM.smartResponses) && e.includes("by (result)"))).toBe(
      true,
    );
    expect(exprs.some((e) => e.includes(PROM.httpInFlight))).toBe(true);
  });

  it("reads only metrics that /metrics serves", async () => {
    const metrics = createMetrics({ processMetrics: true, endpointCount: async () => 0 });
    const exposition = (await metrics.scrape()).body;
    const families = new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const served = (name: string) =>
      families.has(name) || families.has(name.replace(/_(bucket|count|sum)$/, ""));
    const missing = allExpressions()
      .flatMap(metricNamesIn)
      .filter((name) => !served(name));
    expect(missing).toEqual([]);
  });
});

describe("ops/compose.yaml", () => {
  it("has the service, Prometheus and Grafana", () => {
    expect(Object.keys(compose().services).sort()).toEqual(["grafana", "prometheus", "service"]);
  });

  it("builds the service from the repository's Containerfile", () => {
    const build = service("service").build;
    expect(build).toBeDefined();
    const context = resolve(OPS, build?.context ?? "");
    expect(existsSync(join(context, build?.dockerfile ?? ""))).toBe(true);
    expect(existsSync(join(context, "src/main.ts"))).toBe(true);
  });

  it("publishes the port the image listens on", () => {
    const listens = /^\s*ENV PORT=(\d+)/m.exec(
      readFileSync(resolve(OPS, "../Containerfile"), "utf8"),
    );
    expect(service("service").ports?.map(containerPort)).toEqual([Number(listens?.[1])]);
  });

  it("mounts the scrape config where Prometheus reads it", () => {
    const prometheus = service("prometheus");
    const configPath = prometheus.command
      ?.find((arg) => arg.startsWith("--config.file="))
      ?.slice("--config.file=".length);
    expect(configPath).toBeDefined();
    expect(mounts(prometheus)[configPath ?? ""]).toBe(join(OPS, "prometheus.yml"));
  });

  it("points the scrape config at the service's name and port", () => {
    const config = readYaml("prometheus.yml") as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs.flatMap((s) =>
      s.static_configs.flatMap((c) => c.targets),
    );
    const port = containerPort(service("service").ports?.[0] ?? "");
    expect(targets).toEqual([`service:${port}`]);
  });

  it("provisions Grafana with the datasource and the dashboard", () => {
    const grafana = mounts(service("grafana"));
    expect(grafana["/etc/grafana/provisioning"]).toBe(join(OPS, "grafana/provisioning"));
    const providers = readYaml("grafana/provisioning/dashboards/tocos.yml") as {
      providers: { options: { path: string } }[];
    };
    const dashboardsPath = providers.providers[0]?.options.path ?? "";
    expect(grafana[dashboardsPath]).toBe(join(OPS, "grafana/dashboards"));
    expect(existsSync(join(grafana[dashboardsPath] ?? "", "tocos.json"))).toBe(true);
  });

  it("points Grafana's datasource at the Prometheus service", () => {
    const provisioned = readYaml("grafana/provisioning/datasources/prometheus.yml") as {
      datasources: { url: string }[];
    };
    const url = new URL(provisioned.datasources[0]?.url ?? "");
    expect(url.hostname).toBe("prometheus");
    expect(service("prometheus").ports?.map(containerPort)).toContain(Number(url.port));
  });

  it("mounts only files and folders that exist", () => {
    const hostPaths = Object.values(compose().services).flatMap((s) => Object.values(mounts(s)));
    expect(hostPaths.filter((path) => !existsSync(path))).toEqual([]);
  });
});

describe("ops/prometheus.yml", () => {
  it.skipIf(!promtool)("passes promtool check config", () => {
    const check = Bun.spawnSync([
      promtool ?? "promtool",
      "check",
      "config",
      join(OPS, "prometheus.yml"),
    ]);
    expect({ exitCode: check.exitCode, stderr: check.stderr.toString() }).toEqual({
      exitCode: 0,
      stderr: "",
    });
  });
});

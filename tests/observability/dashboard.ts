import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The repository's ops/ folder. */
export const OPS = join(import.meta.dir, "../../ops");

export interface DashboardTarget {
  refId: string;
  expr: string;
  datasource?: { type?: string; uid?: string };
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: DashboardTarget[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
}

export const readDashboard = () =>
  JSON.parse(readFileSync(join(OPS, "grafana/dashboards/tocos.json"), "utf8")) as Dashboard;

export const queryPanels = (dashboard: Dashboard) =>
  dashboard.panels.filter((panel) => panel.type !== "row");

/** Grafana's interval variables, replaced by a fixed range so Prometheus can run the query. */
export const runnable = (expr: string, range = "1m") =>
  expr.replaceAll("$__rate_interval", range).replaceAll("$__interval", range);

const PROMQL_FUNCTIONS = new Set(["sum", "rate", "histogram_quantile"]);

/** The metric names a PromQL expression reads. */
export function metricNamesIn(expr: string): string[] {
  const bare = runnable(expr)
    .replace(/"[^"]*"/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\{[^}]*\}/g, "")
    .replace(/\b(by|without)\s*\([^)]*\)/g, "");
  const words = bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(words.filter((word) => !PROMQL_FUNCTIONS.has(word)))];
}

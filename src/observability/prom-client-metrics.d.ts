// prom-client's default metrics, one module each, so that only the ones accurate under Bun load.
declare module "prom-client/lib/metrics/*" {
  import type { Registry } from "prom-client";

  const registerDefaultMetric: (
    registry: Registry,
    config?: { prefix?: string; eventLoopMonitoringPrecision?: number },
  ) => void;
  export = registerDefaultMetric;
}

import type { AppDeps } from "./app";
import type { Config } from "./config";
import { createFactorialService } from "./features/factorial/service";
import { createUpstreamClient, loopbackWorkUrl } from "./features/smart";
import { systemTimers } from "./features/smart/hedge";
import { createUserSnapshot } from "./features/tocos";
import type { Logger } from "./observability/logger";
import { createMetrics } from "./observability/metrics";
import { abortableSleep } from "./sleep";
import type { Store } from "./store/store";

/**
 * The composition root: every dependency of the app is built here, and only here. The
 * server and the tests call the same factory; tests pass overrides for what they replace.
 */

export interface Deps extends AppDeps {
  /** Stops the factorial worker and the upstream pool, and writes out buffered metrics. */
  close(): void;
}

export interface DepsBase {
  config: Config;
  logger: Logger;
  store: Store;
  /** The port the server got, for the loopback `/api/work` upstream; `config.port` by default. */
  port?: () => number;
}

export function createDeps(
  base: DepsBase,
  overrides: Partial<Omit<AppDeps, "config" | "logger" | "store">> = {},
): Deps {
  const { config, logger, store } = base;
  // Cheap to build: the worker thread and the cache fill only on the first large factorial.
  const factorials = factorialService(config, logger);
  const deps: AppDeps = {
    config,
    logger,
    store,
    users:
      overrides.users ??
      createUserSnapshot({
        users: store.users,
        ttlMs: config.tocosCacheTtlS * 1000,
        onRefreshError: (error) =>
          logger.warn("the users could not be re-read; serving the previous snapshot", {
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          }),
      }),
    factorial: overrides.factorial ?? ((n) => factorials.digits(n)),
    metrics:
      overrides.metrics ??
      createMetrics({
        config,
        processMetrics: true,
        endpointCount: () => store.endpoints.count(),
      }),
    upstream:
      overrides.upstream ??
      createUpstreamClient({
        // Unset: the simulated /api/work of this very process, on the port it actually got.
        url: () => config.smartUpstreamUrl ?? loopbackWorkUrl(base.port?.() ?? config.port),
        attemptTimeoutMs: config.smartAttemptTimeoutMs,
      }),
    timers: overrides.timers ?? systemTimers,
    now: overrides.now ?? Date.now,
    echo: overrides.echo ?? { random: Math.random, sleep: abortableSleep },
  };
  return {
    ...deps,
    close() {
      factorials.close();
      deps.upstream.close();
      deps.metrics.flush();
    },
  };
}

const factorialService = (config: Config, logger: Logger) =>
  createFactorialService({
    max: config.factorialMax,
    onWorkerError: (error) =>
      logger.warn("factorial worker failed, computing inline", { error: error.message }),
  });

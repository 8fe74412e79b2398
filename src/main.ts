import { type App, createApp } from "./app";
import { ConfigError, loadConfig } from "./config";
import { createDeps } from "./deps";
import { createLogger } from "./observability/logger";
import { openStore } from "./store/open";
import type { Store } from "./store/store";

function readConfig() {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(
      `${JSON.stringify({ level: "error", msg: "invalid configuration", detail: error.message })}\n`,
    );
    process.exit(1);
  }
}

const config = readConfig();
// Off Lambda, log lines are written at most every 20 ms: one write for many requests.
const logger = createLogger(config.logLevel, undefined, { batchMs: config.onLambda ? 0 : 20 });
process.on("exit", () => void logger.flush());
// The store opens before the server listens, so the readiness check passes only once it can serve.
openStore(config, logger).then(serve, (error: unknown) => {
  logger.error("the store could not be opened", {
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  });
  logger.flush();
  process.exit(1);
});

/** A second server on a taken port must not start: requests would be split between the two. */
function listenOrExit(app: App) {
  try {
    return app.listen({ port: config.port, hostname: "0.0.0.0" });
  } catch (error) {
    if ((error as { code?: string }).code !== "EADDRINUSE") throw error;
    logger.error(`port ${config.port} is already in use`, { port: config.port });
    logger.flush();
    process.exit(1);
  }
}

function serve(store: Store) {
  const deps = createDeps({ config, logger, store, port: () => server.port ?? config.port });
  const server = listenOrExit(createApp(deps));
  logger.info("listening", { port: server.port, hostname: "0.0.0.0" });

  let stopping = false;
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    const force = setTimeout(() => {
      logger.warn("grace period over, closing open connections", {
        graceMs: config.shutdownGraceMs,
      });
      server.stop(true);
    }, config.shutdownGraceMs);
    await server.stop(false);
    clearTimeout(force);
    // In-flight requests are done, so every acknowledged write is in the store before it closes.
    await store.close();
    deps.close();
    logger.info("stopped");
    // Buffered lines are handed to stdout before the process ends; a reader that has stopped
    // reading gets a second, not the shutdown.
    await Promise.race([logger.flush(), Bun.sleep(1_000)]);
    process.exit(0);
  }
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

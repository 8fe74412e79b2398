import { createApp } from "./app";
import { ConfigError, loadConfig } from "./config";
import { createLogger } from "./observability/logger";
import { memoryUserStore } from "./store/memory-users";

function productTree(lo: number, hi: number): bigint {
  if (hi - lo < 32) {
    let r = 1n;
    for (let i = lo; i <= hi; i++) r *= BigInt(i);
    return r;
  }
  const mid = (lo + hi) >>> 1;
  return productTree(lo, mid) * productTree(mid + 1, hi);
}

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
const logger = createLogger(config.logLevel);
const app = createApp({
  config,
  logger,
  users: memoryUserStore(),
  factorial: (n) => (n < 2 ? "1" : productTree(2, n).toString()),
}).listen({ port: config.port, hostname: "0.0.0.0" });

const server = app.server;
if (!server) throw new Error("server did not start");
logger.info("listening", { port: server.port, hostname: "0.0.0.0" });

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("shutting down", { signal });
  const force = setTimeout(() => {
    logger.warn("grace period over, closing open connections", { graceMs: config.shutdownGraceMs });
    server?.stop(true);
  }, config.shutdownGraceMs);
  await server?.stop(false);
  clearTimeout(force);
  logger.info("stopped");
  logger.flush();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

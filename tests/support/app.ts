import { type AppDeps, createApp } from "../../src/app";
import { type Config, defaultConfig } from "../../src/config";
import { createLogger, type Logger } from "../../src/observability/logger";
import { memoryUserStore } from "../../src/store/memory-users";

/** Captures log lines in memory, so tests can read them back. */
export function memoryLogger(level: Config["logLevel"] = "debug") {
  const lines: Record<string, unknown>[] = [];
  const logger: Logger = createLogger(level, (chunk) => {
    for (const line of chunk.split("\n")) if (line) lines.push(JSON.parse(line));
  });
  return { logger, lines };
}

export function testDeps(overrides: Partial<AppDeps> & { config?: Partial<Config> } = {}): AppDeps {
  const { config, ...rest } = overrides;
  return {
    config: defaultConfig(config),
    logger: memoryLogger("silent").logger,
    users: memoryUserStore(),
    factorial: (n) => {
      let r = 1n;
      for (let i = 2n; i <= BigInt(n); i++) r *= i;
      return r.toString();
    },
    ...rest,
  };
}

export const testApp = (overrides: Parameters<typeof testDeps>[0] = {}) =>
  createApp(testDeps(overrides));

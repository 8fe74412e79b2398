import { type AppDeps, createApp } from "../../src/app";
import { type Config, defaultConfig } from "../../src/config";
import { factorialDigits } from "../../src/features/factorial/factorial";
import { createLogger, type Logger } from "../../src/observability/logger";
import { createSqliteStore } from "../../src/store/sqlite";

/** Captures log lines in memory, so tests can read them back. */
export function memoryLogger(level: Config["logLevel"] = "debug") {
  const lines: Record<string, unknown>[] = [];
  const logger: Logger = createLogger(level, (chunk) => {
    for (const line of chunk.split("\n")) if (line) lines.push(JSON.parse(line));
  });
  return { logger, lines };
}

export function testDeps(
  overrides: Omit<Partial<AppDeps>, "config"> & { config?: Partial<Config> } = {},
): AppDeps {
  const { config, ...rest } = overrides;
  const resolved = defaultConfig(config);
  return {
    config: resolved,
    logger: memoryLogger("silent").logger,
    store: createSqliteStore({
      path: ":memory:",
      maxEndpoints: resolved.echoMaxEndpoints,
      journalSize: resolved.echoJournalSize,
    }),
    factorial: factorialDigits,
    ...rest,
  };
}

export const testApp = (overrides: Parameters<typeof testDeps>[0] = {}) =>
  createApp(testDeps(overrides));

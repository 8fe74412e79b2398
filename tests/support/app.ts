import { createApp } from "../../src/app";
import { type Config, defaultConfig } from "../../src/config";
import { createDeps, type Deps } from "../../src/deps";
import { factorialDigits } from "../../src/features/factorial/factorial";
import { createLogger, type Logger } from "../../src/observability/logger";
import { createSqliteStore } from "../../src/store/sqlite";
import type { Store } from "../../src/store/store";

/** Captures log lines in memory, so tests can read them back. */
export function memoryLogger(level: Config["logLevel"] = "debug") {
  const lines: Record<string, unknown>[] = [];
  const logger: Logger = createLogger(level, (chunk) => {
    for (const line of chunk.split("\n")) if (line) lines.push(JSON.parse(line));
  });
  return { logger, lines };
}

export type TestOverrides = Partial<Omit<Deps, "config" | "close">> & { config?: Partial<Config> };

/**
 * The production composition root (`createDeps`) with test defaults: an in-memory SQLite
 * store, a silent logger, factorials computed inline, and the users re-read on every request.
 */
export function testDeps(overrides: TestOverrides = {}): Deps {
  const { config, logger, store, ...rest } = overrides;
  const resolved = defaultConfig({ tocosCacheTtlS: 0, ...config });
  const testStore: Store =
    store ??
    createSqliteStore({
      path: ":memory:",
      maxEndpoints: resolved.echoMaxEndpoints,
      journalSize: resolved.echoJournalSize,
    });
  return createDeps(
    { config: resolved, logger: logger ?? memoryLogger("silent").logger, store: testStore },
    { factorial: factorialDigits, ...rest },
  );
}

export const testApp = (overrides: TestOverrides = {}) => createApp(testDeps(overrides));

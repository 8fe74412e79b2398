import type { Config } from "../config";
import type { Logger } from "../observability/logger";
import { openSqliteStore } from "./sqlite";
import type { Store } from "./store";

/**
 * Picks the backend: DynamoDB when `DYNAMODB_TABLE` is set, otherwise the
 * embedded SQLite file at `SQLITE_PATH`.
 */
export async function openStore(config: Config, logger: Logger): Promise<Store> {
  if (config.dynamodbTable !== undefined) {
    // Loaded only when selected, so the SQLite default never pays for the AWS SDK at start-up.
    const { openDynamoStore } = await import("./dynamodb");
    const store = await openDynamoStore(config);
    logger.info("store opened", { store: store.kind, table: config.dynamodbTable });
    return store;
  }
  const store = await openSqliteStore({
    path: config.sqlitePath,
    maxEndpoints: config.echoMaxEndpoints,
    journalSize: config.echoJournalSize,
    logger,
  });
  logger.info("store opened", { store: store.kind, path: config.sqlitePath });
  return store;
}

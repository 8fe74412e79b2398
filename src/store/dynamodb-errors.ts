import { StoreUnavailableError } from "../errors";

/** DynamoDB failures that retrying later can fix become StoreUnavailableError. */

const THROTTLING_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
]);
const BUSY_ERRORS = new Set(["TransactionConflictException", "TransactionInProgressException"]);
/** Cancellation reasons of a transaction that mean DynamoDB is throttling. */
export const THROTTLING_REASONS = new Set(["ThrottlingError", "ProvisionedThroughputExceeded"]);

function unavailableReason(error: Error, timeoutMs: number): string | undefined {
  const code = (error as { code?: unknown }).code;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (THROTTLING_ERRORS.has(error.name)) return `DynamoDB is throttling requests`;
  if (BUSY_ERRORS.has(error.name)) return `DynamoDB reports the items busy (${error.name})`;
  if (error.name === "TimeoutError" || code === "ETIMEDOUT") {
    return `DynamoDB did not answer within ${timeoutMs} ms`;
  }
  if (typeof code === "string" && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) {
    return `DynamoDB could not be reached (${code})`;
  }
  if ((status !== undefined && status >= 500) || error.name === "InternalServerError") {
    return `DynamoDB failed (${error.name}${status ? `, HTTP ${status}` : ""})`;
  }
  return undefined;
}

/** StoreUnavailableError for what retrying later can fix; anything else unchanged. */
export function translateDynamoError(error: unknown, timeoutMs: number): unknown {
  if (!(error instanceof Error)) return error;
  const reason = unavailableReason(error, timeoutMs);
  if (reason === undefined) return error;
  const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
  const tries = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
  return new StoreUnavailableError(`The store is unavailable: ${reason} (${tries})`, error);
}

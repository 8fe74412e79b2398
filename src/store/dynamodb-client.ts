import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { ConfiguredRetryStrategy } from "@smithy/util-retry";
import type { Config } from "../config";

/** Placeholder credentials for a local endpoint (DynamoDB Local) when none are set. */
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

const MAX_RETRY_BACKOFF_MS = 500;

/** Full-jitter exponential backoff, 25 ms doubling per retry, capped at 500 ms. */
const backoff = (attempt: number) =>
  Math.round(Math.random() * Math.min(MAX_RETRY_BACKOFF_MS, 25 * 2 ** attempt));

/**
 * The client every store operation goes through: at most `dynamodbMaxAttempts` attempts for what
 * retrying can fix (the SDK's standard retry rules), and a connect and request timeout on each
 * attempt, so a call fails within about `maxAttempts × timeout + (maxAttempts − 1) × 500 ms`.
 */
export function createDynamoClient(
  config: Config,
  overrides: DynamoDBClientConfig = {},
): DynamoDBClient {
  const local = config.dynamodbEndpoint !== undefined;
  const envCredentials = Boolean(
    process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY,
  );
  return new DynamoDBClient({
    ...(local && { endpoint: config.dynamodbEndpoint }),
    ...(local && !process.env.AWS_REGION && { region: "us-east-1" }),
    ...(local && !envCredentials && { credentials: LOCAL_CREDENTIALS }),
    // The strategy carries the attempt bound; setting maxAttempts as well would be a second source.
    retryStrategy: new ConfiguredRetryStrategy(config.dynamodbMaxAttempts, backoff),
    requestHandler: {
      connectionTimeout: config.dynamodbTimeoutMs,
      requestTimeout: config.dynamodbTimeoutMs,
      throwOnRequestTimeout: true,
    },
    ...overrides,
  });
}

/**
 * The DynamoDB single-table layout, owned here and read by both the store
 * and the infrastructure definition.
 *
 * | item            | pk                    | sk              |
 * |-----------------|-----------------------|-----------------|
 * | endpoint        | `ENDPOINTS`           | `<id>` (UUIDv7) |
 * | route index     | `ROUTE#<VERB> <path>` | `ROUTE`         |
 * |                 | or `ROUTEHASH#<VERB> <sha256(path) hex>` when the first form passes 2048 bytes |
 * | endpoint count  | `META`                | `ENDPOINT_COUNT`|
 * | toco user       | `USERS`               | `USER#<name>`   |
 */
export const TABLE_KEYS = { partition: "pk", sort: "sk" } as const;

/** Every DynamoDB action the store performs; the IAM policy grants exactly these. */
export const DYNAMODB_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:Query",
  "dynamodb:ConditionCheckItem",
] as const;

/**
 * The request journal's items (see dynamodb-journal.ts and docs/storage.md):
 * | journal entry | `JOURNAL#<hour>#<shard>` | `<id>` (UUIDv7)  |
 * | hour index    | `JOURNAL_HOURS`          | `<hour>`         |
 * | clear marker  | `META`                   | `JOURNAL_CLEARED`|
 * `<hour>` is hours since the epoch, zero-padded to 10 digits; `<shard>` is 0–15.
 */
export const JOURNAL_KEYS = {
  entryPrefix: "JOURNAL#",
  hoursPartition: "JOURNAL_HOURS",
  metaPartition: "META",
  clearedSort: "JOURNAL_CLEARED",
  shards: 16,
  /** Epoch seconds; the table's TTL attribute, so DynamoDB deletes expired entries. */
  ttlAttribute: "expiresAt",
} as const;

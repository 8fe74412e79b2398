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

import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { StoreUnavailableError } from "../errors";
import { THROTTLING_REASONS, translateDynamoError } from "./dynamodb-errors";
import { TABLE_KEYS } from "./dynamodb-keys";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];
export type Item = Record<string, unknown>;
export type Condition = Pick<
  NonNullable<TransactItem["Put"]>,
  "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
>;

/** Optimistic writes that lost a race (TransactionConflict, a changed revision) run again. */
export const WRITE_ATTEMPTS = 12;
const MAX_CONFLICT_BACKOFF_MS = 500;

/** One table's operations, each translating SDK failures into store errors. */
export class DynamoTable {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    readonly name: string,
    private readonly timeoutMs: number,
  ) {}

  async get(key: Item): Promise<Item | undefined> {
    const { Item } = await this.call(() =>
      this.documents.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true })),
    );
    return Item;
  }

  /** Every item of one partition, in sort-key order, following LastEvaluatedKey. */
  async queryPartition(partition: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.call(() =>
        this.documents.send(
          new QueryCommand({
            TableName: this.name,
            KeyConditionExpression: "#pk = :pk",
            ExpressionAttributeNames: { "#pk": TABLE_KEYS.partition },
            ExpressionAttributeValues: { ":pk": partition },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** Writes `item` unless its key exists; false when it did. */
  async putIfAbsent(item: Item): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.name,
          Item: item,
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": TABLE_KEYS.partition },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw translateDynamoError(error, this.timeoutMs);
    }
  }

  /** One UpdateItem returning the updated attributes; undefined when its condition failed. */
  async update(input: Omit<UpdateCommandInput, "TableName">): Promise<Item | undefined> {
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({ ...input, TableName: this.name, ReturnValues: "UPDATED_NEW" }),
      );
      return Attributes ?? {};
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw translateDynamoError(error, this.timeoutMs);
    }
  }

  /**
   * Runs one transaction. Returns undefined when it committed, or each part's cancellation code
   * when a condition failed. Conflicts with concurrent transactions are retried with backoff.
   */
  async transact(items: TransactItem[]): Promise<string[] | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.documents.send(new TransactWriteCommand({ TransactItems: items }));
        return undefined;
      } catch (error) {
        if (error instanceof Error && error.name === "UnknownOperationException") {
          throw new Error(
            "The DynamoDB endpoint does not implement TransactWriteItems, which this store needs",
            { cause: error },
          );
        }
        if (!(error instanceof TransactionCanceledException)) {
          throw translateDynamoError(error, this.timeoutMs);
        }
        const codes = items.map((_, i) => error.CancellationReasons?.[i]?.Code ?? "None");
        if (codes.includes("ConditionalCheckFailed")) return codes;
        if (codes.some((code) => THROTTLING_REASONS.has(code))) {
          throw new StoreUnavailableError(
            "The store is unavailable: DynamoDB is throttling requests (transaction cancelled)",
            error,
          );
        }
        if (!codes.includes("TransactionConflict")) throw error;
        if (attempt >= WRITE_ATTEMPTS) {
          throw new StoreUnavailableError(
            `The store is busy: concurrent writes to the same items conflicted ${attempt} times`,
            error,
          );
        }
        await Bun.sleep(Math.random() * Math.min(MAX_CONFLICT_BACKOFF_MS, 20 * 2 ** attempt));
      }
    }
  }

  private async call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw translateDynamoError(error, this.timeoutMs);
    }
  }
}

const isConditionFailure = (error: unknown) =>
  error instanceof Error && error.name === "ConditionalCheckFailedException";

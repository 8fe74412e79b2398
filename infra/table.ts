import { dynamodb } from "@pulumi/aws";
import type { CustomResourceOptions } from "@pulumi/pulumi";
import { JOURNAL_KEYS, TABLE_KEYS } from "../src/store/dynamodb-keys";
import type { StageSettings } from "./settings";

/** Resource options of stateful resources: production keeps them when the stack goes. */
export function dataResourceOptions(
  settings: StageSettings,
  opts: CustomResourceOptions = {},
): CustomResourceOptions {
  return { ...opts, retainOnDelete: settings.protections.retainData };
}

export function endpointTable(settings: StageSettings, opts: CustomResourceOptions = {}) {
  const options = dataResourceOptions(settings, opts);
  const table = new dynamodb.Table(
    "Table",
    {
      name: settings.resourcePrefix,
      billingMode: "PAY_PER_REQUEST",
      hashKey: TABLE_KEYS.partition,
      rangeKey: TABLE_KEYS.sort,
      attributes: [
        { name: TABLE_KEYS.partition, type: "S" },
        { name: TABLE_KEYS.sort, type: "S" },
      ],
      // Journal entries carry their expiry; DynamoDB deletes them after it, at no write cost.
      ttl: { attributeName: JOURNAL_KEYS.ttlAttribute, enabled: true },
      pointInTimeRecovery: { enabled: settings.protections.pointInTimeRecovery },
      deletionProtectionEnabled: settings.protections.deletionProtection,
    },
    options,
  );
  return { table, options };
}

import { afterAll } from "bun:test";
import { readFileSync } from "node:fs";
import { stopAllDynamoDbLocal } from "../../scripts/dynamodb-local";
import { launchSharedDynamoDbLocal } from "./dynamodb-local";

/**
 * Loaded by `bun test` before any test file (bunfig.toml). DynamoDB Local takes seconds to
 * start, so a run of the whole suite starts it at once, while other files run; a run of
 * chosen files starts it only when a file asks for it. Every instance stops when the run ends.
 */

/** The paths or filters given after `bun test`; bun passes only the first file in argv. */
function testFilters(): string[] | undefined {
  try {
    const args = readFileSync("/proc/self/cmdline", "utf8").split("\0").filter(Boolean);
    return args.slice(args.indexOf("test") + 1).filter((arg) => !arg.startsWith("-"));
  } catch {
    return undefined;
  }
}

if (testFilters()?.length === 0) launchSharedDynamoDbLocal();

// The shared instance, and any a failed test left running.
afterAll(stopAllDynamoDbLocal);

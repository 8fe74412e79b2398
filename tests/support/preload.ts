import { afterAll } from "bun:test";
import { readFileSync } from "node:fs";
import { stopAllDynamoDbLocal } from "../../scripts/dynamodb-local";
import { launchSharedDynamoDbLocal } from "./dynamodb-local";

/**
 * Loaded by `bun test` before any test file (bunfig.toml). DynamoDB Local takes seconds to
 * start, so a run of the whole suite starts it at once, while other files run; a run of
 * chosen files starts it only when a file asks for it. Every instance stops when the run ends.
 */

/** `bun test` options that take the next argument as their value. */
const VALUED_OPTIONS = new Set([
  "--timeout",
  "-t",
  "--test-name-pattern",
  "--rerun-each",
  "--preload",
  "--reporter",
  "--reporter-outfile",
  "--coverage-dir",
  "--seed",
  "--max-concurrency",
]);

/** The paths or filters given after `bun test`; bun passes only the first file in argv. */
function testFilters(): string[] | undefined {
  try {
    const args = readFileSync("/proc/self/cmdline", "utf8").split("\0").filter(Boolean);
    const rest = args.slice(args.indexOf("test") + 1);
    return rest.filter((arg, i) => !arg.startsWith("-") && !VALUED_OPTIONS.has(rest[i - 1] ?? ""));
  } catch {
    return undefined;
  }
}

if (testFilters()?.length === 0) launchSharedDynamoDbLocal();

// The shared instance, and any a failed test left running.
afterAll(stopAllDynamoDbLocal);

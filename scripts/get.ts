/**
 * `make get`: calls the deployed API named in `.sst/outputs.json` and prints each status and body,
 * at the stage's custom domain (`domainUrl`) when it has one, else at API Gateway's (`apiUrl`).
 * Exits 1 when an endpoint of the service itself fails; /api/smart may also answer 502 or 504,
 * because its upstream is a third party's unreliable test server.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface Check {
  path: string;
  accepted: readonly number[];
}

export const CHECKS: readonly Check[] = [
  { path: "/time", accepted: [200] },
  { path: "/tocos", accepted: [200] },
  { path: "/tocos/Cem", accepted: [200] },
  { path: "/api/v1/factorial?number=20", accepted: [200] },
  { path: "/api/smart?timeout=3000", accepted: [200, 502, 504] },
];

const REQUEST_TIMEOUT_MS = 30_000;
const BODY_PREVIEW_CHARS = 2_000;

function fail(message: string): never {
  process.stderr.write(`make get: ${message}\n`);
  process.exit(1);
}

const URL_PATTERN = /^https?:\/\//;

function readOutputs(path: string, stage: string | undefined): { baseUrl: string } {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch {
    fail(`${path} not found: deploy first with \`make build STAGE=${stage ?? "dev"}\``);
  }
  let outputs: Record<string, unknown>;
  try {
    outputs = JSON.parse(raw);
  } catch {
    fail(`${path} is not JSON`);
  }
  if (stage !== undefined && outputs.stage !== stage) {
    fail(
      `${path} describes stage "${String(outputs.stage)}", not "${stage}": ` +
        `run \`make build STAGE=${stage}\` (the file holds the last stage deployed)`,
    );
  }
  const url = (value: unknown) =>
    typeof value === "string" && URL_PATTERN.test(value) ? value : undefined;
  const baseUrl = url(outputs.domainUrl) ?? url(outputs.apiUrl);
  if (baseUrl === undefined) fail(`${path} has no apiUrl`);
  return { baseUrl };
}

async function call(base: string, check: Check): Promise<boolean> {
  const url = new URL(check.path, base).href;
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = await response.text();
    const ms = Math.round(performance.now() - started);
    const ok = check.accepted.includes(response.status);
    const preview =
      body.length > BODY_PREVIEW_CHARS
        ? `${body.slice(0, BODY_PREVIEW_CHARS)}… (${body.length} chars)`
        : body;
    process.stdout.write(
      `GET ${url} -> ${response.status} (${ms} ms)${ok ? "" : "  UNEXPECTED"}\n${preview}\n\n`,
    );
    return ok;
  } catch (error) {
    process.stdout.write(`GET ${url} -> failed: ${(error as Error).message}\n\n`);
    return false;
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      stage: { type: "string" },
      outputs: { type: "string", default: ".sst/outputs.json" },
    },
  });
  const { baseUrl } = readOutputs(values.outputs, values.stage);
  let failures = 0;
  for (const check of CHECKS) {
    if (!(await call(baseUrl, check))) failures++;
  }
  if (failures > 0) fail(`${failures} of ${CHECKS.length} calls failed`);
}

if (import.meta.main) await main();

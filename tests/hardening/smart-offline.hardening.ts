import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type RunningServer, startServer } from "../support/process";

/**
 * The service from source with its defaults and no SMART_UPSTREAM_URL: `/api/smart` hedges
 * against the simulated `/api/work` of the same process, so it answers with no network at all.
 */

const TRIES = 10;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ env: { SMART_UPSTREAM_URL: undefined } });
});

afterAll(async () => {
  await server?.stop();
});

describe("/api/smart out of the box", () => {
  it(`answers 200 to at least 9 of ${TRIES} requests with a 1 s deadline`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i < TRIES; i++) {
      const response = await fetch(`${server.url}/api/smart?timeout=1000`);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    console.info(`[smart-offline] statuses: ${statuses.join(" ")}`);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(9);
  });
});

import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshTable } from "../support/dynamodb-local";
import { type RunningServer, startServer } from "../support/process";

/**
 * Two service processes on one store: a mock created, changed or deleted through one is served
 * accordingly by the other on its very next request, and a response sequence is one sequence
 * across both. Run on a shared SQLite file and on a shared DynamoDB Local table.
 */

const JSONAPI = "application/vnd.api+json";
/** DynamoDB Local can take many seconds to start on a loaded machine. */
const STARTS_MS = 120_000;

const dir = mkdtempSync(join(tmpdir(), "echo-instances-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const document = (attributes: unknown) =>
  JSON.stringify({ data: { type: "endpoints", attributes } });

async function create(server: RunningServer, attributes: unknown): Promise<string> {
  const response = await fetch(`${server.url}/endpoints`, {
    method: "POST",
    headers: { "content-type": JSONAPI },
    body: document(attributes),
  });
  const body = (await response.json()) as { data: { id: string } };
  expect(response.status).toBe(201);
  return body.data.id;
}

async function answer(server: RunningServer, path: string): Promise<string> {
  const response = await fetch(`${server.url}${path}`);
  const text = await response.text();
  return response.status === 200 ? text : String(response.status);
}

function instancesOn(name: string, env: () => Promise<Record<string, string>>) {
  describe(`two instances on one ${name} store`, () => {
    const servers: RunningServer[] = [];
    const pair = async () => {
      const shared = await env();
      for (let i = 0; i < 2; i++) {
        servers.push(
          await startServer({ env: { LOG_LEVEL: "warn", ...shared }, timeoutMs: STARTS_MS }),
        );
      }
      return servers as [RunningServer, RunningServer];
    };
    afterAll(async () => {
      for (const server of servers.splice(0)) await server.stop();
    });

    it(
      "serves a create, a change and a delete made through the other on its next request",
      async () => {
        const [one, two] = await pair();
        // Warm the second instance's index first, so the test sees it refreshed, not built.
        expect(await answer(two, "/ryw/1")).toBe("404");
        const id = await create(one, {
          verb: "GET",
          path: "/ryw/{n}",
          response: { code: 200, body: "first {{request.params.n}}", template: true },
        });
        expect(await answer(two, "/ryw/1")).toBe("first 1");
        const patched = await fetch(`${one.url}/endpoints/${id}`, {
          method: "PATCH",
          headers: { "content-type": JSONAPI },
          body: JSON.stringify({
            data: { type: "endpoints", attributes: { response: { code: 200, body: "second" } } },
          }),
        });
        expect(patched.status).toBe(200);
        expect(await answer(two, "/ryw/1")).toBe("second");
        expect((await fetch(`${one.url}/endpoints/${id}`, { method: "DELETE" })).status).toBe(204);
        expect(await answer(two, "/ryw/1")).toBe("404");
      },
      STARTS_MS,
    );

    it("steps through one response sequence across both instances", async () => {
      const [one, two] = servers as [RunningServer, RunningServer];
      await create(two, {
        verb: "GET",
        path: "/shared-sequence",
        responses: [1, 2, 3, 4].map((n) => ({ code: 200, body: String(n) })),
      });
      const seen = [
        await answer(one, "/shared-sequence"),
        await answer(two, "/shared-sequence"),
        await answer(one, "/shared-sequence"),
        await answer(two, "/shared-sequence"),
      ];
      expect(seen).toEqual(["1", "2", "3", "4"]);
    });
  });
}

instancesOn("SQLite file", async () => ({ SQLITE_PATH: join(dir, "shared.sqlite") }));

instancesOn("DynamoDB Local", async () => {
  const { endpoint, tableName } = await freshTable("echo-instances");
  return {
    DYNAMODB_TABLE: tableName,
    DYNAMODB_ENDPOINT: endpoint,
    DYNAMODB_TIMEOUT_MS: "5000",
  };
});

import { afterAll, afterEach, describe, expect, it } from "bun:test";
import {
  type EndpointAttributes,
  EndpointLimitError,
  RouteTakenError,
  SEED_USERS,
  type Store,
} from "../../src/store/store";
import { greeting } from "../support/fixtures";
import { mockAttributesContract } from "./contract-mocks";
import { journalContract } from "./journal-contract";

/**
 * The one contract every store backend passes. Each backend's test file calls
 * `storeContract(...)` with a factory that opens a fresh store.
 */

export interface ContractOptions {
  /** The most endpoints the opened store may hold (`config.echoMaxEndpoints` in the service). */
  maxEndpoints: number;
  /** Journal entries kept (`config.echoJournalSize`); 0 turns recording off. */
  journalSize?: number;
}

/**
 * Opens a store holding no endpoints and the seed users. Each `it` opens its own
 * store and closes it afterwards, so a factory must not hand out shared state.
 */
export type OpenStore = (options: ContractOptions) => Promise<Store>;

const DEFAULT_LIMIT = 1_000;

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

export function storeContract(name: string, open: OpenStore, cleanup?: () => Promise<void>) {
  describe(`store contract: ${name}`, () => {
    const opened: Store[] = [];
    const fresh = async (options: Partial<ContractOptions> = {}) => {
      const store = await open({ maxEndpoints: DEFAULT_LIMIT, ...options });
      opened.push(store);
      return store;
    };

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });
    if (cleanup) afterAll(cleanup);

    journalContract((options = {}) => fresh(options));

    describe("users", () => {
      it("lists the seed users in seed order", async () => {
        const store = await fresh();
        expect(await store.users.listUsers()).toEqual(SEED_USERS.map((u) => ({ ...u })));
      });

      it("gets one user by exact name", async () => {
        const store = await fresh();
        expect(await store.users.getUser("Sam")).toEqual({ user: "Sam", tocos: 200 });
      });

      it("matches user names case-sensitively", async () => {
        const store = await fresh();
        expect(await store.users.getUser("sam")).toBeUndefined();
      });

      it("returns undefined for an unknown user", async () => {
        const store = await fresh();
        expect(await store.users.getUser("Nobody")).toBeUndefined();
      });
    });

    describe("endpoints: create and read", () => {
      it("starts empty", async () => {
        const store = await fresh();
        expect(await store.endpoints.list()).toEqual([]);
        expect(await store.endpoints.count()).toBe(0);
      });

      it("creates an endpoint with a non-empty string id and the given attributes", async () => {
        const store = await fresh();
        const created = await store.endpoints.create(greeting());
        expect(typeof created.id).toBe("string");
        expect(created.id.length).toBeGreaterThan(0);
        expect(created).toEqual({ id: created.id, ...greeting() });
      });

      it("gives every endpoint a distinct id", async () => {
        const store = await fresh();
        const ids = new Set<string>();
        for (let i = 0; i < 10; i++) {
          ids.add((await store.endpoints.create(greeting({ path: `/p${i}` }))).id);
        }
        expect(ids.size).toBe(10);
      });

      it("gets an endpoint by id", async () => {
        const store = await fresh();
        const created = await store.endpoints.create(greeting());
        expect(await store.endpoints.get(created.id)).toEqual(created);
      });

      it("returns undefined for an unknown id", async () => {
        const store = await fresh();
        await store.endpoints.create(greeting());
        expect(await store.endpoints.get("no-such-id")).toBeUndefined();
        expect(await store.endpoints.get("0190a0b0-0000-7000-8000-000000000000")).toBeUndefined();
      });

      it("finds an endpoint by exact verb and path", async () => {
        const store = await fresh();
        const created = await store.endpoints.create(greeting());
        expect(await store.endpoints.findByRoute("GET", "/greeting")).toEqual(created);
      });

      it("does not find a route under another verb", async () => {
        const store = await fresh();
        await store.endpoints.create(greeting());
        expect(await store.endpoints.findByRoute("POST", "/greeting")).toBeUndefined();
        expect(await store.endpoints.findByRoute("get", "/greeting")).toBeUndefined();
      });

      it("matches paths case-sensitively, with a significant trailing slash and no prefixes", async () => {
        const store = await fresh();
        await store.endpoints.create(greeting());
        expect(await store.endpoints.findByRoute("GET", "/Greeting")).toBeUndefined();
        expect(await store.endpoints.findByRoute("GET", "/greeting/")).toBeUndefined();
        expect(await store.endpoints.findByRoute("GET", "/greet")).toBeUndefined();
        expect(await store.endpoints.findByRoute("GET", "/greeting/x")).toBeUndefined();
      });

      it("lists endpoints in creation order", async () => {
        const store = await fresh();
        const paths = ["/zeta", "/alpha", "/mid", "/b", "/a", "/zz", "/0", "/y", "/c", "/x"];
        const created = [];
        for (const path of paths) created.push(await store.endpoints.create(greeting({ path })));
        expect(await store.endpoints.list()).toEqual(created);
      });

      it("counts endpoints", async () => {
        const store = await fresh();
        for (let i = 0; i < 3; i++) await store.endpoints.create(greeting({ path: `/c${i}` }));
        expect(await store.endpoints.count()).toBe(3);
      });

      it("keeps absent headers and body absent", async () => {
        const store = await fresh();
        const created = await store.endpoints.create({
          verb: "DELETE",
          path: "/bare",
          response: { code: 204 },
        });
        const read = await store.endpoints.get(created.id);
        expect(read?.response).toEqual({ code: 204 });
        expect(read?.response?.headers).toBeUndefined();
        expect(read?.response?.body).toBeUndefined();
      });

      it("keeps an empty body and empty headers distinct from absent ones", async () => {
        const store = await fresh();
        const created = await store.endpoints.create({
          verb: "GET",
          path: "/empty",
          response: { code: 200, headers: {}, body: "" },
        });
        const read = await store.endpoints.findByRoute("GET", "/empty");
        expect(read?.response?.body).toBe("");
        expect(read?.response?.headers).toEqual({});
        expect(read).toEqual(created);
      });

      it("stores bodies, headers and paths verbatim, unicode and all", async () => {
        const store = await fresh();
        const attributes: EndpointAttributes = {
          verb: "PUT",
          path: "/ünï/cødé/%20/😀",
          response: {
            code: 418,
            headers: { "X-Emoji": "😀", "Set-Cookie": "a=b; Path=/", "x-lower": "  spaced  " },
            body: '  {"a": 1}\n\t"quoted" \\ backslash ünïcødé 😀 \u0000 nul ',
          },
        };
        const created = await store.endpoints.create(attributes);
        expect(await store.endpoints.findByRoute("PUT", "/ünï/cødé/%20/😀")).toEqual({
          id: created.id,
          ...attributes,
        });
      });

      it("stores a 256 KiB body and a 2048-character path", async () => {
        const store = await fresh();
        const path = `/${"p".repeat(2047)}`;
        const body = "b".repeat(256 * 1024);
        const created = await store.endpoints.create({
          verb: "POST",
          path,
          response: { code: 200, body },
        });
        const read = await store.endpoints.findByRoute("POST", path);
        expect(read?.id).toBe(created.id);
        expect(read?.response?.body).toBe(body);
      });

      it("does not let callers mutate stored records through returned objects", async () => {
        const store = await fresh();
        const created = await store.endpoints.create(greeting());
        const response = created.response ?? { code: 0 };
        response.code = 500;
        if (response.headers) response.headers.Injected = "yes";
        expect(await store.endpoints.get(created.id)).toEqual({ id: created.id, ...greeting() });
      });
    });

    describe("endpoints: uniqueness of verb and path", () => {
      it("refuses a second endpoint for the same verb and path", async () => {
        const store = await fresh();
        await store.endpoints.create(greeting());
        const error = await rejectionOf(
          store.endpoints.create(greeting({ response: { code: 201 } })),
        );
        expect(error).toBeInstanceOf(RouteTakenError);
      });

      it("leaves the store unchanged after a refused duplicate", async () => {
        const store = await fresh();
        const first = await store.endpoints.create(greeting());
        await rejectionOf(store.endpoints.create(greeting({ response: { code: 201 } })));
        expect(await store.endpoints.list()).toEqual([first]);
        expect(await store.endpoints.count()).toBe(1);
      });

      it("allows the same path under different verbs", async () => {
        const store = await fresh();
        await store.endpoints.create(greeting());
        await store.endpoints.create(greeting({ verb: "POST" }));
        expect(await store.endpoints.count()).toBe(2);
      });

      it("lets exactly one of 20 concurrent creates of one route succeed", async () => {
        const store = await fresh();
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            store.endpoints.create(greeting({ response: { code: 200, body: `racer ${i}` } })),
          ),
        );
        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r) => r.status === "rejected");
        expect(won).toHaveLength(1);
        expect(lost.every((r) => r.reason instanceof RouteTakenError)).toBe(true);
        expect(await store.endpoints.count()).toBe(1);
        const stored = await store.endpoints.findByRoute("GET", "/greeting");
        expect(stored).toEqual((won[0] as PromiseFulfilledResult<unknown>).value as typeof stored);
      });
    });

    describe("endpoints: update", () => {
      it("replaces only the attributes given", async () => {
        const store = await fresh();
        const created = await store.endpoints.create(greeting());
        const updated = await store.endpoints.update(created.id, { verb: "POST" });
        expect(updated).toEqual({ ...created, verb: "POST" });
        expect(await store.endpoints.get(created.id)).toEqual({ ...created, verb: "POST" });
      });

      it("replaces the whole response object when a response is given", async () => {
        const store = await fresh();
        const created = await store.endpoints.create(greeting());
        const updated = await store.endpoints.update(created.id, { response: { code: 404 } });
        expect(updated?.response).toEqual({ code: 404 });
        expect((await store.endpoints.get(created.id))?.response).toEqual({ code: 404 });
      });

      it("moves the route lookup to the new verb and path", async () => {
        const store = await fresh();
        const created = await store.endpoints.create(greeting());
        await store.endpoints.update(created.id, { verb: "PATCH", path: "/moved" });
        expect(await store.endpoints.findByRoute("GET", "/greeting")).toBeUndefined();
        expect((await store.endpoints.findByRoute("PATCH", "/moved"))?.id).toBe(created.id);
      });

      it("frees the old route for a new endpoint", async () => {
        const store = await fresh();
        const created = await store.endpoints.create(greeting());
        await store.endpoints.update(created.id, { path: "/moved" });
        const again = await store.endpoints.create(greeting());
        expect(again.id).not.toBe(created.id);
      });

      it("keeps the id and the position in the list", async () => {
        const store = await fresh();
        const first = await store.endpoints.create(greeting({ path: "/one" }));
        const second = await store.endpoints.create(greeting({ path: "/two" }));
        await store.endpoints.update(first.id, { path: "/one-moved" });
        const ids = (await store.endpoints.list()).map((e) => e.id);
        expect(ids).toEqual([first.id, second.id]);
      });

      it("accepts an update to the endpoint's own route", async () => {
        const store = await fresh();
        const created = await store.endpoints.create(greeting());
        const updated = await store.endpoints.update(created.id, {
          verb: "GET",
          path: "/greeting",
          response: { code: 202 },
        });
        expect(updated).toEqual({ ...created, response: { code: 202 } });
      });

      it("returns the endpoint unchanged for an empty change set", async () => {
        const store = await fresh();
        const created = await store.endpoints.create(greeting());
        expect(await store.endpoints.update(created.id, {})).toEqual(created);
      });

      it("refuses to move an endpoint onto a taken route", async () => {
        const store = await fresh();
        await store.endpoints.create(greeting());
        const other = await store.endpoints.create(greeting({ path: "/other" }));
        const error = await rejectionOf(store.endpoints.update(other.id, { path: "/greeting" }));
        expect(error).toBeInstanceOf(RouteTakenError);
      });

      it("leaves the endpoint unchanged after a refused move", async () => {
        const store = await fresh();
        await store.endpoints.create(greeting());
        const other = await store.endpoints.create(greeting({ path: "/other" }));
        await rejectionOf(
          store.endpoints.update(other.id, { path: "/greeting", response: { code: 500 } }),
        );
        expect(await store.endpoints.get(other.id)).toEqual(other);
        expect((await store.endpoints.findByRoute("GET", "/other"))?.id).toBe(other.id);
      });

      it("returns undefined for an unknown id", async () => {
        const store = await fresh();
        expect(await store.endpoints.update("no-such-id", { verb: "POST" })).toBeUndefined();
        expect(await store.endpoints.count()).toBe(0);
      });
    });

    describe("endpoints: delete", () => {
      it("deletes an endpoint and reports it", async () => {
        const store = await fresh();
        const created = await store.endpoints.create(greeting());
        expect(await store.endpoints.delete(created.id)).toBe(true);
        expect(await store.endpoints.get(created.id)).toBeUndefined();
      });

      it("removes the route lookup and the count", async () => {
        const store = await fresh();
        const created = await store.endpoints.create(greeting());
        await store.endpoints.delete(created.id);
        expect(await store.endpoints.findByRoute("GET", "/greeting")).toBeUndefined();
        expect(await store.endpoints.count()).toBe(0);
        expect(await store.endpoints.list()).toEqual([]);
      });

      it("frees the route for a new endpoint", async () => {
        const store = await fresh();
        const created = await store.endpoints.create(greeting());
        await store.endpoints.delete(created.id);
        const again = await store.endpoints.create(greeting());
        expect(await store.endpoints.findByRoute("GET", "/greeting")).toEqual(again);
      });

      it("returns false for an unknown id", async () => {
        const store = await fresh();
        expect(await store.endpoints.delete("no-such-id")).toBe(false);
      });

      it("returns false when deleting twice", async () => {
        const store = await fresh();
        const created = await store.endpoints.create(greeting());
        await store.endpoints.delete(created.id);
        expect(await store.endpoints.delete(created.id)).toBe(false);
      });
    });

    mockAttributesContract(() => fresh());

    describe("endpoints: the limit", () => {
      it("refuses a create at the limit", async () => {
        const store = await fresh({ maxEndpoints: 3 });
        for (let i = 0; i < 3; i++) await store.endpoints.create(greeting({ path: `/l${i}` }));
        const error = await rejectionOf(store.endpoints.create(greeting({ path: "/over" })));
        expect(error).toBeInstanceOf(EndpointLimitError);
        expect(await store.endpoints.count()).toBe(3);
        expect(await store.endpoints.findByRoute("GET", "/over")).toBeUndefined();
      });

      it("accepts a create again after a delete", async () => {
        const store = await fresh({ maxEndpoints: 2 });
        const first = await store.endpoints.create(greeting({ path: "/l0" }));
        await store.endpoints.create(greeting({ path: "/l1" }));
        await store.endpoints.delete(first.id);
        await store.endpoints.create(greeting({ path: "/l2" }));
        expect(await store.endpoints.count()).toBe(2);
      });

      it("does not count a refused duplicate against the limit", async () => {
        const store = await fresh({ maxEndpoints: 2 });
        await store.endpoints.create(greeting({ path: "/l0" }));
        await rejectionOf(store.endpoints.create(greeting({ path: "/l0" })));
        await store.endpoints.create(greeting({ path: "/l1" }));
        expect(await store.endpoints.count()).toBe(2);
      });

      it("holds under 20 concurrent creates of distinct routes", async () => {
        const store = await fresh({ maxEndpoints: 5 });
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            store.endpoints.create(greeting({ path: `/r${i}` })),
          ),
        );
        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r) => r.status === "rejected");
        expect(won).toHaveLength(5);
        expect(lost.every((r) => r.reason instanceof EndpointLimitError)).toBe(true);
        expect(await store.endpoints.count()).toBe(5);
      });

      it("does not count updates against the limit", async () => {
        const store = await fresh({ maxEndpoints: 1 });
        const only = await store.endpoints.create(greeting());
        expect((await store.endpoints.update(only.id, { path: "/moved" }))?.path).toBe("/moved");
      });
    });
  });
}

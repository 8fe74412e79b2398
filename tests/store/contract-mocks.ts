import { describe, expect, it } from "bun:test";
import { type EndpointAttributes, RouteTakenError, type Store } from "../../src/store/store";
import { greeting } from "../support/fixtures";

/**
 * The store contract for the attributes of matching and responses: every backend keeps them
 * verbatim, enforces the conflict rule, counts hits atomically and reports a version token.
 */

export const everyAttribute = (): EndpointAttributes => ({
  verb: "POST",
  path: "/orders/{id}/items/{rest*}",
  request: {
    query: { lang: "en", "": "empty name" },
    headers: { "X-Tenant": "acme" },
    body: { json: { order: { kind: "book", tags: ["a", 1, null, true] }, n: 1.5, empty: "" } },
  },
  priority: -7,
  responses: [
    { code: 200, body: "{{uuid}}", template: true, delay: 250, weight: 2 },
    { code: 503, headers: { "Retry-After": "1" }, delay: { min: 10, max: 20 } },
    { code: 200, fault: "close", weight: 1 },
  ],
  order: "random",
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

export function mockAttributesContract(fresh: () => Promise<Store>) {
  describe("endpoints: matching and response attributes", () => {
    it("keeps every attribute verbatim through create, get, list and findByRoute", async () => {
      const store = await fresh();
      const created = await store.endpoints.create(everyAttribute());
      expect(created).toEqual({ id: created.id, ...everyAttribute() });
      expect(await store.endpoints.get(created.id)).toEqual(created);
      expect(await store.endpoints.list()).toEqual([created]);
      const plain = await store.endpoints.create(greeting({ path: "/users/{id}" }));
      expect(await store.endpoints.findByRoute("GET", "/users/{}")).toEqual(plain);
    });

    it("treats mocks equal in verb, path shape, request and priority as one route", async () => {
      const store = await fresh();
      await store.endpoints.create(everyAttribute());
      const renamed = { ...everyAttribute(), path: "/orders/{oid}/items/{all*}" };
      expect(await rejection(store.endpoints.create(renamed))).toBeInstanceOf(RouteTakenError);
      const headerCase = structuredClone(renamed);
      headerCase.request = { ...headerCase.request, headers: { "x-tenant": "acme" } };
      expect(await rejection(store.endpoints.create(headerCase))).toBeInstanceOf(RouteTakenError);
    });

    it("accepts mocks that differ only in request or priority", async () => {
      const store = await fresh();
      await store.endpoints.create(everyAttribute());
      await store.endpoints.create({ ...everyAttribute(), priority: 0 });
      await store.endpoints.create({ ...everyAttribute(), request: { query: { lang: "de" } } });
      await store.endpoints.create({ ...everyAttribute(), request: undefined, priority: 0 });
      expect(await store.endpoints.count()).toBe(4);
    });

    it("replaces response by responses on update, and back", async () => {
      const store = await fresh();
      const created = await store.endpoints.create(greeting());
      const listed = await store.endpoints.update(created.id, {
        responses: [{ code: 200 }],
        order: "cycle",
      });
      expect(listed?.response).toBeUndefined();
      expect(listed?.responses).toEqual([{ code: 200 }]);
      const single = await store.endpoints.update(created.id, { response: { code: 201 } });
      expect(single).toEqual({ id: created.id, ...greeting(), response: { code: 201 } });
      expect(await store.endpoints.get(created.id)).toEqual(single);
    });

    it("counts hits one by one, from 1, and starts again after an update", async () => {
      const store = await fresh();
      const { id } = await store.endpoints.create(everyAttribute());
      const counts = await Promise.all(Array.from({ length: 5 }, () => store.endpoints.hit(id)));
      expect(counts.sort()).toEqual([1, 2, 3, 4, 5]);
      await store.endpoints.update(id, { priority: 1 });
      expect(await store.endpoints.hit(id)).toBe(1);
      expect(await store.endpoints.get(id)).toEqual({ id, ...everyAttribute(), priority: 1 });
    });

    it("has no hit count for an unknown or deleted id", async () => {
      const store = await fresh();
      const { id } = await store.endpoints.create(greeting());
      await store.endpoints.delete(id);
      expect(await store.endpoints.hit(id)).toBeUndefined();
      expect(await store.endpoints.hit("no-such-id")).toBeUndefined();
    });

    it("changes its version on create, update and delete, and not on a hit", async () => {
      const store = await fresh();
      const versions = [await store.endpoints.version()];
      const { id } = await store.endpoints.create(greeting());
      versions.push(await store.endpoints.version());
      await store.endpoints.update(id, { priority: 3 });
      versions.push(await store.endpoints.version());
      await store.endpoints.hit(id);
      expect(await store.endpoints.version()).toBe(versions[2] as string);
      await store.endpoints.delete(id);
      versions.push(await store.endpoints.version());
      expect(new Set(versions).size).toBe(4);
    });
  });
}

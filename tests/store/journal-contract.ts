import { describe, expect, it } from "bun:test";
import type { JournalEntry } from "../../src/store/journal";
import type { Store } from "../../src/store/store";

/** The journal part of the store contract; `fresh` opens an empty store (see contract.ts). */

export type FreshStore = (options?: { journalSize?: number }) => Promise<Store>;

let sequence = 0;

/** A journal entry with a fresh time-ordered id; unmatched unless `endpoint` is given. */
export const journalEntry = (overrides: Partial<JournalEntry> = {}): JournalEntry => ({
  id: Bun.randomUUIDv7(),
  time: new Date().toISOString(),
  method: "GET",
  path: `/called/${++sequence}`,
  query: "a=1",
  headers: { "user-agent": "contract", authorization: "<redacted>" },
  body: "",
  bodyTruncated: false,
  status: 404,
  endpoint: null,
  ...overrides,
});

async function recordAll(store: Store, entries: JournalEntry[]) {
  for (const entry of entries) await store.journal.record(entry);
  return entries;
}

// Typed loosely, so expected lists may hold the possibly-undefined ids of destructured arrays.
const ids = (entries: JournalEntry[]): (string | undefined)[] => entries.map((e) => e.id);

export function journalContract(fresh: FreshStore) {
  describe("journal", () => {
    it("lists an entry as soon as its record resolves, with every field", async () => {
      const store = await fresh();
      const entry = journalEntry({
        method: "POST",
        body: "x".repeat(10),
        bodyTruncated: true,
        status: 201,
        endpoint: "e-1",
      });
      await store.journal.record(entry);
      expect(await store.journal.list({ limit: 10 })).toEqual([entry]);
    });

    it("lists newest first", async () => {
      const store = await fresh();
      const entries = await recordAll(store, [journalEntry(), journalEntry(), journalEntry()]);
      expect(ids(await store.journal.list({ limit: 10 }))).toEqual(ids(entries).reverse());
    });

    it("gets one entry by id, and nothing for an unknown id", async () => {
      const store = await fresh();
      const [first, second] = await recordAll(store, [journalEntry(), journalEntry()]);
      expect(await store.journal.get(first?.id ?? "")).toEqual(first);
      expect(await store.journal.get(second?.id ?? "")).toEqual(second);
      expect(await store.journal.get(Bun.randomUUIDv7())).toBeUndefined();
      expect(await store.journal.get("not-an-id")).toBeUndefined();
    });

    it("pages with a limit and the id of the last entry seen", async () => {
      const store = await fresh();
      const entries = await recordAll(
        store,
        Array.from({ length: 5 }, () => journalEntry()),
      );
      const newestFirst = ids(entries).reverse();
      const first = await store.journal.list({ limit: 2 });
      expect(ids(first)).toEqual(newestFirst.slice(0, 2));
      const second = await store.journal.list({ limit: 2, after: first[1]?.id });
      expect(ids(second)).toEqual(newestFirst.slice(2, 4));
      const last = await store.journal.list({ limit: 2, after: second[1]?.id });
      expect(ids(last)).toEqual(newestFirst.slice(4));
    });

    it("filters by endpoint, matched, method and path", async () => {
      const store = await fresh();
      const recorded = await recordAll(store, [
        journalEntry({ endpoint: "a", status: 200, path: "/a" }),
        journalEntry({ endpoint: "b", status: 200, path: "/b" }),
        journalEntry({ path: "/a" }),
        journalEntry({ method: "POST", path: "/b" }),
      ]);
      const [hitA, hitB, miss, post] = ids(recorded);
      const list = (filters: object) => store.journal.list({ limit: 10, ...filters }).then(ids);
      expect(await list({ endpoint: "a" })).toEqual([hitA]);
      expect(await list({ matched: true })).toEqual([hitB, hitA]);
      expect(await list({ matched: false })).toEqual([post, miss]);
      expect(await list({ method: "POST" })).toEqual([post]);
      expect(await list({ path: "/a" })).toEqual([miss, hitA]);
      expect(await list({ path: "/b", matched: false })).toEqual([post]);
    });

    it("fills a page through entries the filters drop", async () => {
      const store = await fresh();
      const wanted = await recordAll(store, [journalEntry({ method: "PUT" })]);
      await recordAll(
        store,
        Array.from({ length: 30 }, () => journalEntry()),
      );
      expect(ids(await store.journal.list({ limit: 5, method: "PUT" }))).toEqual(ids(wanted));
    });

    it("clears every entry, and lists what is recorded afterwards", async () => {
      const store = await fresh();
      const [old] = await recordAll(store, [journalEntry(), journalEntry()]);
      await store.journal.clear();
      expect(await store.journal.list({ limit: 10 })).toEqual([]);
      expect(await store.journal.get(old?.id ?? "")).toBeUndefined();
      const after = await recordAll(store, [journalEntry()]);
      expect(ids(await store.journal.list({ limit: 10 }))).toEqual(ids(after));
    });

    it("records nothing with a journal size of 0", async () => {
      const store = await fresh({ journalSize: 0 });
      expect(store.journal.enabled).toBe(false);
      const [entry] = await recordAll(store, [journalEntry()]);
      expect(await store.journal.list({ limit: 10 })).toEqual([]);
      expect(await store.journal.get(entry?.id ?? "")).toBeUndefined();
    });
  });
}

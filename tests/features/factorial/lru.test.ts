import { describe, expect, it } from "bun:test";
import { SizeBoundedLru } from "../../../src/features/factorial/lru";

const byLength = (value: string) => value.length;

describe("SizeBoundedLru", () => {
  it("returns what was stored", () => {
    const lru = new SizeBoundedLru<number, string>(10, byLength);
    lru.set(1, "abc");
    expect(lru.get(1)).toBe("abc");
    expect(lru.get(2)).toBeUndefined();
  });

  it("evicts the least recently used entries when the total size exceeds the budget", () => {
    const lru = new SizeBoundedLru<number, string>(10, byLength);
    lru.set(1, "aaaa");
    lru.set(2, "bbbb");
    lru.set(3, "cccc");
    expect(lru.keys()).toEqual([2, 3]);
    expect(lru.totalSize).toBe(8);
  });

  it("counts a read as a use, so a read entry outlives older unread ones", () => {
    const lru = new SizeBoundedLru<number, string>(10, byLength);
    lru.set(1, "aaaa");
    lru.set(2, "bbbb");
    lru.get(1);
    lru.set(3, "cccc");
    expect(lru.keys()).toEqual([1, 3]);
  });

  it("evicts as many entries as needed to fit a large value", () => {
    const lru = new SizeBoundedLru<number, string>(10, byLength);
    lru.set(1, "aa");
    lru.set(2, "bb");
    lru.set(3, "cc");
    lru.set(4, "dddddddd");
    expect(lru.keys()).toEqual([3, 4]);
    expect(lru.totalSize).toBe(10);
  });

  it("does not store a value larger than the whole budget, and keeps the others", () => {
    const lru = new SizeBoundedLru<number, string>(10, byLength);
    lru.set(1, "aa");
    lru.set(2, "x".repeat(11));
    expect(lru.has(2)).toBe(false);
    expect(lru.keys()).toEqual([1]);
  });

  it("replaces a value under the same key and recounts its size", () => {
    const lru = new SizeBoundedLru<number, string>(10, byLength);
    lru.set(1, "aaaaaa");
    lru.set(1, "b");
    expect(lru.get(1)).toBe("b");
    expect(lru.count).toBe(1);
    expect(lru.totalSize).toBe(1);
  });

  it("stores nothing with a zero budget", () => {
    const lru = new SizeBoundedLru<number, string>(0, byLength);
    lru.set(1, "a");
    expect(lru.count).toBe(0);
  });
});

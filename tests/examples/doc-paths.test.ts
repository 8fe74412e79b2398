import { describe, expect, it } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

// Docs name files of the repository, and link to each other: neither may point at nothing.
const pages = ["README.md", ...new Bun.Glob("docs/*.md").scanSync(".")].sort();
const REPO_PATH =
  /`((?:src|tests|bench|infra|ops|scripts|events|docs|mk)\/[A-Za-z0-9_./-]+\.[a-z]+)`/g;
const LINK = /\]\(([^)#\s]+)(?:#[^)]*)?\)/g;

describe("paths and links in README.md and docs/", () => {
  for (const page of pages) {
    it(`${page} names only files that exist`, () => {
      const text = readFileSync(page, "utf8");
      const named = [...text.matchAll(REPO_PATH)].map((m) => m[1] as string);
      const linked = [...text.matchAll(LINK)]
        .map((m) => m[1] as string)
        .filter((target) => !/^[a-z]+:/.test(target))
        .map((target) => join(dirname(page), target));
      expect([...named, ...linked].filter((path) => !existsSync(path))).toEqual([]);
    });
  }
});

describe("README.md", () => {
  it("stays a five-minute read: at most 12 KB, the depth in docs/", () => {
    expect(statSync("README.md").size).toBeLessThanOrEqual(12 * 1024);
  });
});

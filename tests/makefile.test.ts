import { describe, expect, it } from "bun:test";
import { readFileSync } from "node:fs";

const makefiles = ["Makefile", ...new Bun.Glob("mk/*.mk").scanSync(".")];
const phony = makefiles.flatMap((file) =>
  [...readFileSync(file, "utf8").matchAll(/^\.PHONY:(.*)$/gm)].flatMap((m) =>
    (m[1] as string).trim().split(/\s+/),
  ),
);

describe("make help", () => {
  const listed = Bun.stripANSI(
    Bun.spawnSync(["make", "--no-print-directory", "help"]).stdout.toString(),
  )
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0]);

  it("finds the phony targets it checks, e2e among them", () => {
    expect(phony).toContain("e2e");
    expect(phony.length).toBeGreaterThan(10);
  });

  it("lists every phony target", () => {
    expect(phony.filter((target) => !listed.includes(target))).toEqual([]);
  });
});

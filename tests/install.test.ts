import { describe, expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import packageJson from "../package.json";

// `make dev` installs only `dependencies` (bun install --production): whatever the service
// imports at run time must be there, not in `devDependencies`.
const packageOf = (specifier: string) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];

const transpiler = new Bun.Transpiler({ loader: "ts" });
const imported = new Set<string>();
for (const file of new Bun.Glob("src/**/*.ts").scanSync(".")) {
  if (file.endsWith(".d.ts")) continue;
  for (const { path, kind } of transpiler.scanImports(readFileSync(file, "utf8"))) {
    if (kind === "import-statement" || kind === "dynamic-import" || kind === "require-call") {
      if (!path.startsWith(".") && !path.startsWith("bun") && !path.startsWith("node:")) {
        imported.add(packageOf(path) as string);
      }
    }
  }
}

describe("the runtime install", () => {
  it("holds every package the service imports", () => {
    const runtime = Object.keys(packageJson.dependencies);
    const missing = [...imported].filter(
      (name) => !runtime.includes(name) && !builtinModules.includes(name),
    );
    expect(imported.size).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });

  it("is what make dev installs", () => {
    const makefile = readFileSync("Makefile", "utf8");
    expect(makefile).toMatch(/^dev: node_modules\/\.installed-runtime /m);
    expect(makefile).toMatch(
      /^node_modules\/\.installed-runtime:.*\n\t\$\(BUN\) install --frozen-lockfile --production$/m,
    );
  });
});

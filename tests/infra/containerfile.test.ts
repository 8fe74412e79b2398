import { describe, expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DockerfileParser, type Instruction } from "dockerfile-ast";
import { validate } from "dockerfile-utils";
import { ADAPTER_ENVIRONMENT } from "../../infra/function";
import packageJson from "../../package.json" with { type: "json" };

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const text = readFileSync(`${ROOT}Containerfile`, "utf8");
const dockerfile = DockerfileParser.parse(text);
const froms = dockerfile.getFROMs();
const builder = froms[0];
const final = froms[froms.length - 1];
const _lines = text.split("\n");
const lineOf = (instruction: Instruction) => instruction.getRange().start.line;
const adapterCopy = dockerfile
  .getCOPYs()
  .find((c) => c.getFromFlag()?.getValue()?.includes("/aws-lambda-adapter:"));

/** Instructions of the final stage: from its FROM to the end of the file. */
const finalStage = dockerfile
  .getInstructions()
  .filter((i) => final !== undefined && lineOf(i) >= lineOf(final));

const DIGEST = /@sha256:[0-9a-f]{64}$/;
const TAGGED = /^[^@\s]+:[\w][\w.-]*(@sha256:[0-9a-f]{64})?$/;

describe("Containerfile", () => {
  it("has no instruction the Dockerfile grammar rejects", () => {
    expect(validate(text).map((d) => d.message)).toEqual([]);
  });

  it("has a builder stage and a final stage", () => {
    expect(froms).toHaveLength(2);
    expect(builder?.getBuildStage()).toBe("build");
  });

  it("runs the builder natively on the build platform", () => {
    expect(builder?.getPlatformFlag()?.getValue()).toBe("$BUILDPLATFORM");
  });

  it("builds with the Bun version package.json pins", () => {
    expect(builder?.getImage()).toBe(`oven/bun:${packageJson.devDependencies.bun}`);
  });

  it("installs from the lockfile", () => {
    const runs = dockerfile.getInstructions().filter((i) => i.getKeyword() === "RUN");
    expect(runs.some((r) => r.getArgumentsContent()?.includes("--frozen-lockfile"))).toBe(true);
  });

  it("cross-compiles for the target architecture, arm64 or x64", () => {
    expect(text).toContain("ARG TARGETARCH");
    expect(text).toMatch(/arm64\) target=bun-linux-arm64 ;;/);
    expect(text).toMatch(/amd64\) target=bun-linux-x64 ;;/);
    expect(text).toContain(
      '--target="$target" src/main.ts src/features/factorial/worker.ts --outfile dist/server',
    );
  });

  it("pins the runtime base image by tag and digest", () => {
    const image = final?.getImage() ?? "";
    expect(image).toMatch(/^gcr\.io\/distroless\/base-nossl-debian1[2-9]:nonroot@/);
    expect(image).toMatch(DIGEST);
  });

  it("pins the Lambda Web Adapter 1.x by tag and digest", () => {
    const image = adapterCopy?.getFromFlag()?.getValue() ?? "";
    expect(image).toMatch(/^public\.ecr\.aws\/awsguru\/aws-lambda-adapter:1\.\d+\.\d+@/);
    expect(image).toMatch(DIGEST);
  });

  it("pins every image it uses at least by tag", () => {
    const images = [
      ...froms.map((f) => f.getImage() ?? ""),
      ...dockerfile
        .getCOPYs()
        .map((c) => c.getFromFlag()?.getValue() ?? "")
        .filter((from) => from.includes("/")),
    ];
    expect(images.filter((image) => !TAGGED.test(image))).toEqual([]);
  });

  it("installs the adapter as a Lambda extension", () => {
    expect(adapterCopy?.getArgumentsContent()).toBe(
      "/lambda-adapter /opt/extensions/lambda-adapter",
    );
  });

  it("sets the adapter environment the function sets", () => {
    const env = Object.fromEntries(
      dockerfile
        .getENVs()
        .flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()])),
    );
    expect(env).toMatchObject(ADAPTER_ENVIRONMENT);
  });

  it("keeps the SQLite file under /tmp, the only writable path on Lambda", () => {
    const env = Object.fromEntries(
      dockerfile
        .getENVs()
        .flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()])),
    );
    expect(env.SQLITE_PATH).toStartWith("/tmp/");
  });

  it("runs as the non-root user", () => {
    const users = finalStage.filter((i) => i.getKeyword() === "USER");
    expect(users.map((u) => u.getArgumentsContent())).toEqual(["nonroot"]);
  });

  it("only copies files in the final stage, so no emulation is needed", () => {
    expect(finalStage.filter((i) => i.getKeyword() === "RUN")).toEqual([]);
  });

  it("starts the compiled binary", () => {
    const entrypoint = finalStage.find((i) => i.getKeyword() === "ENTRYPOINT");
    expect(entrypoint?.getArgumentsContent()).toBe('["/app/server"]');
  });
});

describe(".dockerignore", () => {
  const ignore = readFileSync(`${ROOT}.dockerignore`, "utf8").split("\n");

  it("sends only what the build copies", () => {
    expect(ignore).toContain("*");
    const allowed = ignore.filter((line) => line.startsWith("!")).sort();
    expect(allowed).toEqual(["!bun.lock", "!package.json", "!src/", "!tsconfig.json"]);
  });
});

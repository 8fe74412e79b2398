import { afterAll, beforeAll, it as bunIt, describe, expect } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Each case runs make, which starts node and bun; on a busy machine that can take seconds. */
const it = (name: string, fn: () => void) => bunIt(name, fn, 30_000);

/**
 * A stand-in `docker` that logs each call and answers as an engine in a given state would:
 * FAKE_ENGINE up or down; FAKE_DRIVER, the current builder's driver (empty: `buildx inspect`
 * prints nothing); FAKE_STORE, containerd or classic, as `docker info` reports it.
 */
const FAKE_DOCKER = `#!/usr/bin/env bash
echo "$*" >> "$FAKE_LOG"
case "$1 \${2:-}" in
  "info "*)
    [ "$FAKE_ENGINE" = up ] || { echo "Cannot connect to the Docker daemon" >&2; exit 1; }
    if [ "$FAKE_STORE" = containerd ]; then echo '[["driver-type","io.containerd.snapshotter.v1"]]'
    else echo '[["Backing Filesystem","extfs"],["Supports d_type","true"]]'; fi ;;
  "buildx version") echo "github.com/docker/buildx v0.35.0" ;;
  "buildx inspect")
    if [ -n "\${3:-}" ]; then
      [ -e "$FAKE_BUILDERS/$3" ] || { echo "ERROR: no builder \\"$3\\" found" >&2; exit 1; }
      printf 'Name:   %s\\nDriver: docker-container\\n' "$3"
    elif [ -n "$FAKE_DRIVER" ]; then
      printf 'Name:          current\\nDriver:        %s\\n\\nNodes:\\nName:      current0\\n' "$FAKE_DRIVER"
    fi ;;
  "buildx create") touch "$FAKE_BUILDERS/$4" ;;
esac
exit 0
`;

/** Stand-ins for the AWS CLI (credentials that work) and SST (logs its call and DOMAIN). */
const FAKE_AWS = `#!/usr/bin/env bash
echo '{"Account": "123456789012"}'
`;
const FAKE_SST = `#!/usr/bin/env bash
echo "$* DOMAIN=$DOMAIN HOSTED_ZONE_ID=$HOSTED_ZONE_ID" >> "$FAKE_SST_LOG"
`;

let dir: string;
let shims: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "make-targets-"));
  shims = join(dir, "bin");
  mkdirSync(shims);
  for (const [name, script] of [
    ["docker", FAKE_DOCKER],
    ["aws", FAKE_AWS],
    ["sst", FAKE_SST],
  ] as const) {
    writeFileSync(join(shims, name), script);
    chmodSync(join(shims, name), 0o755);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Engine {
  engine?: "up" | "down";
  driver?: string;
  store?: "containerd" | "classic";
  /** Builders that already exist besides the current one. */
  builders?: string[];
}

function make(target: string, engine: Engine, ...vars: string[]) {
  const state = mkdtempSync(join(dir, "state-"));
  const builders = join(state, "builders");
  mkdirSync(builders);
  for (const name of engine.builders ?? []) writeFileSync(join(builders, name), "");
  const log = join(state, "docker.log");
  const sstLog = join(state, "sst.log");
  writeFileSync(log, "");
  writeFileSync(sstLog, "");
  // -o: the dependencies are installed already; make must not reinstall them here.
  const command = ["make", "-s", "-o", "install", "-o", "node_modules/.installed", target];
  const fixed = ["IMAGE_TAG=0123456789ab", `SST=${join(shims, "sst")}`];
  const result = Bun.spawnSync([...command, ...fixed, ...vars], {
    cwd: ROOT,
    env: {
      PATH: `${shims}:${process.env.PATH}`,
      HOME: dir,
      FAKE_LOG: log,
      FAKE_SST_LOG: sstLog,
      FAKE_BUILDERS: builders,
      FAKE_ENGINE: engine.engine ?? "up",
      FAKE_DRIVER: engine.driver ?? "",
      FAKE_STORE: engine.store ?? "classic",
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const calls = readFileSync(log, "utf8").trim().split("\n").filter(Boolean);
  return {
    code: result.exitCode,
    stderr: result.stderr.toString(),
    calls,
    build: calls.find((call) => call.startsWith("buildx build")),
    sst: readFileSync(sstLog, "utf8").trim().split("\n").filter(Boolean),
  };
}

const makeImage = (engine: Engine, ...vars: string[]) => make("image", engine, ...vars);

const ARCHIVE = "type=oci,dest=dist/tocos-service-0123456789ab.oci.tar";

describe("make image", () => {
  it("builds both platforms on the docker driver when the engine uses the containerd store", () => {
    const { code, build, calls } = makeImage({ driver: "docker", store: "containerd" });
    expect(code).toBe(0);
    expect(build).toContain("--builder current --platform linux/amd64,linux/arm64");
    expect(calls.some((call) => call.startsWith("buildx create"))).toBe(false);
  });

  it("creates and uses a docker-container builder when the docker driver has the classic store", () => {
    const { code, build, calls, stderr } = makeImage({ driver: "docker", store: "classic" });
    expect(code).toBe(0);
    expect(calls).toContain("buildx create --name tocos-service-builder --driver docker-container");
    expect(build).toContain("--builder tocos-service-builder");
    expect(stderr).toContain("classic image store");
  });

  it("reuses that builder once it exists", () => {
    const { build, calls } = makeImage({
      driver: "docker",
      store: "classic",
      builders: ["tocos-service-builder"],
    });
    expect(calls.some((call) => call.startsWith("buildx create"))).toBe(false);
    expect(build).toContain("--builder tocos-service-builder");
  });

  it("uses a docker-container builder that is already current", () => {
    const { build } = makeImage({ driver: "docker-container", store: "classic" });
    expect(build).toContain("--builder current");
  });

  it("writes an OCI archive to dist/ by default, so the result never stays in the cache only", () => {
    const { build } = makeImage({ driver: "docker-container" });
    expect(build).toEndWith(`--output ${ARCHIVE} .`);
  });

  it("pushes when asked to", () => {
    const { build } = makeImage(
      { driver: "docker-container" },
      "IMAGE=registry.example/team/tocos",
      "IMAGE_OUTPUT=type=registry",
    );
    expect(build).toContain("-t registry.example/team/tocos:0123456789ab --output type=registry .");
  });

  it("refuses an empty output, which would leave the image in the build cache only", () => {
    const { code, stderr, build } = makeImage({ driver: "docker-container" }, "IMAGE_OUTPUT=");
    expect(code).not.toBe(0);
    expect(stderr).toContain("IMAGE_OUTPUT is empty");
    expect(build).toBeUndefined();
  });

  it("stops with a message when buildx names no current builder", () => {
    const { code, stderr, build } = makeImage({ driver: "" });
    expect(code).not.toBe(0);
    expect(stderr).toContain("'docker buildx inspect' named no current builder");
    expect(build).toBeUndefined();
  });

  it("stops with a message when the engine is not running", () => {
    const { code, stderr, build } = makeImage({ engine: "down", driver: "docker" });
    expect(code).not.toBe(0);
    expect(stderr).toContain("the Docker engine is not reachable");
    expect(build).toBeUndefined();
  });
});

describe("make build", () => {
  const engine: Engine = { driver: "docker", store: "containerd" };

  it("deploys the stage with no custom domain by default", () => {
    const { code, sst } = make("build", engine);
    expect(code).toBe(0);
    expect(sst).toEqual(["deploy --stage dev DOMAIN= HOSTED_ZONE_ID="]);
  });

  it("hands DOMAIN and HOSTED_ZONE_ID to the deploy", () => {
    const { sst } = make("build", engine, "DOMAIN=api.example.com", "HOSTED_ZONE_ID=Z123");
    expect(sst).toEqual(["deploy --stage dev DOMAIN=api.example.com HOSTED_ZONE_ID=Z123"]);
  });

  it("stops on an invalid DOMAIN before Docker, AWS or SST are touched, saying why", () => {
    const { code, stderr, calls, sst } = make("build", engine, "DOMAIN=api..example.com");
    expect(code).not.toBe(0);
    expect(stderr).toContain('DOMAIN "api..example.com" is not a valid domain name');
    expect(calls).toEqual([]);
    expect(sst).toEqual([]);
  });
});

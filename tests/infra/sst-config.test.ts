import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Output, runtime, secret } from "@pulumi/pulumi";
import packageJson from "../../package.json" with { type: "json" };
import { type HostedZone, mockStack, outputValue } from "./pulumi-mocks";

/**
 * sst.config.ts runs inside SST, which provides `$config`, `$app`, `$cli` and `sst` as globals.
 * Here they are stood in for, so the file's own wiring runs under Pulumi's mocks.
 */
interface AppConfig {
  name: string;
  home: string;
  removal: string;
  protect: boolean;
  providers: Record<string, { version: string }>;
}
interface SstConfig {
  app(input: { stage: string }): AppConfig;
  run(): Promise<Record<string, unknown>>;
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
/** Loaded by URL: the file needs SST's generated types, so tsc is kept away from it. */
const SST_CONFIG = new URL("../../sst.config.ts", import.meta.url).href;
const TOKEN = "secret-set-with-sst-secret-set";
const globals = globalThis as Record<string, unknown>;
const previousAttestationSetting = process.env.BUILDX_NO_DEFAULT_ATTESTATIONS;
let config: SstConfig;

beforeAll(async () => {
  globals.$config = (input: SstConfig) => input;
  globals.$cli = { paths: { root: ROOT } };
  globals.sst = {
    Secret: class {
      value: Output<string> = secret(TOKEN);
    },
  };
  config = (await import(SST_CONFIG)).default as SstConfig;
});

afterAll(() => {
  for (const name of ["$config", "$cli", "$app", "sst"]) delete globals[name];
  delete process.env.DOMAIN;
  delete process.env.HOSTED_ZONE_ID;
  if (previousAttestationSetting === undefined) delete process.env.BUILDX_NO_DEFAULT_ATTESTATIONS;
  else process.env.BUILDX_NO_DEFAULT_ATTESTATIONS = previousAttestationSetting;
});

describe("sst.config.ts app()", () => {
  it("retains production's resources and protects the stage from sst remove", () => {
    const app = config.app({ stage: "production" });
    expect(app.removal).toBe("retain");
    expect(app.protect).toBe(true);
  });

  it("removes everything of any other stage", () => {
    const app = config.app({ stage: "dev" });
    expect(app.removal).toBe("remove");
    expect(app.protect).toBe(false);
  });

  it("pins the aws and docker-build providers to the versions package.json installs", () => {
    const { providers } = config.app({ stage: "dev" });
    const devDependencies: Record<string, string> = packageJson.devDependencies;
    expect(providers).toEqual({
      aws: { version: devDependencies["@pulumi/aws"] ?? "" },
      "docker-build": { version: devDependencies["@pulumi/docker-build"] ?? "" },
    });
  });
});

/**
 * run() tags the image with `git rev-parse HEAD`. It reads a repository made here, through
 * GIT_DIR, so the test passes in a copy of the checkout without `.git`.
 */
function useScratchRepository(): () => void {
  const repo = mkdtempSync(join(tmpdir(), "sst-config-git-"));
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "test",
    GIT_AUTHOR_EMAIL: "test@example.invalid",
    GIT_COMMITTER_NAME: "test",
    GIT_COMMITTER_EMAIL: "test@example.invalid",
  };
  for (const args of [
    ["init", "-q"],
    ["commit", "-q", "--allow-empty", "-m", "deployed"],
  ]) {
    const result = Bun.spawnSync(["git", "-C", repo, ...args], { env });
    if (result.exitCode !== 0) throw new Error(`git ${args[0]}: ${result.stderr.toString()}`);
  }
  const previous = { GIT_DIR: process.env.GIT_DIR, GIT_WORK_TREE: process.env.GIT_WORK_TREE };
  process.env.GIT_DIR = join(repo, ".git");
  process.env.GIT_WORK_TREE = repo;
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(repo, { recursive: true, force: true });
  };
}

describe("sst.config.ts run()", () => {
  let outputs: Record<string, unknown>;
  let restoreGit: () => void;

  afterAll(() => restoreGit?.());

  beforeAll(async () => {
    globals.$app = { stage: "dev" };
    restoreGit = useScratchRepository();
    // sst diff, refresh and dev run the program without it; the deploy must not need it either.
    delete process.env.BUILDX_NO_DEFAULT_ATTESTATIONS;
    await mockStack("dev");
    outputs = await config.run();
  });

  it("returns the deployment outputs of the stage, with no buildx variable set", () => {
    expect(process.env.BUILDX_NO_DEFAULT_ATTESTATIONS).toBeUndefined();
    expect(outputs.stage).toBe("dev");
    expect(Object.keys(outputs)).toContain("apiUrl");
  });

  it("never returns the API token", async () => {
    const values = await Promise.all(
      Object.values(outputs).map((v) =>
        typeof v === "string" ? v : outputValue(v as Output<unknown>),
      ),
    );
    expect(JSON.stringify(values)).not.toContain(TOKEN);
  });
});

describe("sst.config.ts run() with DOMAIN", () => {
  const ZONES: HostedZone[] = [
    { zoneId: "ZEXAMPLE", name: "example.com" },
    { zoneId: "ZOTHER", name: "other.org" },
  ];

  /** Runs the program with these settings; returns its outcome and every resource it declared. */
  async function runWith(env: { DOMAIN?: string; HOSTED_ZONE_ID?: string }) {
    globals.$app = { stage: "dev" };
    delete process.env.DOMAIN;
    delete process.env.HOSTED_ZONE_ID;
    Object.assign(process.env, env);
    const recorded = await mockStack("dev", ZONES);
    const outcome = await config.run().then(
      (outputs) => ({ outputs, error: undefined }),
      (error: Error) => ({ outputs: undefined, error }),
    );
    // Registrations still in flight reach the mocks before the count is read.
    await runtime.disconnect();
    delete process.env.DOMAIN;
    delete process.env.HOSTED_ZONE_ID;
    return { ...outcome, recorded };
  }

  it("serves the stage under the domain and returns its https:// URL", async () => {
    const { outputs, error } = await runWith({ DOMAIN: "api.example.com" });
    expect(error).toBeUndefined();
    expect(outputs?.domainUrl).toBe("https://api.example.com");
  });

  it.each([
    [
      "an invalid name",
      { DOMAIN: "api..example.com" },
      'DOMAIN "api..example.com" is not a valid domain name',
    ],
    [
      "a zone that does not hold it",
      { DOMAIN: "api.example.com", HOSTED_ZONE_ID: "ZOTHER" },
      "hosted zone ZOTHER is other.org, which does not contain DOMAIN api.example.com",
    ],
    [
      "no zone that holds it",
      { DOMAIN: "api.example.net" },
      "no public Route 53 hosted zone contains DOMAIN api.example.net",
    ],
    [
      "a zone without a domain",
      { HOSTED_ZONE_ID: "ZEXAMPLE" },
      "HOSTED_ZONE_ID is set without DOMAIN",
    ],
  ])("stops before any resource exists for %s, saying why", async (_, env, message) => {
    const { error, recorded } = await runWith(env);
    expect(error?.message).toContain(message);
    expect(recorded).toEqual([]);
  });
});

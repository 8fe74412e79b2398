import { describe, expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const VALIDATOR = `${ROOT}node_modules/.bin/action-validator`;

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, { steps: Step[]; env?: Record<string, string> }>;
}

const load = (name: string) =>
  Bun.YAML.parse(readFileSync(`${ROOT}.github/workflows/${name}`, "utf8")) as Workflow;
const stepsOf = (workflow: Workflow) => Object.values(workflow.jobs).flatMap((job) => job.steps);
const indexOf = (steps: Step[], match: (step: Step) => boolean) => steps.findIndex(match);

describe.each(["ci.yml", "deploy.yml"])("%s", (name) => {
  it("passes action-validator's schema check", async () => {
    const child = Bun.spawn([VALIDATOR, `${ROOT}.github/workflows/${name}`], {
      stdout: "pipe",
      stderr: "pipe",
      timeout: 20_000,
    });
    const output = await new Response(child.stdout).text();
    expect({ code: await child.exited, output }).toEqual({ code: 0, output: "" });
  });
});

describe("ci.yml", () => {
  const ci = load("ci.yml");
  const runs = stepsOf(ci).map((s) => s.run ?? "");

  it("runs on pull requests and on pushes", () => {
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push"]);
  });

  it("installs, lints, tests and compiles, in that order", () => {
    const order = ["make install", "make lint", "make test", "make compile"].map((command) =>
      runs.indexOf(command),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});

describe("deploy.yml", () => {
  const deploy = load("deploy.yml");
  const steps = stepsOf(deploy);

  it("runs on pushes to main", () => {
    expect(deploy.on.push).toEqual({ branches: ["main"] });
  });

  it("gets AWS credentials through GitHub OIDC with a role ARN variable", () => {
    expect(deploy.permissions?.["id-token"]).toBe("write");
    const credentials = steps.find((s) =>
      s.uses?.startsWith("aws-actions/configure-aws-credentials@"),
    );
    expect(credentials?.with?.["role-to-assume"]).toMatch(/^\$\{\{ vars\.[A-Z_]+ \}\}$/);
    expect(Object.keys(credentials?.with ?? {})).not.toContain("aws-secret-access-key");
  });

  it("sets up buildx", () => {
    expect(steps.some((s) => s.uses?.startsWith("docker/setup-buildx-action@"))).toBe(true);
  });

  it("fails the scan on HIGH or CRITICAL findings", () => {
    const scan = steps.find((s) => s.uses?.startsWith("aquasecurity/trivy-action@"));
    expect(scan?.with?.severity).toBe("HIGH,CRITICAL");
    expect(scan?.with?.["exit-code"]).toBe("1");
  });

  it("scans, then deploys production, then smoke-tests it", () => {
    const scan = indexOf(steps, (s) => s.uses?.startsWith("aquasecurity/trivy-action@") ?? false);
    const build = indexOf(steps, (s) => s.run === "make build STAGE=production");
    const get = indexOf(steps, (s) => s.run === "make get STAGE=production");
    expect(scan).toBeGreaterThanOrEqual(0);
    expect(build).toBeGreaterThan(scan);
    expect(get).toBeGreaterThan(build);
  });
});

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
interface Job {
  if?: string;
  environment?: string;
  permissions?: Record<string, string>;
  steps: Step[];
  env?: Record<string, string>;
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const textOf = (name: string) => readFileSync(`${ROOT}.github/workflows/${name}`, "utf8");
const load = (name: string) => Bun.YAML.parse(textOf(name)) as Workflow;
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

  it("pins every action by full commit SHA, with its version in a comment", () => {
    const uses = textOf(name)
      .split("\n")
      .filter((line) => /^\s*(- )?uses:/.test(line));
    expect(uses.length).toBeGreaterThan(0);
    const PINNED = /uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/;
    expect(uses.filter((line) => !PINNED.test(line))).toEqual([]);
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
  const [job] = Object.values(deploy.jobs);
  const steps = job?.steps ?? [];
  const credentials = indexOf(
    steps,
    (s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") ?? false,
  );

  it("runs only when CI completes on main, never on a push of its own", () => {
    expect(deploy.on).toEqual({
      workflow_run: { workflows: [load("ci.yml").name], types: ["completed"], branches: ["main"] },
    });
  });

  it("deploys only when that CI run succeeded, and only for pushes", () => {
    expect(job?.if).toContain("github.event.workflow_run.conclusion == 'success'");
    expect(job?.if).toContain("github.event.workflow_run.event == 'push'");
  });

  it("checks out the commit CI tested, not the branch's newest", () => {
    const checkout = steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with?.ref).toMatch(/^\$\{\{ github\.event\.workflow_run\.head_sha \}\}$/);
  });

  it("gets AWS credentials through GitHub OIDC in the production environment's job only", () => {
    expect(deploy.permissions?.["id-token"]).toBeUndefined();
    expect(job?.permissions?.["id-token"]).toBe("write");
    expect(job?.environment).toBe("production");
    const step = steps[credentials];
    expect(step?.with?.["role-to-assume"]).toMatch(/^\$\{\{ vars\.[A-Z_]+ \}\}$/);
    expect(Object.keys(step?.with ?? {})).not.toContain("aws-secret-access-key");
  });

  it("fails the scan on HIGH or CRITICAL findings", () => {
    const scan = steps.find((s) => s.uses?.startsWith("aquasecurity/trivy-action@"));
    expect(scan?.with?.severity).toBe("HIGH,CRITICAL");
    expect(scan?.with?.["exit-code"]).toBe("1");
  });

  it("builds and scans the image before any AWS credential exists in the job", () => {
    const build = indexOf(steps, (s) => s.run?.startsWith("docker buildx build") ?? false);
    const scan = indexOf(steps, (s) => s.uses?.startsWith("aquasecurity/trivy-action@") ?? false);
    expect(build).toBeGreaterThanOrEqual(0);
    expect(scan).toBeGreaterThan(build);
    expect(credentials).toBeGreaterThan(scan);
  });

  it("deploys production after the credentials, then smoke-tests it", () => {
    const build = indexOf(steps, (s) => s.run === "make build STAGE=production");
    const get = indexOf(steps, (s) => s.run === "make get STAGE=production");
    expect(build).toBeGreaterThan(credentials);
    expect(get).toBeGreaterThan(build);
  });
});

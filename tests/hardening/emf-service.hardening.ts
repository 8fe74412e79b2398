import { describe, expect, it } from "bun:test";
import { EMF, ROUTE_UNMATCHED } from "../../src/observability/metric-names";
import { emfLines, emfViolations } from "../observability/emf-spec";
import { eventually } from "../observability/support";
import { startServer } from "../support/process";

/** The service as a process: what it writes to stdout as CloudWatch EMF, up to its exit. */

type Document = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: { Namespace: string }[] };
};

describe("the service with METRICS_EMF=1", () => {
  const requests = ["/time", "/tocos/Sam", "/tocos/Nobody", "/no/such/page", "/healthz"];

  /** Runs the service, sends `requests`, stops it with SIGTERM, and returns all it wrote. */
  async function emfOutput(env: Record<string, string>) {
    const server = await startServer({ env: { LOG_LEVEL: "info", ...env } });
    try {
      for (const path of requests) await (await fetch(`${server.url}${path}`)).arrayBuffer();
    } finally {
      expect(await server.stop("SIGTERM")).toBe(0);
    }
    // The last line logged at shutdown comes after every EMF line; wait until it is read.
    return await eventually(
      async () => (server.output().includes('"msg":"stopped"') ? server.output() : undefined),
      2_000,
      "the shutdown log line",
    );
  }

  it("writes valid EMF lines on stdout, flushed by the time it exits", async () => {
    const output = await emfOutput({ METRICS_EMF: "1", METRICS_NAMESPACE: "emf-test" });
    const lines = emfLines(output);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.flatMap(emfViolations)).toEqual([]);
    const documents = lines.map((line) => JSON.parse(line) as Document);
    expect(new Set(documents.map((d) => d._aws.CloudWatchMetrics[0]?.Namespace))).toEqual(
      new Set(["emf-test"]),
    );
    const requestsByRoute: Record<string, number> = {};
    for (const d of documents) {
      const route = `${d.Method} ${d.Route}`;
      requestsByRoute[route] = (requestsByRoute[route] ?? 0) + (d[EMF.requests] as number);
    }
    expect(requestsByRoute).toMatchObject({
      "GET /time": 1,
      "GET /tocos/:user": 2,
      [`GET ${ROUTE_UNMATCHED}`]: 1,
    });
  });

  it("writes them on Lambda without being asked", async () => {
    const output = await emfOutput({ AWS_LAMBDA_FUNCTION_NAME: "tocos-test" });
    expect(emfLines(output).length).toBeGreaterThan(0);
  });

  it("writes none by default", async () => {
    const output = await emfOutput({});
    expect(emfLines(output)).toEqual([]);
  });
});

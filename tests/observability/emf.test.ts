import { describe, expect, it } from "bun:test";
import { createEmfWriter, MAX_VALUES_PER_METRIC } from "../../src/observability/emf";
import {
  EMF,
  SMART_OUTCOMES,
  SMART_RESULTS,
  smartResultMetricName,
  upstreamMetricName,
} from "../../src/observability/metric-names";
import { emfViolations } from "./emf-spec";

type Document = Record<string, unknown> & {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit?: string }[];
    }[];
  };
};

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A writer whose lines land in memory, parsed. */
function capturedWriter(now = () => 1_800_000_000_000) {
  const raw: string[] = [];
  const writer = createEmfWriter({
    namespace: "test-ns",
    now,
    sink: (chunk) => raw.push(...chunk.split("\n").filter(Boolean)),
  });
  const documents = () => raw.map((line) => JSON.parse(line) as Document);
  return { writer, raw, documents };
}

describe("EMF lines", () => {
  it("meet the specification's required fields and limits", async () => {
    const { writer, raw } = capturedWriter();
    writer.request("/time", "GET", 200, 0.25);
    writer.request("/tocos/:user", "GET", 404, 1.5);
    writer.attempt("success", 250);
    writer.hedgesFired(2);
    writer.response("hedge");
    await nextTurn();
    expect(raw.length).toBe(3);
    expect(raw.flatMap(emfViolations)).toEqual([]);
  });

  it("carry the namespace, the Route and Method dimensions and the request metrics", async () => {
    const { writer, documents } = capturedWriter();
    writer.request("/tocos/:user", "GET", 200, 1.25);
    await nextTurn();
    const [document] = documents();
    expect(document?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: "test-ns",
        Dimensions: [[EMF.dimensions.route, EMF.dimensions.method]],
        Metrics: [
          { Name: EMF.latency, Unit: "Milliseconds" },
          { Name: EMF.requests, Unit: "Count" },
          { Name: EMF.errors4xx, Unit: "Count" },
          { Name: EMF.errors5xx, Unit: "Count" },
        ],
      },
    ]);
    expect(document?.Route).toBe("/tocos/:user");
    expect(document?.Method).toBe("GET");
  });

  it("stamp each line with the time it was written", async () => {
    const { writer, documents } = capturedWriter(() => 1_812_345_678_901);
    writer.request("/time", "GET", 200, 1);
    await nextTurn();
    expect(documents()[0]?._aws.Timestamp).toBe(1_812_345_678_901);
  });

  it("group one turn's requests per route and method into one line", async () => {
    const { writer, documents } = capturedWriter();
    writer.request("/time", "GET", 200, 1);
    writer.request("/time", "GET", 200, 2);
    writer.request("/time", "GET", 200, 3);
    writer.request("/tocos", "GET", 200, 4);
    await nextTurn();
    const lines = documents().map((d) => [d.Route, d.Latency, d[EMF.requests]]);
    expect(lines).toEqual([
      ["/time", [1, 2, 3], 3],
      ["/tocos", [4], 1],
    ]);
  });

  it("count 4xx and 5xx answers", async () => {
    const { writer, documents } = capturedWriter();
    for (const status of [200, 404, 422, 500, 503, 504, 302])
      writer.request("/x", "GET", status, 1);
    await nextTurn();
    const [document] = documents();
    expect([document?.[EMF.errors4xx], document?.[EMF.errors5xx]]).toEqual([2, 3]);
  });

  it("never put more than 100 values in one metric", async () => {
    const { writer, documents, raw } = capturedWriter();
    for (let i = 0; i < 250; i++) writer.request("/time", "GET", 200, i);
    await nextTurn();
    const latencies = documents().map((d) => (d.Latency as number[]).length);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(MAX_VALUES_PER_METRIC);
    expect(documents().reduce((sum, d) => sum + (d[EMF.requests] as number), 0)).toBe(250);
    expect(raw.flatMap(emfViolations)).toEqual([]);
  });

  it("carry upstream outcomes, hedges and results without dimensions", async () => {
    const { writer, documents } = capturedWriter();
    writer.attempt("timeout", 300);
    writer.attempt("success", 120);
    writer.hedgesFired(2);
    writer.response("hedge");
    await nextTurn();
    const [document] = documents();
    expect(document?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([[]]);
    expect(document?.[upstreamMetricName("timeout")]).toBe(1);
    expect(document?.[upstreamMetricName("success")]).toBe(1);
    expect(document?.[upstreamMetricName("http_error")]).toBe(0);
    expect(document?.[EMF.upstreamLatency]).toEqual([300, 120]);
    expect(document?.[EMF.hedgesFired]).toBe(2);
    expect(document?.[smartResultMetricName("hedge")]).toBe(1);
    const names = document?._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name);
    for (const outcome of SMART_OUTCOMES) expect(names).toContain(upstreamMetricName(outcome));
    for (const result of SMART_RESULTS) expect(names).toContain(smartResultMetricName(result));
  });

  it("are written once per event-loop turn, not once per request", async () => {
    const writes: string[] = [];
    const writer = createEmfWriter({ namespace: "n", sink: (chunk) => writes.push(chunk) });
    for (let i = 0; i < 20; i++) writer.request(i % 2 ? "/a" : "/b", "GET", 200, 1);
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes.length).toBe(1);
    expect(writes[0]?.split("\n").filter(Boolean).length).toBe(2);
  });

  it("are written at once by flush, for shutdown", () => {
    const { writer, raw } = capturedWriter();
    writer.request("/time", "GET", 200, 1);
    writer.flush();
    expect(raw.length).toBe(1);
  });

  it("are not written for a turn with nothing to report", async () => {
    const { writer, raw } = capturedWriter();
    writer.request("/time", "GET", 200, 1);
    await nextTurn();
    await nextTurn();
    writer.flush();
    expect(raw.length).toBe(1);
  });
});

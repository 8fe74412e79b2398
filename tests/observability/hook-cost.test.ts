import { describe, expect, it } from "bun:test";
import { createMetrics, routeLabel } from "../../src/observability/metrics";

/**
 * What the app's request hooks add per request for metrics: requestStarted, routeLabel and
 * requestFinished. prom-client's own labelled `observe` alone costs about 340 ns here, so the
 * bound below fails if the hot path falls back to it. Prints the measured figures.
 */

const ROUTES = ["/time", "/tocos", "/tocos/:user", "/api/v1/factorial", undefined, "/*"];
const ROUNDS = 5;
const PER_ROUND = 200_000;

function nanosecondsPerRequest(emf: boolean): number {
  const metrics = createMetrics({
    config: { metricsEmf: emf, metricsNamespace: "bench" },
    emfSink: () => {},
  });
  const request = (i: number) => {
    metrics.requestStarted();
    const route = routeLabel(ROUTES[i % ROUTES.length], "/*", (i & 1) === 0);
    metrics.requestFinished("GET", route, i % 13 === 0 ? 404 : 200, 0.05 + (i & 15) * 0.01);
  };
  for (let i = 0; i < PER_ROUND; i++) request(i); // warm-up
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = Bun.nanoseconds();
    for (let i = 0; i < PER_ROUND; i++) request(i);
    rounds.push((Bun.nanoseconds() - started) / PER_ROUND);
  }
  metrics.flush();
  return rounds.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? Infinity;
}

describe("the per-request metrics hook", () => {
  it("costs well under prom-client's labelled observe, Prometheus only", () => {
    const ns = nanosecondsPerRequest(false);
    console.log(`metrics hook, Prometheus only: ${ns.toFixed(0)} ns/request (median of ${ROUNDS})`);
    expect(ns).toBeLessThan(300);
  });

  it("stays under a microsecond with EMF lines as well", () => {
    const ns = nanosecondsPerRequest(true);
    console.log(
      `metrics hook, Prometheus + EMF: ${ns.toFixed(0)} ns/request (median of ${ROUNDS})`,
    );
    expect(ns).toBeLessThan(1000);
  });
});

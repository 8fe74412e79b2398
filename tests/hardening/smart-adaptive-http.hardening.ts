import { afterEach, describe, expect, it } from "bun:test";
import { createApp } from "../../src/app";
import type { Config } from "../../src/config";
import { createMetrics } from "../../src/observability/metrics";
import { type SmartFixture, smartFixture, smartLogs } from "../features/smart/support";
import { testApp, testDeps } from "../support/app";
import { ok, type Reply, startFakeUpstream, status } from "../support/fake-upstream";

/**
 * The adaptive delay and the budget over a loopback upstream with real timers: on a loaded
 * machine a first attempt slower than the 300 ms delay fires hedges and spends budget, so these
 * run in the hardening tier. The algorithm itself is tested in simulated time in
 * tests/features/smart/adaptive.test.ts.
 */

let fixture: SmartFixture | undefined;
const start = (replies: Reply[] | ((index: number) => Reply), config = {}) => {
  fixture = smartFixture(replies, config);
  return fixture;
};
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe("GET /api/smart with SMART_HEDGE_DELAY_MS=auto", () => {
  it("tells the delay it used in Server-Timing and in the log line", async () => {
    const f = start([ok(1)], { smartHedgeDelayMs: "auto", smartHedgeBudgetPercent: 10 });
    const { response } = await f.smart("?timeout=1000");
    expect(response.status).toBe(200);
    expect(response.headers.get("server-timing")).toMatch(
      /^upstream;dur=[\d.]+;desc="1 attempt", hedge;dur=300;desc="auto delay"$/,
    );
    const [line] = await smartLogs(f);
    expect(line).toMatchObject({
      hedgeDelayMs: 300,
      hedgeDelayMode: "auto",
      hedgesSkipped: 0,
      budgetTokens: 10,
    });
  });

  it("says in Server-Timing when the budget skipped the hedges", async () => {
    // A 1% budget holds one token: the first early failure takes it, the second gets none.
    const f = start([status(500), status(500), status(500), ok(1)], {
      smartHedgeDelayMs: "auto",
      smartHedgeBudgetPercent: 1,
    });
    const first = await f.smart("?timeout=1000");
    expect(first.response.status).toBe(502);
    expect(first.response.headers.get("server-timing")).toContain(
      'desc="auto delay, 1 skipped for budget"',
    );
    const second = await f.smart("?timeout=1000");
    expect(second.response.status).toBe(502);
    expect(second.response.headers.get("server-timing")).toMatch(
      /desc="1 attempt", hedge;dur=300;desc="auto delay, 2 skipped for budget"$/,
    );
    const lines = await smartLogs(f);
    expect(lines.map((l) => [l.hedgesFired, l.hedgesSkipped, l.budgetTokens])).toEqual([
      [1, 1, 0],
      [0, 2, 0],
    ]);
  });
});

describe("GET /api/smart with a fixed delay", () => {
  it("keeps the challenge's Server-Timing and reports no budget", async () => {
    const f = start([ok(1)], { smartHedgeDelayMs: 300 });
    const { response } = await f.smart("?timeout=1000");
    expect(response.headers.get("server-timing")).toMatch(/^upstream;dur=[\d.]+;desc="1 attempt"$/);
    const [line] = await smartLogs(f);
    expect(line).toMatchObject({ hedgeDelayMs: 300, hedgeDelayMode: "fixed", budgetTokens: null });
  });
});

describe("the hedging gauges", () => {
  it("are reported at start-up and after every request", async () => {
    const f = start([ok(1), ok(2)], { smartHedgeDelayMs: "auto", smartHedgeBudgetPercent: 10 });
    expect(f.recorded.hedging).toEqual([{ delayMs: 300, budgetTokens: 10 }]);
    await f.smart("?timeout=1000");
    expect(f.recorded.hedging).toHaveLength(2);
    expect(f.recorded.hedging[1]).toEqual({ delayMs: 300, budgetTokens: 10 });
  });

  it("are on /metrics: the delay in seconds, the tokens, NaN without a budget", async () => {
    const scrape = async (config: Partial<Config>) => {
      const app = testApp({ config });
      return (await app.handle(new Request("http://localhost/metrics"))).text();
    };
    const auto = await scrape({ smartHedgeDelayMs: "auto", smartHedgeBudgetPercent: 10 });
    expect(auto).toContain("\nsmart_hedge_delay_seconds 0.3\n");
    expect(auto).toContain("\nsmart_hedge_budget_tokens 10\n");
    const fixed = await scrape({ smartHedgeDelayMs: 250 });
    expect(fixed).toContain("\nsmart_hedge_delay_seconds 0.25\n");
    // prom-client writes NaN as `Nan`; Prometheus reads either.
    expect(fixed).toMatch(/\nsmart_hedge_budget_tokens nan\n/i);
  });

  it("are in the EMF line of a turn with smart requests", async () => {
    const chunks: string[] = [];
    const metrics = createMetrics({
      config: { metricsEmf: true, metricsNamespace: "test" },
      emfSink: (chunk) => chunks.push(chunk),
    });
    const upstream = startFakeUpstream([ok(1)]);
    const deps = testDeps({
      config: {
        smartUpstreamUrl: upstream.url,
        smartHedgeDelayMs: "auto",
        smartHedgeBudgetPercent: 10,
      },
      metrics,
    });
    try {
      await createApp(deps).handle(new Request("http://localhost/api/smart?timeout=1000"));
      await new Promise((resolve) => setImmediate(resolve));
      const smartLine = chunks
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => "HedgesFired" in line);
      expect(smartLine).toMatchObject({ HedgeDelay: 300, HedgeBudgetTokens: 10 });
    } finally {
      deps.close();
      await upstream.stop();
    }
  });
});

import { createApp } from "../../../src/app";
import { type Config, defaultConfig } from "../../../src/config";
import type { SmartOutcome, SmartResult } from "../../../src/observability/metric-names";
import { createMetrics, type SmartMetrics } from "../../../src/observability/metrics";
import { memoryLogger, testDeps } from "../../support/app";
import { type FakeUpstream, type Reply, startFakeUpstream } from "../../support/fake-upstream";

/** Metrics that remember every call. */
export function recordingMetrics() {
  const attempts: { outcome: SmartOutcome; milliseconds: number }[] = [];
  const responses: SmartResult[] = [];
  const hedges: number[] = [];
  const hedging: { delayMs: number; budgetTokens: number | undefined }[] = [];
  const metrics: SmartMetrics = {
    attempt: (outcome, milliseconds) => attempts.push({ outcome, milliseconds }),
    hedgesFired: (count) => hedges.push(count),
    response: (result) => responses.push(result),
    hedging: (delayMs, budgetTokens) => hedging.push({ delayMs, budgetTokens }),
  };
  return { metrics, attempts, responses, hedges, hedging };
}

export interface SmartFixture {
  upstream: FakeUpstream;
  app: ReturnType<typeof createApp>;
  recorded: ReturnType<typeof recordingMetrics>;
  logs: Record<string, unknown>[];
  /** GETs `/api/smart` with `query`, timing it from the call to the response. */
  smart(query?: string, init?: RequestInit): Promise<{ response: Response; tookMs: number }>;
  close(): Promise<void>;
}

/** An app whose smart endpoint points at a fresh scripted upstream. */
export function smartFixture(
  replies: Reply[] | ((index: number) => Reply),
  config: Partial<Config> = {},
): SmartFixture {
  const upstream = startFakeUpstream(replies);
  const settings = defaultConfig({
    smartUpstreamUrl: upstream.url,
    smartHedgeDelayMs: 100,
    smartAttemptTimeoutMs: 3_000,
    ...config,
  });
  const recorded = recordingMetrics();
  const { logger, lines } = memoryLogger("info");
  const deps = testDeps({
    config: settings,
    logger,
    metrics: { ...createMetrics(), smart: recorded.metrics },
  });
  const app = createApp(deps);
  return {
    upstream,
    app,
    recorded,
    logs: lines,
    async smart(query = "", init) {
      const started = performance.now();
      const response = await app.handle(new Request(`http://localhost/api/smart${query}`, init));
      return { response, tookMs: performance.now() - started };
    },
    async close() {
      deps.close();
      await upstream.stop();
    },
  };
}

/** Polls a condition for up to a second: the upstream learns of aborts a moment later. */
export async function eventually(condition: () => boolean, timeoutMs = 1_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!condition() && performance.now() < end) await Bun.sleep(5);
}

/** The log lines the smart endpoint wrote, once the logger has flushed. */
export async function smartLogs(fixture: SmartFixture) {
  await new Promise((resolve) => setImmediate(resolve));
  return fixture.logs.filter((line) => line.msg === "smart");
}

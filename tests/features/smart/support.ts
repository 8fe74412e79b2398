import { createApp } from "../../../src/app";
import { type Config, defaultConfig } from "../../../src/config";
import { createUpstreamClient, type SmartMetrics } from "../../../src/features/smart";
import type { SmartOutcome, SmartResult } from "../../../src/observability/metric-names";
import { memoryLogger, testDeps } from "../../support/app";
import { type FakeUpstream, type Reply, startFakeUpstream } from "../../support/fake-upstream";

/** Metrics that remember every call. */
export function recordingMetrics() {
  const attempts: { outcome: SmartOutcome; seconds: number }[] = [];
  const responses: SmartResult[] = [];
  const hedges: number[] = [];
  const metrics: SmartMetrics = {
    attempt: (outcome, seconds) => attempts.push({ outcome, seconds }),
    hedgesFired: (count) => hedges.push(count),
    response: (result) => responses.push(result),
  };
  return { metrics, attempts, responses, hedges };
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
  const client = createUpstreamClient({
    url: settings.smartUpstreamUrl ?? upstream.url,
    attemptTimeoutMs: settings.smartAttemptTimeoutMs,
  });
  const recorded = recordingMetrics();
  const { logger, lines } = memoryLogger("info");
  const app = createApp({
    ...testDeps(),
    config: settings,
    logger,
    smart: { metrics: recorded.metrics, upstream: client },
  });
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
      client.close();
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

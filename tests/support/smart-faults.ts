import { createApp } from "../../src/app";
import { defaultConfig } from "../../src/config";
import { testDeps } from "./app";
import { type Reply, startFakeUpstream } from "./fake-upstream";

/**
 * Many `/api/smart` requests against an upstream that hangs, resets, trickles its body a byte at
 * a time, or answers 429 or 500, through `app.handle`. It measures how late each answer is
 * against its deadline, and what is left afterwards: requests the upstream still holds, and
 * sockets to it.
 *
 * `runSmartFaultsInChild` runs it in a fresh process that has nothing else to do, then watches
 * that process end on its own: a timer or socket left behind keeps an event loop alive, and each
 * upstream attempt's own timeout is 20 s, so one uncleared timer would hold the process that long.
 */

export interface SmartFaultOptions {
  requests: number;
  /** Requests in flight at once. */
  concurrency: number;
  seed?: number;
}

export interface SmartFaultReport {
  requests: number;
  statuses: Record<string, number>;
  /** Answers that were not 200, 502 or 504, or whose error body was not in the one format. */
  wrongAnswers: string[];
  /** Milliseconds past each request's deadline. */
  latenessMs: { max: number; p99: number; p95: number; p50: number };
  /** Upstream requests still unanswered once every response was sent (after a short settle). */
  upstreamPending: number;
  /** Sockets to the upstream right after the run: idle keep-alive connections in the pool. */
  socketsAfterRun: number;
  /** Sockets left once the pool closes its idle connections; a socket stuck in a request stays. */
  socketsAfterPoolClose: number;
  /** Upstream replies by kind, as scripted. */
  faults: Record<string, number>;
}

const HEDGE_DELAY_MS = 60;
/** Far beyond every deadline, so an attempt timer that is not cleared outlives the run. */
const ATTEMPT_TIMEOUT_MS = 20_000;
const DEADLINES_MS = [15, 40, 80, 120, 200, 350];

/** A small deterministic generator, so a run can be replayed from its seed. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

type FaultKind = "hang" | "reset" | "slow-bytes" | "429" | "500" | "ok";

function faultyReplies(seed: number) {
  const next = random(seed);
  const kinds: FaultKind[] = [];
  const reply = (index: number): Reply => {
    const roll = next();
    const delayMs = Math.floor(next() * 40);
    const kind: FaultKind =
      roll < 0.25
        ? "hang"
        : roll < 0.4
          ? "reset"
          : roll < 0.6
            ? "slow-bytes"
            : roll < 0.75
              ? "429"
              : roll < 0.9
                ? "500"
                : "ok";
    kinds[index] = kind;
    switch (kind) {
      case "hang":
        return { hang: true };
      case "reset":
        return { reset: true, delayMs };
      case "slow-bytes":
        return { body: `{"time":${index}}`, byteIntervalMs: 5 + Math.floor(next() * 30) };
      case "429":
      case "500":
        return { status: Number(kind), delayMs, body: `{"error":"${kind}"}` };
      case "ok":
        return { body: `{"time":${index}}`, delayMs: 20 + delayMs * 5 };
    }
  };
  return { reply, kinds };
}

async function settle(condition: () => boolean, timeoutMs: number) {
  const end = performance.now() + timeoutMs;
  while (!condition() && performance.now() < end) await Bun.sleep(10);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export async function runSmartFaults(options: SmartFaultOptions): Promise<SmartFaultReport> {
  const seed = options.seed ?? 4_242;
  const script = faultyReplies(seed);
  const upstream = startFakeUpstream(script.reply);
  const config = defaultConfig({
    smartUpstreamUrl: upstream.url,
    smartHedgeDelayMs: HEDGE_DELAY_MS,
    smartAttemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
  });
  const deps = testDeps({ config });
  const app = createApp(deps);
  // Warm the route once, so lazily built framework state is in the baseline.
  await (await app.handle(new Request("http://localhost/api/smart?timeout=1"))).arrayBuffer();
  await settle(() => upstream.pending() === 0, 1_000);

  const pick = random(seed + 1);
  const statuses: Record<string, number> = {};
  const wrongAnswers: string[] = [];
  const lateness: number[] = [];
  let issued = 0;

  const one = async () => {
    const deadline = DEADLINES_MS[Math.floor(pick() * DEADLINES_MS.length)] ?? 100;
    const started = performance.now();
    const response = await app.handle(
      new Request(`http://localhost/api/smart?timeout=${deadline}`),
    );
    const text = await response.text();
    lateness.push(performance.now() - started - deadline);
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    if (![200, 502, 504].includes(response.status)) {
      wrongAnswers.push(`${response.status} ${text.slice(0, 120)}`);
    } else if (response.status !== 200) {
      const code = (JSON.parse(text) as { errors?: { code?: string }[] }).errors?.[0]?.code;
      const expected = response.status === 502 ? "upstream_failed" : "upstream_timeout";
      if (code !== expected) wrongAnswers.push(`${response.status} with ${text.slice(0, 120)}`);
    }
  };
  const worker = async () => {
    while (issued < options.requests) {
      issued += 1;
      await one();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));

  await settle(() => upstream.pending() === 0, 2_000);
  const upstreamPending = upstream.pending();
  const socketsAfterRun = upstream.openConnections();
  deps.close();
  await settle(() => upstream.openConnections() === 0, 2_000);
  const socketsAfterPoolClose = upstream.openConnections();
  await upstream.stop();

  const faults: Record<string, number> = {};
  for (const kind of script.kinds) if (kind) faults[kind] = (faults[kind] ?? 0) + 1;
  const sorted = lateness.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    requests: options.requests,
    statuses,
    wrongAnswers,
    latenessMs: {
      max: round(sorted.at(-1) ?? Number.NaN),
      p99: round(percentile(sorted, 99)),
      p95: round(percentile(sorted, 95)),
      p50: round(percentile(sorted, 50)),
    },
    upstreamPending,
    socketsAfterRun,
    socketsAfterPoolClose,
    faults,
  };
}

export interface ChildRun {
  report: SmartFaultReport;
  /** From the report reaching this process to the child's exit. */
  exitAfterReportMs: number;
  exitCode: number;
}

const CHILD = new URL("./smart-faults-child.ts", import.meta.url).pathname;

/** Runs the requests in a fresh process and times how long it lives on once they are done. */
export async function runSmartFaultsInChild(options: SmartFaultOptions): Promise<ChildRun> {
  const proc = Bun.spawn([process.execPath, CHILD, JSON.stringify(options)], {
    stdout: "pipe",
    stderr: "inherit",
    env: { ...process.env, LOG_LEVEL: "silent" },
  });
  let text = "";
  let reportAt = Number.NaN;
  const decoder = new TextDecoder();
  for await (const chunk of proc.stdout) {
    text += decoder.decode(chunk, { stream: true });
    if (Number.isNaN(reportAt) && text.includes("\n")) reportAt = performance.now();
  }
  const exitCode = await proc.exited;
  const exitAfterReportMs = Math.round(performance.now() - reportAt);
  const line = text.split("\n").find((l) => l.startsWith("{"));
  if (line === undefined)
    throw new Error(`the child printed no report (exit ${exitCode}): ${text}`);
  return { report: JSON.parse(line) as SmartFaultReport, exitAfterReportMs, exitCode };
}

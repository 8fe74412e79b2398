/**
 * An open-loop load driver for `/api/smart`: it sends requests at a fixed rate, whatever the
 * answers do, so a slow answer cannot slow the load down (closed-loop tools like wrk would).
 * Prints one JSON line: per request, when it was sent, how long it took, its status and how
 * many upstream attempts `Server-Timing` reports.
 *
 *   bun bench/smart/drive.ts <url> <requests per second> <seconds>
 */

export interface Sample {
  /** When it was sent, in ms from the first request. */
  sentMs: number;
  /** From sending to the whole answer, as the client saw it. */
  latencyMs: number;
  /** The upstream race as the service timed it: `Server-Timing: upstream;dur=…`; NaN when absent. */
  raceMs: number;
  status: number;
  /** Upstream attempts, from `Server-Timing: upstream;…;desc="N attempts"`; 0 when absent. */
  attempts: number;
}

const ATTEMPTS = /desc="(\d+) attempts?"/;
const RACE = /upstream;dur=([\d.]+)/;

async function send(url: string, sentMs: number): Promise<Sample> {
  const started = performance.now();
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    const timing = response.headers.get("server-timing") ?? "";
    return {
      sentMs,
      latencyMs: performance.now() - started,
      raceMs: Number(RACE.exec(timing)?.[1] ?? Number.NaN),
      status: response.status,
      attempts: Number(ATTEMPTS.exec(timing)?.[1] ?? 0),
    };
  } catch {
    return {
      sentMs,
      latencyMs: performance.now() - started,
      raceMs: Number.NaN,
      status: 0,
      attempts: 0,
    };
  }
}

async function drive(url: string, rate: number, seconds: number): Promise<Sample[]> {
  const total = Math.round(rate * seconds);
  const intervalMs = 1_000 / rate;
  const origin = performance.now();
  const pending: Promise<Sample>[] = [];
  for (let i = 0; i < total; i++) {
    const dueMs = i * intervalMs;
    const waitMs = origin + dueMs - performance.now();
    if (waitMs > 1) await Bun.sleep(waitMs);
    pending.push(send(url, dueMs));
  }
  return Promise.all(pending);
}

if (import.meta.main) {
  const [url, rate, seconds] = process.argv.slice(2);
  if (!url || !rate || !seconds) {
    console.error("usage: drive.ts <url> <requests per second> <seconds>");
    process.exit(2);
  }
  const samples = await drive(url, Number(rate), Number(seconds));
  process.stdout.write(`${JSON.stringify(samples)}\n`);
}

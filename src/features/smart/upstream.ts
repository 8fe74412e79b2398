import { concatBytes } from "../../bytes";
import type { Attempt, AttemptFailure, AttemptResult } from "./hedge";

/**
 * One request to the upstream work server, classified. Every attempt is bounded
 * by its own timeout and by the race's signal, headers and body alike, so a
 * hanging or byte-by-byte upstream cannot outlive either; an aborted request
 * closes its socket, and finished ones go back to a keep-alive pool.
 */

/** A success: the body exactly as received, and the `time` it carries. */
export interface UpstreamWork {
  body: Uint8Array;
  time: number;
}

export interface UpstreamClient {
  attempt: Attempt<UpstreamWork>;
  /** Closes the idle keep-alive connections; in-flight requests are unaffected. */
  close(): void;
}

export interface UpstreamOptions {
  /** A function when the URL is known only once the server listens (its own port). */
  url: string | (() => string);
  attemptTimeoutMs: number;
  /** A larger body is an invalid payload; the real one is about 15 bytes. */
  maxBodyBytes?: number;
  /** Seconds an idle pooled connection is kept. */
  idleTimeoutSeconds?: number;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** The service's own simulated upstream, the default when `SMART_UPSTREAM_URL` is unset. */
export const loopbackWorkUrl = (port: number) => `http://127.0.0.1:${port}/api/work`;

class AttemptTimedOut extends Error {
  override name = "TimeoutError";
}

export function createUpstreamClient(options: UpstreamOptions): UpstreamClient {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { url } = options;
  const urlNow = typeof url === "string" ? () => url : url;
  // Its own pool: connections are reused across smart requests and can be closed together.
  const session = new Bun.FetchSession({
    keepAlive: { idleTimeout: options.idleTimeoutSeconds ?? 60 },
  });

  const attempt: Attempt<UpstreamWork> = async (raceSignal) => {
    const controller = new AbortController();
    const abortWithRace = () => controller.abort(raceSignal.reason);
    const timer = setTimeout(
      () =>
        controller.abort(new AttemptTimedOut(`no answer within ${options.attemptTimeoutMs} ms`)),
      options.attemptTimeoutMs,
    );
    if (raceSignal.aborted) abortWithRace();
    else raceSignal.addEventListener("abort", abortWithRace, { once: true });
    try {
      return await request(session, urlNow(), controller.signal, maxBodyBytes);
    } catch (error) {
      return classifyThrown(error, controller.signal);
    } finally {
      clearTimeout(timer);
      raceSignal.removeEventListener("abort", abortWithRace);
    }
  };

  return { attempt, close: () => session.close() };
}

async function request(
  session: Bun.FetchSession,
  url: string,
  signal: AbortSignal,
  maxBodyBytes: number,
): Promise<AttemptResult<UpstreamWork>> {
  const response = await session.fetch(url, {
    signal,
    redirect: "manual",
    headers: { accept: "application/json" },
  });
  if (response.status !== 200) {
    // Nothing in the body can turn this into a success, so do not wait for it.
    response.body?.cancel().catch(() => {});
    return failure("http_error", `HTTP ${response.status}`);
  }
  const body = await readBody(response.body, signal, maxBodyBytes);
  if (body === undefined) return failure("invalid_payload", `body over ${maxBodyBytes} bytes`);
  const time = workTime(body);
  if (time === undefined)
    return failure("invalid_payload", "not a JSON object with an integer `time`");
  return { ok: true, value: { body, time } };
}

/** Reads the whole body, or `undefined` past `maxBytes`; throws once `signal` aborts. */
async function readBody(
  stream: ReadableStream<Uint8Array> | null,
  signal: AbortSignal,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  // Bun already fails a pending read on abort; cancelling makes that hold on any runtime.
  const cancel = () => reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener("abort", cancel, { once: true });
  try {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      signal.throwIfAborted();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        reader.cancel().catch(() => {});
        return undefined;
      }
      chunks.push(value);
    }
    return concatBytes(chunks, size);
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The integer `time` of a JSON object body, or `undefined` for anything else. */
export function workTime(body: Uint8Array): number | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(body));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const time = (parsed as Record<string, unknown>).time;
  return typeof time === "number" && Number.isInteger(time) ? time : undefined;
}

function classifyThrown(error: unknown, signal: AbortSignal): AttemptResult<UpstreamWork> {
  if (signal.aborted) {
    return signal.reason instanceof AttemptTimedOut
      ? failure("timeout", signal.reason.message)
      : failure("aborted", "the race no longer needed it");
  }
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return failure("network_error", detail);
}

const failure = (outcome: AttemptFailure, detail: string): AttemptResult<UpstreamWork> => ({
  ok: false,
  outcome,
  detail,
});

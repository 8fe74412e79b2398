import type { LogLevel } from "../config";
import { writeStdout } from "./stdout";

/**
 * Structured JSON logs, one line per event, on stdout. Lines are buffered and
 * flushed once per event-loop turn, so a busy server makes one write per turn
 * instead of one per request.
 */

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly level: LogLevel;
  enabled(level: Exclude<LogLevel, "silent">): boolean;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** The access-log line, at info: built without an intermediate object, since it runs per request. */
  access(
    method: string,
    route: string,
    status: number,
    durationMs: number,
    requestId: string,
  ): void;
  /**
   * Writes out whatever is buffered; called at shutdown. Settles once the lines are written,
   * or at once when the sink writes synchronously.
   */
  flush(): Promise<void>;
}

/** Takes a chunk of lines; may return a promise that settles once they are written. */
export type LogSink = (chunk: string) => unknown;

const stdoutSink: LogSink = writeStdout;

export interface LoggerOptions {
  /**
   * How long lines may wait in the buffer. 0 writes them at the end of the current event-loop
   * turn, which Lambda needs (it freezes the process once the response is out); a few
   * milliseconds elsewhere turn many small writes into one (see docs/performance.md).
   */
  batchMs?: number;
}

export function createLogger(
  level: LogLevel,
  sink: LogSink = stdoutSink,
  { batchMs = 0 }: LoggerOptions = {},
): Logger {
  const threshold = RANK[level];
  let buffer = "";
  let scheduled = false;

  const schedule = () => (batchMs > 0 ? setTimeout(flush, batchMs).unref() : setImmediate(flush));

  const flush = async () => {
    scheduled = false;
    if (buffer === "") return;
    const chunk = buffer;
    buffer = "";
    await sink(chunk);
  };

  const append = (line: string) => {
    buffer += line;
    if (buffer.length > 64 * 1024) flush();
    else if (!scheduled) {
      scheduled = true;
      schedule();
    }
  };

  const write = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields) => {
    if (RANK[lvl] < threshold) return;
    append(`${JSON.stringify({ time: timestamp(), level: lvl, msg, ...fields })}\n`);
  };

  const accessEnabled = RANK.info >= threshold;

  return {
    level,
    enabled: (lvl) => RANK[lvl] >= threshold,
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    access: (method, route, status, durationMs, requestId) => {
      if (!accessEnabled) return;
      // No escaping needed: the method is an HTTP token, the route one of the app's own
      // templates, and request ids are limited to a safe alphabet (see jsonField).
      append(
        `{"time":"${timestamp()}","level":"info","msg":"request","method":"${method}","route":"${route}","status":${status},"durationMs":${Math.round(durationMs * 1000) / 1000},"requestId":"${requestId}"}\n`,
      );
    },
    flush,
  };
}

/** ISO-8601 time, formatted once per millisecond however many lines share it. */
let lastMs = 0;
let lastIso = "";
function timestamp(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/** Request ids: the Lambda Web Adapter's when it forwards one, otherwise a cheap unique one. */
const bootId = Math.floor(Math.random() * 36 ** 6)
  .toString(36)
  .padStart(6, "0");
let sequence = 0;

/** A fresh id: a per-process prefix and a counter, cheap enough for every request. */
export function newRequestId(): string {
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
  return `${bootId}-${sequence.toString(36)}`;
}

/** The id the Lambda Web Adapter forwards with the request, or a fresh one. */
export function requestIdFrom(headers: Headers): string {
  const context = headers.get("x-amzn-request-context");
  if (context) {
    const id = jsonField(context, "requestId");
    if (id) return id;
  }
  const lambda = headers.get("x-amzn-lambda-context");
  if (lambda) {
    const id = jsonField(lambda, "request_id") ?? jsonField(lambda, "requestId");
    if (id) return id;
  }
  return newRequestId();
}

function jsonField(raw: string, key: string): string | undefined {
  try {
    const value = (JSON.parse(raw) as Record<string, unknown>)[key];
    // The id goes out in a response header and unescaped into log lines: a safe alphabet only.
    return typeof value === "string" && /^[\w.:/+=-]{1,128}$/.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

import type { LogLevel } from "../config";

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
  /** Writes out whatever is buffered; called at shutdown. */
  flush(): void;
}

export type LogSink = (chunk: string) => void;

const stdoutSink: LogSink = (chunk) => {
  process.stdout.write(chunk);
};

export function createLogger(level: LogLevel, sink: LogSink = stdoutSink): Logger {
  const threshold = RANK[level];
  let buffer = "";
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    if (buffer === "") return;
    const chunk = buffer;
    buffer = "";
    sink(chunk);
  };

  const write = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields) => {
    if (RANK[lvl] < threshold) return;
    buffer += `${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields })}\n`;
    if (buffer.length > 64 * 1024) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  return {
    level,
    enabled: (lvl) => RANK[lvl] >= threshold,
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    flush,
  };
}

/** Request ids: the Lambda Web Adapter's when it forwards one, otherwise a cheap unique one. */
const bootId = Math.floor(Math.random() * 36 ** 6)
  .toString(36)
  .padStart(6, "0");
let sequence = 0;

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
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
  return `${bootId}-${sequence.toString(36)}`;
}

function jsonField(raw: string, key: string): string | undefined {
  try {
    const value = (JSON.parse(raw) as Record<string, unknown>)[key];
    return typeof value === "string" && value.length > 0 && value.length <= 128 ? value : undefined;
  } catch {
    return undefined;
  }
}

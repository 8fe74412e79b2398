import { readFileSync } from "node:fs";

/**
 * A real local upstream on 127.0.0.1 and a free port, scripted per request. It
 * records when each request arrived and whether the caller aborted it.
 */

export interface Reply {
  /** Wait this long before answering (or resetting). */
  delayMs?: number;
  /** Default 200. */
  status?: number;
  /** Default `{"time":<request index>}`. */
  body?: string;
  /** Never answer. */
  hang?: boolean;
  /** Close the connection instead of answering. */
  reset?: boolean;
  /** Send the body one byte at a time, this far apart (the first byte at once). */
  byteIntervalMs?: number;
}

export interface UpstreamRequest {
  index: number;
  /** `performance.now()` when the request arrived. */
  arrivedAt: number;
  aborted: boolean;
  abortedAt?: number;
}

export interface FakeUpstream {
  readonly url: string;
  readonly port: number;
  readonly requests: UpstreamRequest[];
  /** Replies by request index; requests past the end of a list get a 500. */
  script(replies: Reply[] | ((index: number) => Reply)): void;
  /** Requests the server has not finished answering. */
  pending(): number;
  /** Established client connections to this server, from /proc/net/tcp (Linux only). */
  openConnections(): number;
  /** Closes every connection and clears the server's own timers. */
  stop(): Promise<void>;
}

export const ok = (time: number, delayMs = 0): Reply => ({ delayMs, body: `{"time":${time}}` });
export const status = (code: number, delayMs = 0): Reply => ({
  delayMs,
  status: code,
  body: `{"error":"status ${code}"}`,
});
export const hang = (): Reply => ({ hang: true });
export const reset = (delayMs = 0): Reply => ({ reset: true, delayMs });

export function startFakeUpstream(
  initial: Reply[] | ((index: number) => Reply) = [],
): FakeUpstream {
  const requests: UpstreamRequest[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let replyFor = toScript(initial);

  const later = (ms: number, signal: AbortSignal) =>
    new Promise<boolean>((resolve) => {
      if (signal.aborted) return resolve(false);
      const timer = setTimeout(() => {
        timers.delete(timer);
        signal.removeEventListener("abort", onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        timers.delete(timer);
        resolve(false);
      };
      timers.add(timer);
      signal.addEventListener("abort", onAbort, { once: true });
    });

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 30,
    async fetch(request) {
      const record: UpstreamRequest = {
        index: requests.length,
        arrivedAt: performance.now(),
        aborted: false,
      };
      requests.push(record);
      request.signal.addEventListener(
        "abort",
        () => {
          record.aborted = true;
          record.abortedAt = performance.now();
        },
        { once: true },
      );
      const reply = replyFor(record.index);
      // A hanging reply still ends once the caller goes away, so the fake holds nothing after.
      if (reply.hang) return later(2 ** 31 - 1, request.signal).then(() => gone());
      if (reply.delayMs && !(await later(reply.delayMs, request.signal))) {
        return gone();
      }
      const headers = { "content-type": "application/json" };
      const status = reply.status ?? 200;
      const text = reply.body ?? `{"time":${record.index}}`;
      // Erroring the body before its first byte makes the server drop the connection.
      if (reply.reset) return new Response(new ReadableStream({ start: (c) => c.error() }));
      if (reply.byteIntervalMs === undefined) return new Response(text, { status, headers });
      const bytes = new TextEncoder().encode(text);
      let sent = 0;
      const interval = reply.byteIntervalMs;
      return new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            if (sent > 0 && !(await later(interval, request.signal))) return;
            if (sent >= bytes.length) return controller.close();
            controller.enqueue(bytes.subarray(sent, sent + 1));
            sent += 1;
          },
        }),
        { status, headers },
      );
    },
  });
  const port = server.port as number;

  return {
    url: `http://127.0.0.1:${port}/api/work`,
    port,
    requests,
    script(replies) {
      replyFor = toScript(replies);
    },
    pending: () => server.pendingRequests,
    openConnections: () => establishedTo(port),
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await server.stop(true);
    },
  };
}

const gone = () => new Response(null, { status: 499 });

function toScript(replies: Reply[] | ((index: number) => Reply)): (index: number) => Reply {
  if (typeof replies === "function") return replies;
  return (index) => replies[index] ?? { status: 500, body: "unscripted request" };
}

/** Counts ESTABLISHED IPv4 sockets whose remote port is `port`, i.e. client ends. */
export function establishedTo(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  let table: string;
  try {
    table = readFileSync("/proc/net/tcp", "utf8");
  } catch {
    return Number.NaN;
  }
  let count = 0;
  for (const line of table.split("\n").slice(1)) {
    const [, , remote, state] = line.trim().split(/\s+/);
    if (state === "01" && remote?.endsWith(`:${hexPort}`)) count += 1;
  }
  return count;
}

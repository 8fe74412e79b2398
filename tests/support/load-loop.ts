import { type ParsedResponse, parseResponse } from "./raw-http";

/**
 * A small HTTP/1.1 load generator on raw keep-alive sockets: a fixed number of connections,
 * each running the same scenario in a loop until the time is up, then every socket closed.
 * Owning the sockets means the test knows exactly when the client side is gone.
 */

export interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** The status this request must get; anything else counts as an error. */
  expect: number;
}

/** One pass of a connection's scenario: it sends requests through `send` and reads the answers. */
export type Scenario = (
  send: (request: LoadRequest) => Promise<{ status: number; body: string }>,
  connection: number,
  pass: number,
) => Promise<void>;

export interface LoadOptions {
  port: number;
  connections: number;
  durationMs: number;
  scenario: Scenario;
  /** A request without an answer for this long is an error, and its connection is replaced. */
  requestTimeoutMs?: number;
}

export interface LoadResult {
  requests: number;
  durationMs: number;
  requestsPerSecond: number;
  statuses: Record<string, number>;
  /** Answers with another status than expected. */
  unexpected: number;
  /** Socket errors, closes mid-request, unparseable answers and timeouts. */
  errors: number;
  /** A few of the unexpected answers and errors, for the failure message. */
  samples: string[];
  latencyMs: { p50: number; p99: number; max: number };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class KeepAliveConnection {
  #socket: Awaited<ReturnType<typeof Bun.connect>> | undefined;
  #buffer = new Uint8Array(0);
  #waiting:
    | { head: boolean; resolve: (r: ParsedResponse) => void; reject: (e: Error) => void }
    | undefined;

  constructor(private readonly port: number) {}

  async open() {
    this.#socket = await Bun.connect({
      hostname: "127.0.0.1",
      port: this.port,
      socket: {
        data: (_socket, data) => {
          const joined = new Uint8Array(this.#buffer.byteLength + data.byteLength);
          joined.set(this.#buffer);
          joined.set(data, this.#buffer.byteLength);
          this.#buffer = joined;
          this.#deliver();
        },
        close: () => this.#fail(new Error("the server closed the connection")),
        error: (_socket, error) => this.#fail(error),
      },
    });
  }

  #deliver() {
    const waiting = this.#waiting;
    if (!waiting) return;
    const parsed = parseResponse(this.#buffer, waiting.head);
    if (!parsed.complete) return;
    this.#buffer = this.#buffer.slice(parsed.length);
    this.#waiting = undefined;
    waiting.resolve(parsed);
  }

  #fail(error: Error) {
    this.#socket = undefined;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(error);
  }

  get isOpen(): boolean {
    return this.#socket !== undefined;
  }

  send(bytes: Uint8Array, head: boolean, timeoutMs: number): Promise<ParsedResponse> {
    const socket = this.#socket;
    if (!socket) return Promise.reject(new Error("not connected"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        this.close();
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting = {
        head,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      let written = socket.write(bytes);
      // Requests here are small; a partial write is finished on the next turns.
      const rest = async () => {
        while (written < bytes.byteLength && this.#socket === socket) {
          await Bun.sleep(0);
          written += Math.max(0, socket.write(bytes.subarray(written)));
        }
      };
      if (written < bytes.byteLength) void rest();
    });
  }

  close() {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.end();
  }
}

function requestBytes(request: LoadRequest): Uint8Array {
  const lines = [`${request.method} ${request.path} HTTP/1.1`, "Host: 127.0.0.1"];
  for (const [name, value] of Object.entries(request.headers ?? {}))
    lines.push(`${name}: ${value}`);
  const body = request.body === undefined ? undefined : encoder.encode(request.body);
  if (body) lines.push(`Content-Length: ${body.byteLength}`);
  const head = encoder.encode(`${lines.join("\r\n")}\r\n\r\n`);
  if (!body) return head;
  const out = new Uint8Array(head.byteLength + body.byteLength);
  out.set(head);
  out.set(body, head.byteLength);
  return out;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const samples: string[] = [];
  let unexpected = 0;
  let errors = 0;
  const started = performance.now();
  const endAt = started + options.durationMs;
  const note = (what: string) => {
    if (samples.length < 10) samples.push(what);
  };

  const runConnection = async (index: number) => {
    const connection = new KeepAliveConnection(options.port);
    await connection.open();
    const send = async (request: LoadRequest) => {
      if (!connection.isOpen) await connection.open();
      const sentAt = performance.now();
      let response: ParsedResponse;
      try {
        response = await connection.send(
          requestBytes(request),
          request.method === "HEAD",
          timeoutMs,
        );
      } catch (error) {
        errors += 1;
        note(`${request.method} ${request.path}: ${(error as Error).message}`);
        throw error;
      }
      latencies.push(performance.now() - sentAt);
      const status = response.status ?? 0;
      statuses[status] = (statuses[status] ?? 0) + 1;
      const body = decoder.decode(response.body);
      if (status !== request.expect) {
        unexpected += 1;
        note(`${request.method} ${request.path}: ${status} ${body.slice(0, 160)}`);
      }
      return { status, body };
    };
    let pass = 0;
    while (performance.now() < endAt) {
      try {
        await options.scenario(send, index, pass++);
      } catch {
        // Counted in `errors`; the next pass starts on a fresh connection.
      }
    }
    connection.close();
  };

  await Promise.all(Array.from({ length: options.connections }, (_, i) => runConnection(i)));
  const durationMs = performance.now() - started;
  const sorted = latencies.sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    requests: latencies.length,
    durationMs: Math.round(durationMs),
    requestsPerSecond: Math.round(latencies.length / (durationMs / 1000)),
    statuses,
    unexpected,
    errors,
    samples,
    latencyMs: { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? 0) },
  };
}

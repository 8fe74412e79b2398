/**
 * HTTP/1.1 over a raw TCP socket on loopback, for what `fetch` and `Request` cannot express or
 * hide: malformed request lines, bad bytes, overlong targets, and the exact bytes of a response.
 */

export interface RawResponse {
  /** Every byte read, headers and body, exactly as the server sent them. */
  bytes: Uint8Array;
  /** `undefined` when no complete status line arrived. */
  status: number | undefined;
  /** Header lines in wire order, names as sent. */
  headers: [string, string][];
  /** The body as framed by Content-Length or chunked encoding (decoded), or what came before close. */
  body: Uint8Array;
  /** `complete`: a whole response was read; `closed`: the server closed first; `timeout`: neither. */
  ended: "complete" | "closed" | "timeout";
}

export interface RawOptions {
  /** Give up reading after this long. */
  timeoutMs?: number;
  /** The request was HEAD, so a Content-Length announces no body. */
  head?: boolean;
  /** Read until the server closes, even past the first response (for pipelined requests). */
  untilClose?: boolean;
}

const CRLF2 = "\r\n\r\n";
const latin1 = new TextDecoder("latin1");

export const headerOf = (response: RawResponse, name: string): string | undefined =>
  response.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

export const bodyText = (response: RawResponse) => new TextDecoder().decode(response.body);

/** Sends `request` as is on a new connection and reads one response. */
export async function rawExchange(
  port: number,
  request: string | Uint8Array,
  options: RawOptions = {},
): Promise<RawResponse> {
  const payload = typeof request === "string" ? new TextEncoder().encode(request) : request;
  const chunks: Uint8Array[] = [];
  let received = 0;
  let finish: (ended: RawResponse["ended"]) => void = () => {};
  const ended = new Promise<RawResponse["ended"]>((resolve) => {
    finish = resolve;
  });
  let offset = 0;

  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_socket, data) {
        chunks.push(new Uint8Array(data));
        received += data.byteLength;
        if (options.untilClose) return;
        if (parseResponse(concat(chunks, received), options.head).complete) finish("complete");
      },
      drain(s) {
        if (offset < payload.byteLength) offset += Math.max(0, s.write(payload.subarray(offset)));
      },
      end: () => finish("closed"),
      close: () => finish("closed"),
      error: () => finish("closed"),
    },
  });
  offset += Math.max(0, socket.write(payload));
  const timer = setTimeout(() => finish("timeout"), options.timeoutMs ?? 2_000);
  const how = await ended;
  clearTimeout(timer);
  socket.end();
  const bytes = concat(chunks, received);
  const parsed = parseResponse(bytes, options.head);
  return { bytes, status: parsed.status, headers: parsed.headers, body: parsed.body, ended: how };
}

/** True when nothing accepts a TCP connection on `port` (the connection is refused or reset). */
export async function connectionRefused(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return false;
  } catch {
    return true;
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export interface ParsedResponse {
  status: number | undefined;
  headers: [string, string][];
  body: Uint8Array;
  complete: boolean;
  /** Bytes this response took on the wire; whatever follows belongs to the next one. */
  length: number;
}

/** Reads the first HTTP/1.1 response in `bytes`, framed by its own headers. */
export function parseResponse(bytes: Uint8Array, head = false): ParsedResponse {
  const text = latin1.decode(bytes);
  const end = text.indexOf(CRLF2);
  if (end === -1) {
    return { status: undefined, headers: [], body: new Uint8Array(0), complete: false, length: 0 };
  }
  const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  const bodyStart = end + CRLF2.length;
  const rest = bytes.subarray(bodyStart);
  const code = status === undefined ? undefined : Number(status);
  const noBody = head || code === 204 || code === 304 || (code !== undefined && code < 200);
  const find = (name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1];
  if (noBody) {
    return { status: code, headers, body: new Uint8Array(0), complete: true, length: bodyStart };
  }
  if (find("transfer-encoding")?.toLowerCase() === "chunked") {
    const { body, complete, consumed } = dechunk(rest);
    return { status: code, headers, body, complete, length: bodyStart + consumed };
  }
  const declared = find("content-length");
  if (declared !== undefined) {
    const size = Number(declared);
    return {
      status: code,
      headers,
      body: rest.subarray(0, size),
      complete: rest.byteLength >= size,
      length: bodyStart + Math.min(size, rest.byteLength),
    };
  }
  return { status: code, headers, body: rest, complete: false, length: bytes.byteLength };
}

function dechunk(bytes: Uint8Array): { body: Uint8Array; complete: boolean; consumed: number } {
  const parts: Uint8Array[] = [];
  let size = 0;
  let at = 0;
  for (;;) {
    const lineEnd = latin1.decode(bytes.subarray(at, at + 32)).indexOf("\r\n");
    if (lineEnd === -1) return { body: concat(parts, size), complete: false, consumed: at };
    const length = Number.parseInt(latin1.decode(bytes.subarray(at, at + lineEnd)), 16);
    at += lineEnd + 2;
    if (length === 0) return { body: concat(parts, size), complete: true, consumed: at + 2 };
    if (!(length > 0) || at + length > bytes.byteLength) {
      return { body: concat(parts, size), complete: false, consumed: at };
    }
    parts.push(bytes.subarray(at, at + length));
    size += length;
    at += length + 2;
  }
}

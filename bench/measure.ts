/** Single-request measurements against a running service, and the requests that prepare it. */

/** The Echo mock the benchmark creates and then hits. */
export const MOCK_PATH = "/bench/hello";
export const MOCK_BODY = '{"hello":"world"}';

const JSONAPI_MEDIA_TYPE = "application/vnd.api+json";
const FACTORIAL_100000_DIGITS = 456_574;
const REQUEST_TIMEOUT_MS = 30_000;

export interface Probe {
  status: number;
  body: string;
}

/** One GET, body read; status 0 when the request itself failed. */
export async function probe(url: string): Promise<Probe> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: error instanceof Error ? error.message : String(error) };
  }
}

/** Creates the mock through the management API; returns the status and any error body. */
export async function createMock(baseUrl: string, apiToken: string): Promise<Probe> {
  const document = {
    data: {
      type: "endpoints",
      attributes: {
        verb: "GET",
        path: MOCK_PATH,
        response: { code: 200, headers: { "Content-Type": "application/json" }, body: MOCK_BODY },
      },
    },
  };
  try {
    const response = await fetch(`${baseUrl}/endpoints`, {
      method: "POST",
      headers: {
        "content-type": JSONAPI_MEDIA_TYPE,
        accept: JSONAPI_MEDIA_TYPE,
        authorization: `Bearer ${apiToken}`,
      },
      body: JSON.stringify(document),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: error instanceof Error ? error.message : String(error) };
  }
}

/** The largest `dur` in a Server-Timing header, in ms: the total when the server names parts. */
export function serverTimingMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const durations = [...header.matchAll(/(?:^|;)\s*dur=([\d.]+)/g)].map((m) => Number(m[1]));
  return durations.length > 0 ? Math.max(...durations) : undefined;
}

export interface FactorialTiming {
  status: number;
  /** Client-side, from sending the request to the last byte of the body, on loopback. */
  clientMs: number;
  /** From the Server-Timing header, when the service sends one. */
  serverMs: number | undefined;
  /** Whether the body carried all 456,574 digits of 100000!. */
  complete: boolean;
}

/** Times one request for 100000!; on a fresh process it is the uncached computation. */
export async function timeFactorial100000(baseUrl: string): Promise<FactorialTiming> {
  const startedAt = performance.now();
  const response = await fetch(`${baseUrl}/api/v1/factorial?number=100000`, {
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = await response.text();
  const clientMs = performance.now() - startedAt;
  let complete = false;
  if (response.status === 200) {
    const digits = (JSON.parse(body) as { factorial?: unknown }).factorial;
    complete = typeof digits === "string" && digits.length === FACTORIAL_100000_DIGITS;
  }
  return {
    status: response.status,
    clientMs,
    serverMs: serverTimingMs(response.headers.get("server-timing")),
    complete,
  };
}

export interface BlockingProbe {
  /** The slowest `/time` answer while 100000! was being computed. */
  maxTimeLatencyMs: number;
  probes: number;
  factorialMs: number;
}

/** Asks for `/time` back to back while a fresh process computes 100000!, to see if it blocks. */
export async function timeLatencyDuringFactorial(baseUrl: string): Promise<BlockingProbe> {
  // A warm `/time`, so the slowest answer is about the computation, not the first request.
  for (let i = 0; i < 50; i++) await probe(`${baseUrl}/time`);
  let computing = true;
  const factorial = timeFactorial100000(baseUrl).finally(() => {
    computing = false;
  });
  let maxTimeLatencyMs = 0;
  let probes = 0;
  while (computing) {
    const startedAt = performance.now();
    await probe(`${baseUrl}/time`);
    maxTimeLatencyMs = Math.max(maxTimeLatencyMs, performance.now() - startedAt);
    probes++;
  }
  const { clientMs } = await factorial;
  return { maxTimeLatencyMs, probes, factorialMs: clientMs };
}

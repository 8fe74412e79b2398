/** Small request helpers for `app.handle(...)` tests. */
export const BASE = "http://localhost";

export const req = (path: string, init?: RequestInit) => new Request(`${BASE}${path}`, init);

export const get = (path: string, headers?: Record<string, string>) => req(path, { headers });

export const sendJson = (
  method: string,
  path: string,
  body: unknown,
  headers?: Record<string, string>,
) =>
  req(path, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

/** Asserts nothing itself; returns the parsed error document for the caller to check. */
export async function errorsOf(response: Response) {
  return (await response.json()) as {
    errors: { status: string; code: string; detail: string; source?: Record<string, string> }[];
  };
}

/** A free TCP port on loopback. */
export function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port as number;
  server.stop(true);
  return port;
}

import { describe, expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { testApp } from "./support/app";
import { freePort } from "./support/http";

/**
 * Replays every API Gateway HTTP API (payload 2.0) event in events/ against the
 * app, turned into an HTTP request the way the Lambda Web Adapter forwards it,
 * so the files `make invoke` sends cannot drift from what the service answers.
 */

interface HttpApiEvent {
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  requestContext: { http: { method: string }; requestId: string } & Record<string, unknown>;
  body?: string;
  isBase64Encoded: boolean;
}

const DIR = fileURLToPath(new URL("../events/", import.meta.url));
const expected: Record<string, number | number[]> = JSON.parse(
  readFileSync(`${DIR}expected.json`, "utf8"),
);

/** What the adapter does: method, raw path and query, headers, cookies, decoded body. */
function requestFromEvent(event: HttpApiEvent): Request {
  const headers = new Headers(event.headers);
  if (event.cookies?.length) headers.set("cookie", event.cookies.join("; "));
  headers.set("x-amzn-request-context", JSON.stringify(event.requestContext));
  const query = event.rawQueryString ? `?${event.rawQueryString}` : "";
  const host = event.headers.host ?? "localhost";
  const body =
    event.body === undefined
      ? undefined
      : event.isBase64Encoded
        ? Buffer.from(event.body, "base64")
        : event.body;
  return new Request(`http://${host}${event.rawPath}${query}`, {
    method: event.requestContext.http.method,
    headers,
    body,
  });
}

describe("events/ replayed against the app", () => {
  // The smart event's upstream is a closed loopback port, so it fails fast and offline.
  const app = testApp({
    config: { onLambda: true, smartUpstreamUrl: `http://127.0.0.1:${freePort()}/api/work` },
  });

  for (const [file, status] of Object.entries(expected)) {
    it(`${file} answers ${JSON.stringify(status)}`, async () => {
      const event = JSON.parse(readFileSync(DIR + file, "utf8")) as HttpApiEvent;
      const response = await app.handle(requestFromEvent(event));
      const allowed = Array.isArray(status) ? status : [status];
      expect(allowed).toContain(response.status);
      expect(response.headers.get("x-request-id")).toBe(event.requestContext.requestId);
    });
  }
});

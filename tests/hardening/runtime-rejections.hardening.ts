import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type RunningServer, startServer } from "../support/process";
import { bodyText, headerOf, rawExchange } from "../support/raw-http";

// What Bun's HTTP parser answers itself, before the service sees a request, and what the
// service answers in its error format instead. docs/reliability.md lists both.
describe("requests the runtime could refuse on its own", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ env: { LOG_LEVEL: "warn" } });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  const errorOf = (text: string) => (JSON.parse(text) as { errors: { code: string }[] }).errors[0];

  it("a declared body far over any limit reaches the service: 413 in the error format", async () => {
    const response = await rawExchange(
      server.port,
      "POST /endpoints HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200000000\r\n\r\n",
    );
    expect(response.status).toBe(413);
    expect(headerOf(response, "content-type")).toBe("application/vnd.api+json");
    expect(errorOf(bodyText(response))?.code).toBe("payload_too_large");
  });

  it("a method Bun knows but no route serves: 405 in the error format", async () => {
    const response = await rawExchange(
      server.port,
      "PROPFIND /time HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    expect(response.status).toBe(405);
    expect(headerOf(response, "allow")).toBe("GET, HEAD, OPTIONS");
    expect(errorOf(bodyText(response))?.code).toBe("method_not_allowed");
  });

  it("a method Bun does not know: the connection closes with no answer", async () => {
    const response = await rawExchange(
      server.port,
      "FOO /time HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    expect([response.status, response.ended]).toEqual([undefined, "closed"]);
  });

  it("a request head over 16 KiB: Bun's empty 431", async () => {
    const response = await rawExchange(
      server.port,
      `GET /time HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    expect([response.status, response.body.byteLength]).toEqual([431, 0]);
  });

  it("an HTTP version other than 1.x: Bun's empty 505", async () => {
    const response = await rawExchange(server.port, "GET /time HTTP/2.0\r\nHost: x\r\n\r\n");
    expect([response.status, response.body.byteLength]).toEqual([505, 0]);
  });

  it("stays healthy after all of them", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

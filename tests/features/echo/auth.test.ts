import { describe, expect, it } from "bun:test";
import { memoryLogger } from "../../support/app";
import { createDocument, echoApp, firstError, greeting, jsonApiRequest } from "./support";

const TOKEN = "correct-horse-battery-staple";

function securedApp() {
  const { logger, lines } = memoryLogger("debug");
  return { ...echoApp({ config: { apiToken: TOKEN }, logger }), logger, lines };
}

const routes: [string, string, unknown?][] = [
  ["GET", "/endpoints"],
  ["POST", "/endpoints", createDocument(greeting())],
  ["GET", "/endpoints/some-id"],
  ["PATCH", "/endpoints/some-id", { data: { type: "endpoints", attributes: { verb: "PUT" } } }],
  ["DELETE", "/endpoints/some-id"],
];

describe("bearer-token auth with API_TOKEN set", () => {
  for (const [method, path, body] of routes) {
    it(`answers 401 to ${method} ${path} without a token`, async () => {
      const { handle } = securedApp();
      const response = await handle(jsonApiRequest(method, path, body));
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toStartWith("Bearer");
      expect((await firstError(response)).code).toBe("unauthorized");
    });
  }

  it("answers 401 to a wrong token, in the error format", async () => {
    const { handle } = securedApp();
    const response = await handle(
      jsonApiRequest("GET", "/endpoints", undefined, { authorization: "Bearer wrong" }),
    );
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect((await firstError(response)).detail).toBe("The bearer token is missing or wrong");
  });

  it("answers 401 to a token that only starts like the right one", async () => {
    const { handle } = securedApp();
    const response = await handle(
      jsonApiRequest("GET", "/endpoints", undefined, { authorization: `Bearer ${TOKEN}x` }),
    );
    expect(response.status).toBe(401);
  });

  it("answers 401 to another scheme carrying the token", async () => {
    const { handle } = securedApp();
    const response = await handle(
      jsonApiRequest("GET", "/endpoints", undefined, { authorization: `Basic ${TOKEN}` }),
    );
    expect(response.status).toBe(401);
  });

  it("accepts the right token", async () => {
    const { handle } = securedApp();
    const response = await handle(
      jsonApiRequest("GET", "/endpoints", undefined, { authorization: `Bearer ${TOKEN}` }),
    );
    expect(response.status).toBe(200);
  });

  it("accepts the scheme name in any case", async () => {
    const { handle } = securedApp();
    const response = await handle(
      jsonApiRequest("GET", "/endpoints", undefined, { authorization: `bearer ${TOKEN}` }),
    );
    expect(response.status).toBe(200);
  });

  it("creates nothing for an unauthorised POST", async () => {
    const { handle } = securedApp();
    await handle(jsonApiRequest("POST", "/endpoints", createDocument(greeting())));
    expect((await handle(new Request("http://localhost/greeting"))).status).toBe(404);
  });

  it("checks the token before reading the body", async () => {
    const { handle } = securedApp();
    const response = await handle(jsonApiRequest("POST", "/endpoints", "{not json"));
    expect(response.status).toBe(401);
  });

  it("never writes the token to the log", async () => {
    const { handle, logger, lines } = securedApp();
    await handle(
      jsonApiRequest("GET", "/endpoints", undefined, { authorization: `Bearer ${TOKEN}` }),
    );
    await handle(
      jsonApiRequest("GET", "/endpoints", undefined, { authorization: `Bearer ${TOKEN}0` }),
    );
    await handle(
      jsonApiRequest("POST", "/endpoints", createDocument(greeting()), {
        authorization: `Bearer ${TOKEN}`,
      }),
    );
    await Bun.sleep(1);
    logger.flush();
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it("logs no warning about an open API", async () => {
    const { logger, lines } = securedApp();
    logger.flush();
    expect(lines.filter((l) => String(l.msg).includes("API_TOKEN"))).toEqual([]);
  });
});

describe("without API_TOKEN", () => {
  it("leaves the management API open", async () => {
    const { handle } = echoApp();
    expect((await handle(jsonApiRequest("GET", "/endpoints"))).status).toBe(200);
  });

  it("logs one warning when the app is built", async () => {
    const { logger, lines } = memoryLogger("debug");
    const { handle } = echoApp({ logger });
    await handle(jsonApiRequest("GET", "/endpoints"));
    await handle(jsonApiRequest("GET", "/endpoints"));
    logger.flush();
    const warnings = lines.filter((l) => l.level === "warn" && String(l.msg).includes("API_TOKEN"));
    expect(warnings).toHaveLength(1);
  });
});

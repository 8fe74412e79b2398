import { describe, expect, it } from "bun:test";
import { loadConfig } from "../src/config";
import { testApp } from "./support/app";
import { errorsOf, get, req, sendJson } from "./support/http";

const mock = (verb: string, path: string, body = "mocked") =>
  sendJson("POST", "/endpoints", {
    data: { type: "endpoints", attributes: { verb, path, response: { code: 200, body } } },
  });

async function appWithGreeting(corsOrigins?: "*" | "off" | string[]) {
  const app = testApp(corsOrigins ? { config: { corsOrigins } } : {});
  expect((await app.handle(mock("GET", "/greeting"))).status).toBe(201);
  return app;
}

const preflight = (path: string, origin = "https://app.example", method = "PATCH") =>
  req(path, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      "access-control-request-headers": "content-type, authorization",
    },
  });

describe("a built-in route called with another method", () => {
  for (const [method, path, allow] of [
    ["POST", "/time", "GET, HEAD, OPTIONS"],
    ["PUT", "/endpoints", "GET, HEAD, POST, OPTIONS"],
    ["DELETE", "/tocos/Sam", "GET, HEAD, OPTIONS"],
    ["POST", "/endpoints/some-id", "GET, HEAD, DELETE, PATCH, OPTIONS"],
  ] as const) {
    it(`${method} ${path} → 405 with Allow: ${allow}, in the error format`, async () => {
      const response = await testApp().handle(req(path, { method }));
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe(allow);
      expect(response.headers.get("content-type")).toStartWith("application/json");
      expect((await errorsOf(response)).errors).toEqual([
        {
          status: "405",
          code: "method_not_allowed",
          detail: `\`${method}\` is not allowed on \`${path}\`; it answers ${allow}`,
        },
      ]);
    });
  }

  it("OPTIONS on it → 204 with Allow", async () => {
    const response = await testApp().handle(req("/api/v1/factorial", { method: "OPTIONS" }));
    expect(response.status).toBe(204);
    expect(response.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });
});

describe("a mock path called with an unknown verb", () => {
  it("keeps the 404", async () => {
    const app = await appWithGreeting();
    const response = await app.handle(req("/greeting", { method: "POST" }));
    expect(response.status).toBe(404);
    expect((await errorsOf(response)).errors[0]?.detail).toBe(
      "Requested page `/greeting` does not exist",
    );
  });

  it("keeps the 404 for a plain OPTIONS, and serves an OPTIONS mock", async () => {
    const app = await appWithGreeting();
    expect((await app.handle(req("/greeting", { method: "OPTIONS" }))).status).toBe(404);
    expect((await app.handle(mock("OPTIONS", "/greeting", "options mock"))).status).toBe(201);
    const response = await app.handle(req("/greeting", { method: "OPTIONS" }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("options mock");
  });

  it("keeps the 404 under a reserved prefix with no route", async () => {
    const response = await testApp().handle(req("/api/nothing", { method: "POST" }));
    expect(response.status).toBe(404);
  });
});

describe("CORS, by default for any origin", () => {
  it("marks responses, errors and mock hits alike, and exposes the service's headers", async () => {
    const app = await appWithGreeting();
    for (const request of [
      get("/time"),
      get("/greeting"),
      get("/nowhere"),
      req("/time", { method: "POST" }),
    ]) {
      const response = await app.handle(request);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(response.headers.get("access-control-expose-headers")).toBe(
        "x-request-id, location, server-timing",
      );
    }
  });

  it("leaves a mock's own CORS header, status and body as the mock set them", async () => {
    const app = testApp();
    const created = await app.handle(
      sendJson("POST", "/endpoints", {
        data: {
          type: "endpoints",
          attributes: {
            verb: "GET",
            path: "/own-cors",
            response: {
              code: 201,
              headers: { "Access-Control-Allow-Origin": "https://app.example" },
              body: "mine",
            },
          },
        },
      }),
    );
    expect(created.status).toBe(201);
    const response = await app.handle(get("/own-cors"));
    expect(response.status).toBe(201);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(response.headers.get("access-control-expose-headers")).toBe(
      "x-request-id, location, server-timing",
    );
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-z]+-[0-9a-z]+$/);
    expect(await response.text()).toBe("mine");
  });

  it("answers a preflight on a built-in route with 204 and its methods", async () => {
    const response = await testApp().handle(preflight("/endpoints/x"));
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-methods")).toBe(
      "GET, HEAD, DELETE, PATCH, OPTIONS",
    );
    expect(response.headers.get("access-control-allow-headers")).toBe(
      "content-type, authorization",
    );
    expect(response.headers.get("access-control-max-age")).toBe("600");
    expect(response.headers.get("x-request-id")).toBeTruthy();
  });

  it("answers a preflight on a mock path, with or without a mock there", async () => {
    const app = await appWithGreeting();
    for (const path of ["/greeting", "/not/yet/mocked"]) {
      const response = await app.handle(preflight(path, "https://app.example", "GET"));
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(response.headers.get("access-control-allow-methods")).toContain("GET");
    }
  });
});

describe("CORS for a list of origins", () => {
  const origins = ["https://app.example", "http://localhost:3000"];

  it("names a listed origin, and varies on Origin", async () => {
    const response = await testApp({ config: { corsOrigins: origins } }).handle(
      get("/time", { origin: "http://localhost:3000" }),
    );
    expect(response.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    expect(response.headers.get("vary")).toBe("Origin");
  });

  it("gives another origin no CORS headers, and no preflight on a mock path", async () => {
    const app = await appWithGreeting(origins);
    const response = await app.handle(get("/time", { origin: "https://evil.example" }));
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const refused = await app.handle(preflight("/greeting", "https://evil.example"));
    expect(refused.status).toBe(404);
    expect(refused.headers.get("access-control-allow-methods")).toBeNull();
  });
});

describe("CORS off", () => {
  it("sends no CORS headers, and leaves preflights to the routes and mocks", async () => {
    const app = await appWithGreeting("off");
    const response = await app.handle(get("/time", { origin: "https://app.example" }));
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect((await app.handle(preflight("/greeting"))).status).toBe(404);
    const builtIn = await app.handle(preflight("/time"));
    expect(builtIn.status).toBe(204);
    expect(builtIn.headers.get("access-control-allow-origin")).toBeNull();
    expect(builtIn.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });
});

describe("CORS_ORIGINS", () => {
  it("defaults to any origin, takes off and a comma list", () => {
    expect(loadConfig({}).corsOrigins).toBe("*");
    expect(loadConfig({ CORS_ORIGINS: "off" }).corsOrigins).toBe("off");
    expect(
      loadConfig({ CORS_ORIGINS: "https://app.example, http://localhost:3000" }).corsOrigins,
    ).toEqual(["https://app.example", "http://localhost:3000"]);
  });

  it("refuses an entry that is not an origin", () => {
    expect(() => loadConfig({ CORS_ORIGINS: "https://app.example/path" })).toThrow(
      "CORS_ORIGINS must be *, off, or a comma list of origins",
    );
  });
});

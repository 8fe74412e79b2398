import { describe, expect, it } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The API Gateway HTTP API (payload 2.0) events `make invoke` sends to the local emulator. */
interface HttpApiEvent {
  version: string;
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: {
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    routeKey: string;
    stage: string;
    requestId: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

const DIR = fileURLToPath(new URL("../../events/", import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith(".json") && f !== "expected.json");
const events = files.map((file) => ({
  file,
  event: JSON.parse(readFileSync(DIR + file, "utf8")) as HttpApiEvent,
}));
const expected: Record<string, number | number[]> = JSON.parse(
  readFileSync(`${DIR}expected.json`, "utf8"),
);

const failing = (check: (event: HttpApiEvent) => boolean) =>
  events.filter(({ event }) => !check(event)).map(({ file }) => file);

describe("events/", () => {
  it("holds time, tocos, one user, factorial, smart, Echo create and an Echo mock hit", () => {
    expect(files.sort()).toEqual(
      [
        "echo-create.json",
        "echo-hit.json",
        "factorial.json",
        "smart.json",
        "time.json",
        "tocos.json",
        "user.json",
      ].sort(),
    );
  });

  it("names an expected status for every event, and nothing else", () => {
    expect(Object.keys(expected).sort()).toEqual([...files].sort());
  });

  it("replays the Echo create before the mock hit it makes possible", () => {
    const order = Object.keys(expected);
    expect(order.indexOf("echo-create.json")).toBeLessThan(order.indexOf("echo-hit.json"));
  });

  it("uses payload format 2.0 through the $default route", () => {
    const wrong = failing(
      (e) =>
        e.version === "2.0" &&
        e.routeKey === "$default" &&
        e.requestContext.routeKey === "$default" &&
        e.requestContext.stage === "$default",
    );
    expect(wrong).toEqual([]);
  });

  it("agrees on the path between rawPath and the request context", () => {
    expect(failing((e) => e.rawPath === e.requestContext.http.path)).toEqual([]);
  });

  it("parses its query parameters from the raw query string", () => {
    const wrong = failing(
      (e) =>
        JSON.stringify(Object.fromEntries(new URLSearchParams(e.rawQueryString))) ===
        JSON.stringify(e.queryStringParameters ?? {}),
    );
    expect(wrong).toEqual([]);
  });

  it("lowercases header names, as API Gateway does", () => {
    expect(failing((e) => Object.keys(e.headers).every((k) => k === k.toLowerCase()))).toEqual([]);
  });

  it("carries cookies in the cookies array, never in a cookie header", () => {
    expect(failing((e) => !("cookie" in e.headers))).toEqual([]);
    expect(events.some(({ event }) => (event.cookies ?? []).length > 0)).toBe(true);
  });

  it("declares each body's decoded length in content-length", () => {
    const wrong = failing((e) => {
      const body = e.body ?? "";
      const bytes = e.isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body);
      return Number(e.headers["content-length"] ?? "0") === bytes.length;
    });
    expect(wrong).toEqual([]);
  });

  it("creates GET /hello with a JSON:API body, sent base64 as API Gateway sends it", () => {
    const create = events.find(({ file }) => file === "echo-create.json")?.event;
    expect(create?.isBase64Encoded).toBe(true);
    const document = JSON.parse(Buffer.from(create?.body ?? "", "base64").toString("utf8"));
    expect(document.data.type).toBe("endpoints");
    expect(document.data.attributes).toMatchObject({ verb: "GET", path: "/hello" });
    const hit = events.find(({ file }) => file === "echo-hit.json")?.event;
    expect(hit?.requestContext.http.method).toBe("GET");
    expect(hit?.rawPath).toBe("/hello");
  });

  it("gives /api/smart a deadline, so an unreachable upstream ends in 502 or 504", () => {
    const smart = events.find(({ file }) => file === "smart.json")?.event;
    expect(smart?.queryStringParameters?.timeout).toMatch(/^\d+$/);
    expect(expected["smart.json"]).toEqual([502, 504]);
  });
});

import { describe, expect, it } from "bun:test";
import { testApp } from "./support/app";
import { get, req } from "./support/http";

interface Operation {
  responses: Record<string, { content?: Record<string, unknown> }>;
}
type Paths = Record<string, Record<string, Operation>>;

const mediaType = (contentType: string | null) =>
  (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

function operationFor(paths: Paths, method: string, path: string): Operation | undefined {
  for (const [template, operations] of Object.entries(paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (pattern.test(path)) return operations[method.toLowerCase()];
  }
  return undefined;
}

const jsonApi = { "content-type": "application/vnd.api+json" };
const requests = [
  get("/time"),
  get("/tocos"),
  get("/tocos/Sam"),
  get("/tocos/nobody"),
  get("/tocos/%ZZ"),
  get("/api/v1/factorial?number=10"),
  get("/api/v1/factorial?number=10", { accept: "text/plain" }),
  get("/api/v1/factorial?number=x"),
  get("/api/smart?timeout=0"),
  get("/healthz"),
  get("/metrics"),
  get("/endpoints"),
  get("/endpoints/nope"),
  get("/endpoints/%ZZ"),
  req("/endpoints/%ZZ", { method: "DELETE" }),
  req("/endpoints", { method: "POST", headers: jsonApi, body: "{" }),
];

describe("/openapi.json lists the media type of every answer", () => {
  it("for each request of the tour and its errors", async () => {
    const app = testApp();
    const doc = (await (await app.handle(get("/openapi.json"))).json()) as { paths: Paths };
    const missing: string[] = [];
    for (const request of requests) {
      const response = await app.handle(request.clone() as Request);
      const path = new URL(request.url).pathname;
      const operation = operationFor(doc.paths, request.method, path);
      const documented = operation?.responses[String(response.status)]?.content ?? {};
      const type = mediaType(response.headers.get("content-type"));
      if (!Object.keys(documented).some((key) => mediaType(key) === type)) {
        missing.push(`${request.method} ${path} → ${response.status} ${type}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

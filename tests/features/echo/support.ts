import type { EndpointAttributes } from "../../../src/store/store";
import { testApp } from "../../support/app";
import { greeting } from "../../support/fixtures";
import { BASE, errorsOf } from "../../support/http";

export { greeting };

/** Helpers for Echo's HTTP tests. */

export const JSONAPI = "application/vnd.api+json";

export const createDocument = (attributes: unknown) => ({
  data: { type: "endpoints", attributes },
});

export function jsonApiRequest(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return new Request(`${BASE}${path}`, {
    method,
    headers: body === undefined ? headers : { "content-type": JSONAPI, ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

export interface ResourceDocument {
  data: { type: string; id: string; attributes: EndpointAttributes };
}

/** A test app with its store, and small verbs over it. */
export function echoApp(overrides: Parameters<typeof testApp>[0] = {}) {
  const app = testApp(overrides);
  const handle = (request: Request) => app.handle(request);
  return {
    app,
    handle,
    async create(attributes: unknown = greeting(), headers: Record<string, string> = {}) {
      return handle(jsonApiRequest("POST", "/endpoints", createDocument(attributes), headers));
    },
    async createdId(attributes: unknown = greeting()) {
      const response = await handle(
        jsonApiRequest("POST", "/endpoints", createDocument(attributes)),
      );
      if (response.status !== 201) throw new Error(`create failed: ${await response.text()}`);
      return ((await response.json()) as ResourceDocument).data.id;
    },
    async list() {
      const response = await handle(jsonApiRequest("GET", "/endpoints"));
      return ((await response.json()) as { data: ResourceDocument["data"][] }).data;
    },
  };
}

/** The first error of an error document; `status` is the response's, checked against the body's. */
export async function firstError(response: Response) {
  const body = await errorsOf(response);
  const error = body.errors[0];
  if (error?.status !== String(response.status)) {
    throw new Error(`error status ${error?.status} differs from the response's ${response.status}`);
  }
  return { ...error, status: response.status };
}

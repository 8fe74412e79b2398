import type { Endpoint } from "../../src/store/store";
import type { LiveState } from "./openapi-requests";

/**
 * The promises every answer keeps, whatever was asked: no 5xx (except 502/504 from the smart
 * proxy, the simulated upstream's 500, and a stored mock's own code), errors in the one format, and a mock store that changes
 * only through acknowledged writes. Each check returns what is wrong, or `undefined`.
 */

export interface Answer {
  method: string;
  /** The path the service saw, without the query. */
  path: string;
  status: number;
  header(name: string): string | null | undefined;
  body: Uint8Array;
}

const CODE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const ERROR_MEMBERS = new Set(["status", "code", "detail", "source"]);
const SOURCE_MEMBERS = new Set(["parameter", "pointer", "header"]);
const utf8 = new TextDecoder();

/** What is wrong with an error response's body, if anything. */
export function errorFormatProblem(answer: Answer): string | undefined {
  const type = answer.header("content-type") ?? "";
  if (answer.method === "HEAD" && answer.body.byteLength === 0) return undefined;
  if (!/^application\/(json|vnd\.api\+json)\b/.test(type)) {
    return `an error with content-type ${JSON.stringify(type)}`;
  }
  let document: unknown;
  try {
    document = JSON.parse(utf8.decode(answer.body));
  } catch {
    return "an error body that is not JSON";
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    return "an error body that is not an object";
  }
  const keys = Object.keys(document);
  if (keys.length !== 1 || keys[0] !== "errors") return `error members ${keys.join(",")}`;
  const errors = (document as { errors: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return "`errors` is not a non-empty array";
  for (const error of errors as Record<string, unknown>[]) {
    const extra = Object.keys(error).filter((k) => !ERROR_MEMBERS.has(k));
    if (extra.length > 0) return `unknown error members ${extra.join(",")}`;
    if (error.status !== String(answer.status)) {
      return `error status ${String(error.status)} on a ${answer.status} response`;
    }
    if (typeof error.code !== "string" || !CODE.test(error.code)) {
      return `code ${JSON.stringify(error.code)} is not snake_case`;
    }
    if (typeof error.detail !== "string" || error.detail.trim() === "") return "an empty detail";
    if (error.source !== undefined) {
      const source = error.source as Record<string, unknown>;
      const names = typeof source === "object" && source !== null ? Object.keys(source) : [];
      if (
        names.length !== 1 ||
        !names.every((n) => SOURCE_MEMBERS.has(n) && typeof source[n] === "string")
      ) {
        return `source ${JSON.stringify(error.source)}`;
      }
    }
  }
  return undefined;
}

/**
 * The mocks the service acknowledged, kept from its own answers: a 201 adds one, a 200 to a
 * PATCH replaces one, a 204 to a DELETE removes one. Nothing else may change the store.
 */
/**
 * A mock this model answers for exactly: one fixed response at a literal path, with no request
 * conditions, template or fault. Sequences, conditions and templates have their own tests.
 */
const isPredictable = (mock: Endpoint) =>
  mock.response !== undefined &&
  mock.request === undefined &&
  mock.response.template !== true &&
  mock.response.fault === undefined &&
  !mock.path.includes("{");

export class AcknowledgedEndpoints {
  readonly #byId = new Map<string, Endpoint>();
  creations = 0;

  /** Records what an answer to the management API acknowledged. */
  observe(method: string, path: string, status: number, body: Uint8Array): void {
    if (method === "POST" && path === "/endpoints" && status === 201) {
      this.#put(body);
      this.creations += 1;
    } else if (method === "PATCH" && path.startsWith("/endpoints/") && status === 200) {
      this.#put(body);
    } else if (method === "DELETE" && path.startsWith("/endpoints/") && status === 204) {
      this.#byId.delete(decodeSegment(path.slice("/endpoints/".length)));
    }
  }

  #put(body: Uint8Array) {
    const { data } = JSON.parse(utf8.decode(body)) as {
      data: { id: string; attributes: Omit<Endpoint, "id"> };
    };
    this.#byId.set(data.id, { id: data.id, ...data.attributes });
  }

  /** The stored mock answering `method path`, if one was acknowledged. */
  mockFor(method: string, path: string): Endpoint | undefined {
    for (const endpoint of this.#byId.values()) {
      if (isPredictable(endpoint) && endpoint.verb === method && endpoint.path === path) {
        return endpoint;
      }
    }
    return undefined;
  }

  /** Whether a mock whose answer this model cannot predict may have answered the request. */
  mayHaveAnswered(method: string, path: string): boolean {
    for (const endpoint of this.#byId.values()) {
      if (isPredictable(endpoint) || endpoint.verb !== method) continue;
      if (endpoint.path === path || endpoint.path.includes("{")) return true;
    }
    return false;
  }

  /** In creation order, as `GET /endpoints` lists them. */
  list(): Endpoint[] {
    return [...this.#byId.values()];
  }

  state(): LiveState {
    const list = this.list();
    return { ids: list.map((e) => e.id), mocks: list.map((e) => [e.verb, e.path]) };
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** What is wrong with a stored mock's answer: it must be its code, headers and body verbatim. */
export function mockAnswerProblem(answer: Answer, mock: Endpoint): string | undefined {
  const { code, headers = {}, body = "" } = mock.response ?? { code: 0 };
  if (answer.status !== code)
    return `mock ${mock.verb} ${mock.path} answered ${answer.status}, stored ${code}`;
  for (const [name, value] of Object.entries(headers)) {
    // HTTP drops whitespace around a field value (RFC 9110 section 5.5), on any server.
    if (answer.header(name) !== value.replace(/^[ \t]+|[ \t]+$/g, "")) {
      return `mock header ${name} is ${JSON.stringify(answer.header(name))}, stored ${JSON.stringify(value)}`;
    }
  }
  const carriesBody = answer.method !== "HEAD" && code !== 204 && code !== 304;
  const sent = utf8.decode(answer.body);
  if (carriesBody && sent !== body)
    return `mock body differs: ${JSON.stringify(sent.slice(0, 80))}`;
  return undefined;
}

/** True when the answer is, byte for byte, what one of the stored mocks answers. */
export const isStoredMockAnswer = (answer: Answer, mocks: Endpoint[]) =>
  mocks.some((mock) => mock.verb === answer.method && !mockAnswerProblem(answer, mock));

/** The 5xx a caller may see: 502 and 504 from the smart proxy, and the simulated upstream's 500. */
export const allowed5xx = (answer: Answer) =>
  (answer.path === "/api/smart" && (answer.status === 502 || answer.status === 504)) ||
  (answer.path === "/api/work" && answer.status === 500);

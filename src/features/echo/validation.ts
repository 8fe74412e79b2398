import { ApiError, quote, unprocessable } from "../../errors";
import { HTTP_METHODS, type HttpMethod } from "../../http-methods";
import type { EndpointAttributes, MockResponse } from "../../store/store";

/**
 * Reads and checks Echo's JSON:API documents. Pure: it sees parsed JSON and
 * returns store attributes, or throws an ApiError naming the field by JSON pointer.
 */

export const ENDPOINT_TYPE = "endpoints";

export const VERBS = HTTP_METHODS;
export type Verb = HttpMethod;

export const LIMITS = {
  /** Request bodies of the management API, in bytes. */
  requestBytes: 1024 * 1024,
  pathLength: 2048,
  /** A mock's body, in UTF-8 bytes. */
  bodyBytes: 256 * 1024,
  headerCount: 50,
  headerNameLength: 256,
  headerValueLength: 8192,
  minCode: 200,
  maxCode: 599,
} as const;

/** Headers that frame the message or belong to one connection; the server sets them itself. */
export const FORBIDDEN_HEADERS = [
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "trailer",
  "te",
  "proxy-connection",
] as const;

/** Path roots the service serves itself; a mock at or under one would be shadowed. */
export const RESERVED_ROOTS = [
  "/docs",
  "/openapi.json",
  "/healthz",
  "/metrics",
  "/time",
  "/tocos",
  "/api",
  "/endpoints",
  "/requests",
  "/console",
] as const;

/** Codes whose responses never carry a body. */
const BODILESS_CODES = new Set([204, 205, 304]);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
/** RFC 3986 path characters: unreserved, sub-delims, ":", "@", "/" and percent-escapes. */
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(?=\/|$)/i;

const encoder = new TextEncoder();

/** Control characters (C0 and DEL) or any Unicode whitespace. */
function hasWhitespaceOrControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit <= 0x20 || unit === 0x7f) return true;
  }
  return /\s/.test(value);
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const kindOf = (value: unknown) =>
  value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;

/** Escapes a member name for use inside a JSON pointer (RFC 6901). */
const pointerPart = (name: string) => name.replaceAll("~", "~0").replaceAll("/", "~1");

const ATTRIBUTES = "/data/attributes";

export function isReservedPath(path: string): boolean {
  if (path === "/") return true;
  return RESERVED_ROOTS.some((root) => path === root || path.startsWith(`${root}/`));
}

export function checkVerb(value: unknown, pointer = `${ATTRIBUTES}/verb`): Verb {
  if (typeof value !== "string" || !(VERBS as readonly string[]).includes(value)) {
    throw unprocessable(
      pointer,
      `\`verb\` must be one of ${VERBS.join(", ")}, in upper case; got ${describe(value)}`,
    );
  }
  return value as Verb;
}

export function checkPath(value: unknown, pointer = `${ATTRIBUTES}/path`): string {
  const fail = (why: string) => unprocessable(pointer, `\`path\` ${why}`);
  if (typeof value !== "string") throw fail(`must be a string; got ${kindOf(value)}`);
  if (!value.startsWith("/")) throw fail("must start with `/`");
  if (value.length > LIMITS.pathLength) {
    throw fail(`must be at most ${LIMITS.pathLength} characters; got ${value.length}`);
  }
  if (value.includes("?")) throw fail("must not contain a query string (`?`)");
  if (value.includes("#")) throw fail("must not contain a fragment (`#`)");
  if (hasWhitespaceOrControl(value)) {
    throw fail("must not contain whitespace or control characters");
  }
  if (!PATH_CHARS.test(value)) {
    throw fail(
      "must contain only URL path characters; percent-encode anything else, e.g. `/caf%C3%A9`",
    );
  }
  if (BAD_ESCAPE.test(value)) throw fail("has a `%` that is not followed by two hex digits");
  if (DOT_SEGMENT.test(value)) {
    throw fail("must not contain `.` or `..` segments, which clients resolve before sending");
  }
  if (isReservedPath(value)) {
    throw fail(
      `\`${quote(value)}\` is served by this service itself (${["/", ...RESERVED_ROOTS].join(", ")} and everything under them), so a mock there could never answer`,
    );
  }
  return value;
}

function checkCode(value: unknown, pointer: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw unprocessable(pointer, `\`code\` must be an integer; got ${describe(value)}`);
  }
  if (value < LIMITS.minCode || value > LIMITS.maxCode) {
    const why =
      value >= 100 && value < 200 ? "; informational 1xx codes cannot end a response" : "";
    throw unprocessable(
      pointer,
      `\`code\` must be from ${LIMITS.minCode} to ${LIMITS.maxCode}; got ${value}${why}`,
    );
  }
  return value;
}

function checkHeaders(value: unknown, pointer: string): Record<string, string> {
  if (!isObject(value)) {
    throw unprocessable(
      pointer,
      `\`headers\` must be an object of header names to string values; got ${kindOf(value)}`,
    );
  }
  const entries = Object.entries(value);
  if (entries.length > LIMITS.headerCount) {
    throw unprocessable(
      pointer,
      `\`headers\` may hold at most ${LIMITS.headerCount} headers; got ${entries.length}`,
    );
  }
  const seen = new Set<string>();
  for (const [name, headerValue] of entries) {
    const at = `${pointer}/${pointerPart(name)}`;
    if (name.length === 0 || name.length > LIMITS.headerNameLength) {
      throw unprocessable(
        at,
        `Header names must be 1 to ${LIMITS.headerNameLength} characters long`,
      );
    }
    if (/[\r\n]/.test(name)) throw unprocessable(at, "Header names must not contain CR or LF");
    if (!TOKEN.test(name)) {
      throw unprocessable(at, `Header name \`${name}\` is not a valid HTTP token (RFC 7230)`);
    }
    const lower = name.toLowerCase();
    if ((FORBIDDEN_HEADERS as readonly string[]).includes(lower)) {
      throw unprocessable(
        at,
        `Header \`${name}\` is set by the server from the body and the connection; it cannot be stored`,
      );
    }
    if (seen.has(lower)) {
      throw unprocessable(at, `Header \`${name}\` appears twice (header names ignore case)`);
    }
    seen.add(lower);
    if (typeof headerValue !== "string") {
      throw unprocessable(
        at,
        `Header \`${name}\` must have a string value; got ${kindOf(headerValue)}`,
      );
    }
    if (/[\r\n]/.test(headerValue)) {
      throw unprocessable(at, `Header \`${name}\` must not contain CR or LF`);
    }
    if (headerValue.length > LIMITS.headerValueLength) {
      throw unprocessable(
        at,
        `Header \`${name}\` must be at most ${LIMITS.headerValueLength} characters long`,
      );
    }
    if (!HEADER_VALUE.test(headerValue)) {
      throw unprocessable(at, `Header \`${name}\` may hold only printable ASCII, spaces and tabs`);
    }
  }
  // fromEntries defines own properties, so a name like `__proto__` stays an ordinary header.
  return Object.fromEntries(entries) as Record<string, string>;
}

function checkBody(value: unknown, pointer: string): string {
  if (typeof value !== "string") {
    throw unprocessable(pointer, `\`body\` must be a string; got ${kindOf(value)}`);
  }
  if (!value.isWellFormed()) {
    throw unprocessable(pointer, "`body` must be valid Unicode (it holds a lone surrogate)");
  }
  // Cheap bound first: a UTF-8 byte is at most 3 per UTF-16 unit.
  if (value.length * 3 > LIMITS.bodyBytes && encoder.encode(value).byteLength > LIMITS.bodyBytes) {
    throw unprocessable(pointer, `\`body\` must be at most ${LIMITS.bodyBytes} bytes of UTF-8`);
  }
  return value;
}

const RESPONSE_MEMBERS = ["code", "headers", "body"];

function checkResponse(value: unknown, pointer = `${ATTRIBUTES}/response`): MockResponse {
  if (!isObject(value)) {
    throw unprocessable(pointer, `\`response\` must be an object; got ${kindOf(value)}`);
  }
  rejectUnknownMembers(value, RESPONSE_MEMBERS, pointer);
  if (!("code" in value)) throw unprocessable(`${pointer}/code`, "`code` is required");
  const response: MockResponse = { code: checkCode(value.code, `${pointer}/code`) };
  if ("headers" in value) response.headers = checkHeaders(value.headers, `${pointer}/headers`);
  if ("body" in value) response.body = checkBody(value.body, `${pointer}/body`);
  return response;
}

function rejectUnknownMembers(value: Json, known: readonly string[], pointer: string) {
  for (const name of Object.keys(value)) {
    if (!known.includes(name)) {
      throw unprocessable(
        `${pointer}/${pointerPart(name)}`,
        `\`${name}\` is not a known member; expected ${known.map((k) => `\`${k}\``).join(", ")}`,
      );
    }
  }
}

/** A body would be dropped on the wire, so it is refused rather than silently lost. */
export function checkBodyAllowed(attributes: EndpointAttributes) {
  const { verb, response } = attributes;
  if (response.body === undefined || response.body === "") return;
  const pointer = `${ATTRIBUTES}/response/body`;
  if (verb === "HEAD") {
    throw unprocessable(pointer, "A HEAD mock cannot have a body: HEAD responses carry none");
  }
  if (BODILESS_CODES.has(response.code)) {
    throw unprocessable(pointer, `A ${response.code} response cannot have a body`);
  }
}

function describe(value: unknown): string {
  if (typeof value === "string")
    return `\`${value.length > 40 ? `${value.slice(0, 40)}…` : value}\``;
  if (typeof value === "number" || typeof value === "boolean") return `\`${value}\``;
  return kindOf(value);
}

const ATTRIBUTE_MEMBERS = ["verb", "path", "response"];

/** The `data` member, with its `type` checked; shared by create and update. */
function resourceObject(document: unknown): Json {
  if (!isObject(document)) {
    throw unprocessable("", `The document must be a JSON object; got ${kindOf(document)}`);
  }
  if (!("data" in document)) throw unprocessable("/data", "`data` is required");
  const data = document.data;
  if (!isObject(data)) {
    throw unprocessable("/data", `\`data\` must be a resource object; got ${kindOf(data)}`);
  }
  if (!("type" in data)) throw unprocessable("/data/type", "`type` is required");
  if (data.type !== ENDPOINT_TYPE) {
    throw unprocessable(
      "/data/type",
      `\`type\` must be \`${ENDPOINT_TYPE}\`; got ${describe(data.type)}`,
    );
  }
  if ("attributes" in data && !isObject(data.attributes)) {
    throw unprocessable(
      ATTRIBUTES,
      `\`attributes\` must be an object; got ${kindOf(data.attributes)}`,
    );
  }
  if (isObject(data.attributes))
    rejectUnknownMembers(data.attributes, ATTRIBUTE_MEMBERS, ATTRIBUTES);
  return data;
}

/** `POST /endpoints`: every attribute is required. */
export function readCreateDocument(document: unknown): EndpointAttributes {
  const data = resourceObject(document);
  if ("id" in data) {
    throw new ApiError(
      403,
      "client_id_unsupported",
      "The server assigns endpoint ids; leave `id` out",
      {
        pointer: "/data/id",
      },
    );
  }
  if (!isObject(data.attributes)) throw unprocessable(ATTRIBUTES, "`attributes` is required");
  const attributes = data.attributes;
  for (const name of ATTRIBUTE_MEMBERS) {
    if (!(name in attributes))
      throw unprocessable(`${ATTRIBUTES}/${name}`, `\`${name}\` is required`);
  }
  const endpoint: EndpointAttributes = {
    verb: checkVerb(attributes.verb),
    path: checkPath(attributes.path),
    response: checkResponse(attributes.response),
  };
  checkBodyAllowed(endpoint);
  return endpoint;
}

/**
 * `PATCH /endpoints/:id`: the attributes present replace the stored ones. The
 * caller checks the merged result with `checkBodyAllowed`.
 */
export function readUpdateDocument(document: unknown, urlId: string): Partial<EndpointAttributes> {
  const data = resourceObject(document);
  if ("id" in data) {
    if (typeof data.id !== "string") {
      throw unprocessable("/data/id", `\`id\` must be a string; got ${kindOf(data.id)}`);
    }
    if (data.id !== urlId) {
      throw new ApiError(
        409,
        "id_mismatch",
        `The document's id \`${data.id}\` does not match the URL's id \`${urlId}\``,
        { pointer: "/data/id" },
      );
    }
  }
  const attributes = isObject(data.attributes) ? data.attributes : {};
  const changes: Partial<EndpointAttributes> = {};
  if ("verb" in attributes) changes.verb = checkVerb(attributes.verb);
  if ("path" in attributes) changes.path = checkPath(attributes.path);
  if ("response" in attributes) changes.response = checkResponse(attributes.response);
  return changes;
}

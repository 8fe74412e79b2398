import { unprocessable } from "../../errors";
import type { EndpointAttributes, MockResponse } from "../../store/store";
import { checkSchema, MAX_RESPONSES, ResponseExtensions } from "./model";
import {
  ATTRIBUTES,
  BODILESS_CODES,
  describe,
  FORBIDDEN_HEADERS,
  HEADER_VALUE,
  isObject,
  type Json,
  kindOf,
  LIMITS,
  pointerPart,
  rejectUnknownMembers,
  TOKEN,
} from "./rules";
import { checkTemplate } from "./templates";

/** Checks a mock's `response`, or its `responses` list. */

const encoder = new TextEncoder();

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

const RESPONSE_MEMBERS = ["code", "headers", "body", "template", "delay", "fault"];

export function checkResponse(
  value: unknown,
  pointer = `${ATTRIBUTES}/response`,
  members = RESPONSE_MEMBERS,
): MockResponse {
  if (!isObject(value)) {
    throw unprocessable(pointer, `\`response\` must be an object; got ${kindOf(value)}`);
  }
  rejectUnknownMembers(value, members, pointer);
  if (!("code" in value)) throw unprocessable(`${pointer}/code`, "`code` is required");
  const response: MockResponse = { code: checkCode(value.code, `${pointer}/code`) };
  if ("headers" in value) response.headers = checkHeaders(value.headers, `${pointer}/headers`);
  if ("body" in value) response.body = checkBody(value.body, `${pointer}/body`);
  for (const name of ["template", "delay", "fault", "weight"] as const) {
    if (name in value) {
      const schema = ResponseExtensions[name];
      (response as unknown as Json)[name] = checkSchema(
        schema,
        value[name],
        `${pointer}/${name}`,
        name,
      );
    }
  }
  const { delay } = response;
  if (typeof delay === "object" && delay.min > delay.max) {
    throw unprocessable(`${pointer}/delay/min`, "`min` must not be above `max`");
  }
  if (response.template) {
    if (response.body !== undefined) checkTemplate(response.body, `${pointer}/body`);
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      checkTemplate(header, `${pointer}/headers/${pointerPart(name)}`);
    }
  }
  return response;
}

export function checkResponses(value: unknown): MockResponse[] {
  const pointer = `${ATTRIBUTES}/responses`;
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_RESPONSES) {
    throw unprocessable(
      pointer,
      `\`responses\` must be a list of 1 to ${MAX_RESPONSES} responses; got ${describe(value)}`,
    );
  }
  return value.map((item, i) =>
    checkResponse(item, `${pointer}/${i}`, [...RESPONSE_MEMBERS, "weight"]),
  );
}

function checkBodySent(verb: string, response: MockResponse, pointer: string) {
  if (response.body === undefined || response.body === "") return;
  if (verb === "HEAD") {
    throw unprocessable(pointer, "A HEAD mock cannot have a body: HEAD responses carry none");
  }
  if (BODILESS_CODES.has(response.code)) {
    throw unprocessable(pointer, `A ${response.code} response cannot have a body`);
  }
}

/**
 * The rules across members: one of `response` and `responses`, `order` only with `responses`,
 * and no body that the wire would drop (it is refused rather than silently lost).
 */
export function checkBodyAllowed(attributes: EndpointAttributes) {
  const { verb, response, responses, order } = attributes;
  if (response && responses) {
    throw unprocessable(
      `${ATTRIBUTES}/responses`,
      "Give either `response` or `responses`, not both",
    );
  }
  if (order !== undefined && !responses) {
    throw unprocessable(`${ATTRIBUTES}/order`, "`order` applies only with `responses`");
  }
  if (response) checkBodySent(verb, response, `${ATTRIBUTES}/response/body`);
  for (const [i, item] of (responses ?? []).entries()) {
    checkBodySent(verb, item, `${ATTRIBUTES}/responses/${i}/body`);
  }
}

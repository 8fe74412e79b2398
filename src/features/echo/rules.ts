import { unprocessable } from "../../errors";
import { HTTP_METHODS, type HttpMethod } from "../../http-methods";
import { HeaderNamePattern, HeaderValuePattern, PathPattern } from "./model";

/** Echo's limits, reserved names and the small helpers every document check shares. */

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
export const BODILESS_CODES = new Set([204, 205, 304]);

export const TOKEN = new RegExp(HeaderNamePattern);
export const HEADER_VALUE = new RegExp(HeaderValuePattern);
export const PATH_CHARS = new RegExp(PathPattern);
export const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
export const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(?=\/|$)/i;

/** Control characters (C0 and DEL) or any Unicode whitespace. */
export function hasWhitespaceOrControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit <= 0x20 || unit === 0x7f) return true;
  }
  return /\s/.test(value);
}

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export const kindOf = (value: unknown) =>
  value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;

/** Escapes a member name for use inside a JSON pointer (RFC 6901). */
export const pointerPart = (name: string) => name.replaceAll("~", "~0").replaceAll("/", "~1");

export const ATTRIBUTES = "/data/attributes";
export function describe(value: unknown): string {
  if (typeof value === "string")
    return `\`${value.length > 40 ? `${value.slice(0, 40)}…` : value}\``;
  if (typeof value === "number" || typeof value === "boolean") return `\`${value}\``;
  return kindOf(value);
}

export function rejectUnknownMembers(value: Json, known: readonly string[], pointer: string) {
  for (const name of Object.keys(value)) {
    if (!known.includes(name)) {
      throw unprocessable(
        `${pointer}/${pointerPart(name)}`,
        `\`${name}\` is not a known member; expected ${known.map((k) => `\`${k}\``).join(", ")}`,
      );
    }
  }
}

import { ApiError, quote, unprocessable } from "../../errors";
import type { EndpointAttributes, RequestConditions } from "../../store/store";
import { checkSchema, Order, Priority, RequestConditionsSchema } from "./model";
import { normalisePath, templateProblem } from "./paths";
import {
  ATTRIBUTES,
  BAD_ESCAPE,
  DOT_SEGMENT,
  describe,
  ENDPOINT_TYPE,
  hasWhitespaceOrControl,
  isObject,
  type Json,
  kindOf,
  LIMITS,
  PATH_CHARS,
  pointerPart,
  RESERVED_ROOTS,
  rejectUnknownMembers,
  VERBS,
  type Verb,
} from "./rules";
import { checkBodyAllowed, checkResponse, checkResponses } from "./validate-response";

/**
 * Reads and checks Echo's JSON:API documents. Pure: it sees parsed JSON and
 * returns store attributes, or throws an ApiError naming the field by JSON pointer.
 */

export {
  ENDPOINT_TYPE,
  FORBIDDEN_HEADERS,
  LIMITS,
  RESERVED_ROOTS,
  VERBS,
  type Verb,
} from "./rules";
export { checkBodyAllowed } from "./validate-response";

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
  // Stored and matched in one form: `/café`, `/caf%c3%a9` and `/caf%C3%A9` are one path.
  const path = normalisePath(value);
  if (path.length > LIMITS.pathLength) {
    throw fail(`must be at most ${LIMITS.pathLength} characters once percent-encoded`);
  }
  const template = templateProblem(path);
  if (template) throw fail(template);
  if (DOT_SEGMENT.test(path)) {
    throw fail("must not contain `.` or `..` segments, which clients resolve before sending");
  }
  if (isReservedPath(path)) {
    throw fail(
      `\`${quote(value)}\` is served by this service itself (${["/", ...RESERVED_ROOTS].join(", ")} and everything under them), so a mock there could never answer`,
    );
  }
  return path;
}

const ATTRIBUTE_MEMBERS = ["verb", "path", "request", "priority", "response", "responses", "order"];

/** The members beyond verb, path and response, each checked against its schema. */
function readExtensions(attributes: Json, into: Partial<EndpointAttributes>) {
  if ("request" in attributes) {
    const pointer = `${ATTRIBUTES}/request`;
    const request = checkSchema(RequestConditionsSchema, attributes.request, pointer, "request");
    const seen = new Set<string>();
    for (const name of Object.keys(request.headers ?? {})) {
      if (seen.has(name.toLowerCase())) {
        throw unprocessable(
          `${pointer}/headers/${pointerPart(name)}`,
          `Header \`${name}\` appears twice (header names ignore case)`,
        );
      }
      seen.add(name.toLowerCase());
    }
    into.request = request as RequestConditions;
  }
  if ("priority" in attributes) {
    into.priority = checkSchema(
      Priority,
      attributes.priority,
      `${ATTRIBUTES}/priority`,
      "priority",
    );
  }
  if ("responses" in attributes) into.responses = checkResponses(attributes.responses);
  if ("order" in attributes) {
    into.order = checkSchema(Order, attributes.order, `${ATTRIBUTES}/order`, "order");
  }
}

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
  const required = ["verb", "path", "responses" in attributes ? "responses" : "response"];
  for (const name of required) {
    if (!(name in attributes))
      throw unprocessable(`${ATTRIBUTES}/${name}`, `\`${name}\` is required`);
  }
  const endpoint: EndpointAttributes = {
    verb: checkVerb(attributes.verb),
    path: checkPath(attributes.path),
  };
  if ("response" in attributes) endpoint.response = checkResponse(attributes.response);
  readExtensions(attributes, endpoint);
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
  readExtensions(attributes, changes);
  if (changes.response && changes.responses) checkBodyAllowed(changes as EndpointAttributes);
  return changes;
}

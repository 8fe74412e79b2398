import type * as Sampler from "openapi-sampler";

/**
 * Turns an OpenAPI 3.0 or 3.1 document into mocks: one per operation, at the operation's path
 * (its `{param}` templates kept, the `servers` base path left out), answering the operation's
 * first 2xx response with that response's example, or a body generated from its schema.
 */

export const OPENAPI_METHODS = [
  "get",
  "put",
  "post",
  "delete",
  "options",
  "head",
  "patch",
  "trace",
];

export interface Operation {
  /** JSON pointer to the operation in the document. */
  pointer: string;
  verb: string;
  path: string;
}

export interface ConvertedOperation extends Operation {
  attributes: {
    verb: string;
    path: string;
    response: { code: number; headers?: Record<string, string>; body?: string };
  };
}

export interface SkippedOperation extends Operation {
  reason: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** RFC 6901: `~` and `/` escaped in a pointer segment. */
export const pointerSegment = (segment: string) =>
  segment.replaceAll("~", "~0").replaceAll("/", "~1");

/** Follows local `$ref`s (`#/components/...`); anything else is returned as it is. */
function resolve(document: Json, value: unknown): unknown {
  let current = value;
  for (let hops = 0; hops < 16 && isObject(current) && typeof current.$ref === "string"; hops++) {
    const ref = current.$ref;
    if (!ref.startsWith("#/")) return current;
    let target: unknown = document;
    for (const raw of ref.slice(2).split("/")) {
      const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
      target = isObject(target) ? target[key] : undefined;
    }
    current = target;
  }
  return current;
}

const isJsonType = (type: string) => /^application\/([\w.+-]*\+)?json\b/i.test(type);

function exampleOf(document: Json, media: Json): { value: unknown } | undefined {
  if ("example" in media) return { value: media.example };
  if (isObject(media.examples)) {
    for (const example of Object.values(media.examples)) {
      const resolved = resolve(document, example);
      if (isObject(resolved) && "value" in resolved) return { value: resolved.value };
    }
  }
  const schema = resolve(document, media.schema);
  if (isObject(schema)) {
    return {
      // Loaded on the first OpenAPI import, not at start-up.
      value: (require("openapi-sampler") as typeof Sampler).sample(
        schema as never,
        { skipWriteOnly: true, quiet: true },
        document as never,
      ),
    };
  }
  return undefined;
}

const asBody = (value: unknown, type: string) =>
  typeof value === "string" && !isJsonType(type) ? value : JSON.stringify(value);

function responseOf(document: Json, operation: Json) {
  const responses = resolve(document, operation.responses);
  if (!isObject(responses)) return undefined;
  const key = Object.keys(responses).find((code) => /^2(\d\d|XX)$/i.test(code));
  if (key === undefined) return undefined;
  const code = /^2XX$/i.test(key) ? 200 : Number(key);
  const response = resolve(document, responses[key]);
  const content = isObject(response) && isObject(response.content) ? response.content : {};
  const [type, media] = Object.entries(content)[0] ?? [];
  if (type === undefined || !isObject(media) || code === 204 || code === 205) return { code };
  const example = exampleOf(document, media);
  if (example === undefined || example.value === undefined) {
    return { code, headers: { "Content-Type": type } };
  }
  return { code, headers: { "Content-Type": type }, body: asBody(example.value, type) };
}

/**
 * Every operation of the document, converted or skipped with its reason. `isReserved` names the
 * paths this service serves itself.
 */
export function convertOpenApi(document: Json, isReserved: (path: string) => boolean) {
  const converted: ConvertedOperation[] = [];
  const skipped: SkippedOperation[] = [];
  const paths = isObject(document.paths) ? document.paths : {};
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = resolve(document, rawItem);
    if (!isObject(item)) continue;
    for (const method of OPENAPI_METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const at: Operation = {
        pointer: `/paths/${pointerSegment(path)}/${method}`,
        verb: method.toUpperCase(),
        path,
      };
      if (isReserved(path)) {
        skipped.push({
          ...at,
          reason: `\`${path}\` is served by this service itself, so a mock there could never answer`,
        });
        continue;
      }
      const response = responseOf(document, operation);
      if (response === undefined) {
        skipped.push({ ...at, reason: "the operation has no 2xx response" });
        continue;
      }
      converted.push({ ...at, attributes: { verb: at.verb, path, response } });
    }
  }
  return { converted, skipped };
}

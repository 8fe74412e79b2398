import type { RequestConditions } from "../../store/store";

/**
 * A mock's `request` conditions, checked against an incoming request. Pure: the request is seen
 * through `RequestView`, and its body is read only when a body condition asks for it.
 */

export interface RequestView {
  /** The first value of each query parameter. */
  query(): Record<string, string>;
  header(lowerCaseName: string): string | null;
  text(): Promise<string>;
  /** The body parsed as JSON, or null when it is not JSON. */
  json(): Promise<unknown>;
}

export interface Conditions {
  /** How many conditions there are; more wins a tie. */
  count: number;
  /** True when the conditions hold without reading the body; undefined when the body decides. */
  holdsWithoutBody(request: RequestView): boolean;
  needsBody: boolean;
  holds(request: RequestView): Promise<boolean>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Objects need the given keys with matching values, recursively; arrays and scalars are equal. */
export function containsJson(actual: unknown, expected: unknown): boolean {
  if (isObject(expected)) {
    if (!isObject(actual)) return false;
    for (const [key, value] of Object.entries(expected)) {
      if (!Object.hasOwn(actual, key) || !containsJson(actual[key], value)) return false;
    }
    return true;
  }
  return Bun.deepEquals(actual, expected, true);
}

export function compileConditions(request: RequestConditions = {}): Conditions {
  const query = Object.entries(request.query ?? {});
  const headers = Object.entries(request.headers ?? {}).map(
    ([name, value]) => [name.toLowerCase(), value] as const,
  );
  const body = request.body;
  const holdsWithoutBody = (view: RequestView) => {
    if (query.length > 0) {
      const actual = view.query();
      for (const [name, value] of query) if (actual[name] !== value) return false;
    }
    for (const [name, value] of headers) if (view.header(name) !== value) return false;
    return true;
  };
  return {
    count: query.length + headers.length + (body ? 1 : 0),
    needsBody: body !== undefined,
    holdsWithoutBody,
    holds: async (view) => {
      if (!holdsWithoutBody(view)) return false;
      if (body === undefined) return true;
      if ("json" in body) return containsJson(await view.json(), body.json);
      const text = await view.text();
      return "equals" in body ? text === body.equals : text.includes(body.contains);
    },
  };
}

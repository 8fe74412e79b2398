/**
 * The one error format: `{"errors":[{"code","detail","status","source"?}]}`,
 * after JSON:API. Logic modules throw `ApiError`; the app turns every error,
 * its own or the framework's, into this shape.
 */

export interface ErrorSource {
  parameter?: string;
  pointer?: string;
  header?: string;
}

export interface ErrorObject {
  status: string;
  code: string;
  detail: string;
  source?: ErrorSource;
}

export interface ErrorDocument {
  errors: ErrorObject[];
}

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly source?: ErrorSource,
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
  }

  toDocument(): ErrorDocument {
    return errorDocument(this.status, this.code, this.detail, this.source);
  }
}

function errorDocument(
  status: number,
  code: string,
  detail: string,
  source?: ErrorSource,
): ErrorDocument {
  const error: ErrorObject = { status: String(status), code, detail };
  if (source) error.source = source;
  return { errors: [error] };
}

/** Error details quote at most this many characters of a path or path parameter. */
export const QUOTE_LIMIT = 200;

/** A path or parameter as an error detail quotes it: cut at QUOTE_LIMIT characters, then `…`. */
export const quote = (text: string): string =>
  text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text;

export const notFound = (path: string) =>
  new ApiError(404, "not_found", `Requested page \`${quote(path)}\` does not exist`);

/** A built-in route asked with a method it does not answer; `Allow` lists the ones it does. */
export const methodNotAllowed = (method: string, path: string, allowed: readonly string[]) =>
  new ApiError(
    405,
    "method_not_allowed",
    `\`${quote(method)}\` is not allowed on \`${quote(path)}\`; it answers ${allowed.join(", ")}`,
    undefined,
    { allow: allowed.join(", ") },
  );

export const badParameter = (parameter: string, detail: string) =>
  new ApiError(400, "invalid_parameter", detail, { parameter });

export const unprocessable = (pointer: string, detail: string) =>
  new ApiError(422, "invalid_attribute", detail, { pointer });

/**
 * A backing store that cannot serve right now (disk full, read-only, locked,
 * endpoint down, throttled). Store backends translate their own failures into this.
 */
export class StoreUnavailableError extends ApiError {
  override name = "StoreUnavailableError";
  constructor(detail: string, cause?: unknown) {
    super(503, "store_unavailable", detail, undefined, { "retry-after": "1" });
    if (cause !== undefined) this.cause = cause;
  }
}

import { ApiError } from "../../errors";
import { bearerTokenCheck } from "./auth";
import { JSONAPI_MEDIA_TYPE } from "./body";

/** JSON:API responses and errors, and the bearer-token guard every management route shares. */

export const jsonApi = (status: number, document: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(document), {
    status,
    headers: { "content-type": JSONAPI_MEDIA_TYPE, ...headers },
  });

/**
 * The management API's route templates. Every error they answer, ours or the framework's, is a
 * JSON:API document: the app's error handler applies `asJsonApi` to errors on these routes.
 */
export const isManagementRoute = (route: string | undefined): boolean =>
  route !== undefined && /^\/(endpoints|requests)(\/|$)/.test(route);

/** Errors from the management API are JSON:API documents, so they carry its media type. */
export function asJsonApi(error: ApiError): ApiError {
  if (error.headers?.["content-type"] === JSONAPI_MEDIA_TYPE) return error;
  const wrapped = new ApiError(error.status, error.code, error.detail, error.source, {
    ...error.headers,
    "content-type": JSONAPI_MEDIA_TYPE,
  });
  wrapped.cause = error;
  return wrapped;
}

/** A before-handle hook refusing requests without the token; undefined when no token is set. */
export function tokenGuard(apiToken: string | undefined) {
  if (apiToken === undefined) return undefined;
  const check = bearerTokenCheck(apiToken);
  return ({ request }: { request: Request }) => check(request.headers.get("authorization"));
}

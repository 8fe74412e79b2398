import { ApiError } from "../../errors";
import { bearerTokenCheck } from "./auth";
import { JSONAPI_MEDIA_TYPE } from "./body";

/** JSON:API responses and errors, and the bearer-token guard every management route shares. */

export const jsonApi = (status: number, document: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(document), {
    status,
    headers: { "content-type": JSONAPI_MEDIA_TYPE, ...headers },
  });

/** The management API's route templates: every error they answer is a JSON:API document. */
export const isManagementRoute = (route: string | undefined): boolean =>
  route !== undefined && /^\/(endpoints|requests)(\/|$)/.test(route);

/** Errors from the management API are JSON:API documents, so they carry its media type. */
export function asJsonApi(error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  if (error.headers?.["content-type"] === JSONAPI_MEDIA_TYPE) return error;
  const wrapped = new ApiError(error.status, error.code, error.detail, error.source, {
    ...error.headers,
    "content-type": JSONAPI_MEDIA_TYPE,
  });
  wrapped.cause = error;
  return wrapped;
}

export function jsonApiErrors<C, R>(handler: (context: C) => Promise<R> | R) {
  return async (context: C): Promise<R> => {
    try {
      return await handler(context);
    } catch (error) {
      throw asJsonApi(error);
    }
  };
}

/** A before-handle hook refusing requests without the token; undefined when no token is set. */
export function tokenGuard(apiToken: string | undefined) {
  if (apiToken === undefined) return undefined;
  const check = bearerTokenCheck(apiToken);
  return ({ request }: { request: Request }) => {
    try {
      check(request.headers.get("authorization"));
    } catch (error) {
      throw asJsonApi(error);
    }
  };
}

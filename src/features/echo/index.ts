import { Elysia, t } from "elysia";
import { ApiError, quote } from "../../errors";
import type { Logger } from "../../observability/logger";
import { type EndpointStore, mergeAttributes } from "../../store/store";
import { bearerTokenCheck } from "./auth";
import { readJsonBody } from "./body";
import { jsonApi } from "./jsonapi";
import { mockUrl, toResource } from "./resource";
import {
  CreateEndpointDocument,
  documentResponse,
  EndpointDocument,
  EndpointListDocument,
  errorResponses,
  requestBody,
  UpdateEndpointDocument,
} from "./schemas";
import { checkBodyAllowed, LIMITS, readCreateDocument, readUpdateDocument } from "./validation";

export { MOCK_ROUTE, mockRoutes } from "./serve";

/** Ids are server-made and short; anything longer names no endpoint, so the store is not asked. */
const MAX_ID_LENGTH = 128;

export interface EchoDeps {
  endpoints: EndpointStore;
  /** When set, every `/endpoints` route needs `Authorization: Bearer <apiToken>`. */
  apiToken: string | undefined;
  logger: Logger;
}

export const endpointNotFound = (id: string) =>
  new ApiError(404, "not_found", `Requested Endpoint with ID \`${quote(id)}\` does not exist`);

const IdParams = t.Object({ id: t.String({ description: "The endpoint's id" }) });

/** The management API: `/endpoints`, JSON:API documents, optionally behind a bearer token. */
export function echoRoutes({ endpoints, apiToken, logger }: EchoDeps) {
  const checkToken = apiToken === undefined ? undefined : bearerTokenCheck(apiToken);
  if (!checkToken) {
    logger.warn("API_TOKEN is not set: the /endpoints management API is open to anyone");
  }

  const existing = async (id: string) => {
    const found = id.length <= MAX_ID_LENGTH ? await endpoints.get(id) : undefined;
    if (!found) throw endpointNotFound(id);
    return found;
  };

  return (
    new Elysia({ name: "echo" })
      // Destructured, not `(context) => ...`: Elysia infers from a hook's parameters what every
      // route must prepare, and a whole-context hook would make all routes parse cookies and more.
      .onBeforeHandle(({ request }) => {
        checkToken?.(request.headers.get("authorization"));
      })
      .get(
        "/endpoints",
        async () => jsonApi(200, { data: (await endpoints.list()).map(toResource) }),
        {
          detail: {
            tags: ["echo"],
            summary: "Every mock endpoint, in creation order",
            responses: {
              200: documentResponse("The endpoints", EndpointListDocument),
              ...errorResponses(401, 503),
            },
          },
        },
      )
      .post(
        "/endpoints",
        async ({ request }: { request: Request }) => {
          const attributes = readCreateDocument(await readJsonBody(request, LIMITS.requestBytes));
          const created = await endpoints.create(attributes);
          return jsonApi(
            201,
            { data: toResource(created) },
            {
              location: mockUrl(request, created.path),
            },
          );
        },
        {
          parse: "none",
          detail: {
            tags: ["echo"],
            summary: "Create a mock endpoint",
            description:
              "The mock answers at its own verb and path. `Location` holds its absolute URL, built from the request's host and scheme (honouring `x-forwarded-host` and `x-forwarded-proto`).",
            requestBody: requestBody(CreateEndpointDocument),
            responses: {
              201: {
                ...documentResponse("The created endpoint", EndpointDocument),
                headers: {
                  Location: {
                    description: "The absolute URL of the mock",
                    schema: { type: "string", format: "uri" },
                  },
                },
              },
              ...errorResponses(400, 401, 403, 409, 413, 415, 422, 503),
            },
          },
        },
      )
      .get(
        "/endpoints/:id",
        async ({ params }: { params: { id: string } }) =>
          jsonApi(200, { data: toResource(await existing(params.id)) }),
        {
          params: IdParams,
          detail: {
            tags: ["echo"],
            summary: "One mock endpoint",
            responses: {
              200: documentResponse("The endpoint", EndpointDocument),
              ...errorResponses(400, 401, 404, 503),
            },
          },
        },
      )
      .patch(
        "/endpoints/:id",
        async ({ params, request }: { params: { id: string }; request: Request }) => {
          const changes = readUpdateDocument(
            await readJsonBody(request, LIMITS.requestBytes),
            params.id,
          );
          const current = await existing(params.id);
          checkBodyAllowed(mergeAttributes(current, changes));
          const updated = await endpoints.update(params.id, changes);
          if (!updated) throw endpointNotFound(params.id);
          return jsonApi(200, { data: toResource(updated) });
        },
        {
          params: IdParams,
          parse: "none",
          detail: {
            tags: ["echo"],
            summary: "Update a mock endpoint",
            description:
              "The attributes present replace the stored ones; a `response` replaces the whole stored response.",
            requestBody: requestBody(UpdateEndpointDocument),
            responses: {
              200: documentResponse("The updated endpoint", EndpointDocument),
              ...errorResponses(400, 401, 404, 409, 413, 415, 422, 503),
            },
          },
        },
      )
      .delete(
        "/endpoints/:id",
        async ({ params }: { params: { id: string } }) => {
          const deleted = params.id.length <= MAX_ID_LENGTH && (await endpoints.delete(params.id));
          if (!deleted) throw endpointNotFound(params.id);
          return new Response(null, { status: 204 });
        },
        {
          params: IdParams,
          detail: {
            tags: ["echo"],
            summary: "Delete a mock endpoint",
            responses: {
              204: { description: "Deleted; no body" },
              ...errorResponses(400, 401, 404, 503),
            },
          },
        },
      )
  );
}

import { Elysia, t } from "elysia";
import { ApiError, badParameter, quote } from "../../errors";
import type { JournalEntry, JournalQuery, JournalStore } from "../../store/journal";
import type { EndpointStore } from "../../store/store";
import { endpointNotFound } from "./index";
import { jsonApi, tokenGuard } from "./jsonapi";
import { type Candidate, candidateIndex, type NearMiss, nearMisses } from "./near-miss";

/** `/requests`: the request journal as JSON:API documents of type `requests`. */

export const REQUEST_TYPE = "requests";
export const PAGE_SIZE = { default: 50, max: 500 } as const;
const MAX_ID_LENGTH = 128;

export interface JournalDeps {
  journal: JournalStore;
  endpoints: EndpointStore;
  apiToken: string | undefined;
}

export const requestNotFound = (id: string) =>
  new ApiError(404, "not_found", `Requested journal entry with ID \`${quote(id)}\` does not exist`);

const FILTERS = ["endpoint", "matched", "method", "path"] as const;

/** The journal query a request's `page[...]` and `filter[...]` parameters ask for. */
export function readJournalQuery(params: URLSearchParams): JournalQuery {
  const sizeText = params.get("page[size]");
  let limit: number = PAGE_SIZE.default;
  if (sizeText !== null) {
    limit = /^\d{1,4}$/.test(sizeText) ? Number(sizeText) : 0;
    if (limit < 1 || limit > PAGE_SIZE.max) {
      throw badParameter(
        "page[size]",
        `Query parameter \`page[size]\` must be an integer from 1 to ${PAGE_SIZE.max}`,
      );
    }
  }
  const query: JournalQuery = { limit };
  const after = params.get("page[after]");
  if (after !== null) query.after = after;
  const matched = params.get("filter[matched]");
  if (matched !== null) {
    if (matched !== "true" && matched !== "false") {
      throw badParameter(
        "filter[matched]",
        "Query parameter `filter[matched]` must be `true` or `false`",
      );
    }
    query.matched = matched === "true";
  }
  for (const name of ["endpoint", "method", "path"] as const) {
    const value = params.get(`filter[${name}]`);
    if (value !== null) query[name] = value;
  }
  return query;
}

function nextLink(base: string, params: URLSearchParams, query: JournalQuery, last: string) {
  const parts = [`page[size]=${query.limit}`, `page[after]=${encodeURIComponent(last)}`];
  for (const name of FILTERS) {
    const value = params.get(`filter[${name}]`);
    if (value !== null && !(base !== "/requests" && name === "endpoint")) {
      parts.push(`filter[${name}]=${encodeURIComponent(value)}`);
    }
  }
  return `${base}?${parts.join("&")}`;
}

export function toRequestResource(entry: JournalEntry, misses?: NearMiss[]) {
  const { id, ...attributes } = entry;
  return {
    type: REQUEST_TYPE,
    id,
    attributes,
    ...(entry.endpoint === null && { meta: { nearMisses: misses ?? [] } }),
  };
}

/** Near misses for the unmatched entries, from one read of the mocks shared by the page. */
async function withNearMisses(entries: JournalEntry[], endpoints: EndpointStore) {
  if (!entries.some((e) => e.endpoint === null)) return entries.map((e) => toRequestResource(e));
  const candidatesFor = candidateIndex((await endpoints.list()) as Candidate[]);
  return entries.map((entry) =>
    toRequestResource(
      entry,
      entry.endpoint === null ? nearMisses(entry, candidatesFor(entry)) : undefined,
    ),
  );
}

const IdParams = t.Object({ id: t.String() });
const pagedDetail = (summary: string) => ({
  tags: ["echo"],
  summary,
  description:
    "Newest first. Paging: `page[size]` (default 50, at most 500) and `page[after]=<id>`; the next page's URL is `links.next`. Filters: `filter[endpoint]`, `filter[matched]=true|false`, `filter[method]`, `filter[path]` (exact). Unmatched entries carry `meta.nearMisses`.",
});

export function journalRoutes({ journal, endpoints, apiToken }: JournalDeps) {
  const guard = tokenGuard(apiToken);

  const page = async (request: Request, base: string, endpoint?: string) => {
    const params = new URL(request.url).searchParams;
    const query = readJournalQuery(params);
    if (endpoint !== undefined) query.endpoint = endpoint;
    const found = await journal.list({ ...query, limit: query.limit + 1 });
    const entries = found.slice(0, query.limit);
    const last = entries.at(-1);
    return jsonApi(200, {
      data: await withNearMisses(entries, endpoints),
      links: {
        next: found.length > query.limit && last ? nextLink(base, params, query, last.id) : null,
      },
    });
  };

  return new Elysia({ name: "echo-journal" })
    .onBeforeHandle(({ request }) => guard?.({ request }))
    .get("/requests", ({ request }: { request: Request }) => page(request, "/requests"), {
      detail: pagedDetail("The request journal: what the mocks were asked"),
    })
    .delete(
      "/requests",
      async () => {
        await journal.clear();
        return new Response(null, { status: 204 });
      },
      { detail: { tags: ["echo"], summary: "Clear the request journal" } },
    )
    .get(
      "/requests/:id",
      async ({ params }: { params: { id: string } }) => {
        const entry = params.id.length <= MAX_ID_LENGTH ? await journal.get(params.id) : undefined;
        if (!entry) throw requestNotFound(params.id);
        const [resource] = await withNearMisses([entry], endpoints);
        return jsonApi(200, { data: resource });
      },
      { params: IdParams, detail: { tags: ["echo"], summary: "One journal entry" } },
    )
    .get(
      "/endpoints/:id/requests",
      async ({ params, request }: { params: { id: string }; request: Request }) => {
        const known = params.id.length <= MAX_ID_LENGTH && (await endpoints.get(params.id));
        if (!known) throw endpointNotFound(params.id);
        return page(request, `/endpoints/${encodeURIComponent(params.id)}/requests`, params.id);
      },
      { params: IdParams, detail: pagedDetail("The journal entries one mock answered") },
    );
}

import { Elysia } from "elysia";
import { badParameter } from "../../errors";
import type { EndpointStore } from "../../store/store";
import { applyImport, IMPORT_LIMITS, planImport, readImportDocument } from "./import";
import { jsonApi, tokenGuard } from "./jsonapi";
import { toResource } from "./resource";

/** `POST /endpoints/import`, behind the same bearer token as `/endpoints`. */
export function importRoutes(endpoints: EndpointStore, apiToken: string | undefined) {
  const guard = tokenGuard(apiToken);
  return new Elysia({ name: "echo-import" })
    .onBeforeHandle(({ request }) => guard?.({ request }))
    .post(
      "/endpoints/import",
      async ({ request }: { request: Request }) => {
        const mode = new URL(request.url).searchParams.get("mode");
        if (mode !== null && mode !== "replace") {
          throw badParameter("mode", "Query parameter `mode` must be `replace` when given");
        }
        const plan = planImport(await readImportDocument(request));
        const created = await applyImport(endpoints, plan.mocks, mode === "replace");
        return jsonApi(201, {
          data: created.map(toResource),
          meta: {
            skipped: plan.skipped.map(({ pointer, verb, path, reason }) => ({
              pointer,
              verb,
              path,
              reason,
            })),
          },
        });
      },
      {
        parse: "none",
        detail: {
          tags: ["echo"],
          summary: "Import mocks from a JSON:API list or an OpenAPI 3.0/3.1 document",
          description: `A JSON:API list as \`GET /endpoints\` returns it (ids are reassigned), or an OpenAPI document in JSON or YAML: one mock per operation, answering its first 2xx response with its example, or a sample generated from its schema. Operations at the service's own paths are skipped and listed in \`meta.skipped\`. Every mock is checked first: any failure is a 422 listing each one with its pointer, and nothing is created. \`?mode=replace\` removes the existing mocks in the same step. At most ${IMPORT_LIMITS.mocks} mocks and ${IMPORT_LIMITS.bytes / 1024 / 1024} MiB.`,
        },
      },
    );
}

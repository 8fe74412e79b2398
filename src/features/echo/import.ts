import type * as Yaml from "yaml";
import { ApiError, type ErrorObject } from "../../errors";
import type { Endpoint, EndpointAttributes, EndpointStore } from "../../store/store";
import { JSONAPI_MEDIA_TYPE, readLimited } from "./body";
import { convertOpenApi, type SkippedOperation } from "./openapi-import";
import { ENDPOINT_TYPE, isReservedPath, readCreateDocument } from "./validation";

/**
 * `POST /endpoints/import`: a JSON:API list of endpoints (as `GET /endpoints` returns it) or an
 * OpenAPI 3.0/3.1 document in JSON or YAML. Every mock is checked before any is written, and a
 * failure while writing undoes what the import wrote, so an import lands whole or not at all.
 */

export const IMPORT_LIMITS = { mocks: 1_000, bytes: 5 * 1024 * 1024 } as const;

const JSON_TYPES = new Set(["application/json", JSONAPI_MEDIA_TYPE]);
const YAML_TYPES = new Set(["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"]);

/** A 422 carrying one error object per failure, each with its pointer. */
export class ImportRejected extends ApiError {
  constructor(readonly failures: ErrorObject[]) {
    const first = failures[0];
    super(422, first?.code ?? "invalid_attribute", first?.detail ?? "", first?.source, {
      "content-type": JSONAPI_MEDIA_TYPE,
    });
  }
  override toDocument() {
    return { errors: this.failures };
  }
}

const failure = (pointer: string, detail: string, code = "invalid_attribute"): ErrorObject => ({
  status: "422",
  code,
  detail,
  source: { pointer },
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** The request body as a parsed document: JSON or YAML by Content-Type, at most 5 MiB. */
export async function readImportDocument(request: Request): Promise<unknown> {
  const essence = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  const isJson = JSON_TYPES.has(essence ?? "");
  if (!isJson && !YAML_TYPES.has(essence ?? "")) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      "Send the document as `application/json`, `application/vnd.api+json` or `application/yaml`",
      { header: "content-type" },
    );
  }
  const text = new TextDecoder().decode(await readLimited(request, IMPORT_LIMITS.bytes));
  try {
    // Loaded on the first YAML import, not at start-up.
    const yaml = isJson ? undefined : (require("yaml") as typeof Yaml);
    return yaml ? yaml.parse(text, { maxAliasCount: 100 }) : JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : "it could not be parsed";
    throw new ApiError(400, "malformed_body", `The document could not be parsed: ${why}`);
  }
}

export interface ImportPlan {
  mocks: EndpointAttributes[];
  skipped: SkippedOperation[];
}

/** Checks every mock of the document; throws ImportRejected listing every failure. */
export function planImport(document: unknown): ImportPlan {
  const failures: ErrorObject[] = [];
  const mocks: { attributes: unknown; pointer: string; attributesPointer: string }[] = [];
  let skipped: SkippedOperation[] = [];
  if (isObject(document) && typeof document.openapi === "string") {
    if (!/^3\.[01]\./.test(document.openapi)) {
      throw new ImportRejected([
        failure("/openapi", `Only OpenAPI 3.0 and 3.1 are supported; got \`${document.openapi}\``),
      ]);
    }
    const converted = convertOpenApi(document, isReservedPath);
    skipped = converted.skipped;
    for (const op of converted.converted) {
      mocks.push({ attributes: op.attributes, pointer: op.pointer, attributesPointer: op.pointer });
    }
  } else if (isObject(document) && Array.isArray(document.data)) {
    document.data.forEach((resource, i) => {
      const attributes = isObject(resource) ? resource.attributes : undefined;
      if (isObject(resource) && resource.type !== ENDPOINT_TYPE) {
        failures.push(failure(`/data/${i}/type`, `\`type\` must be \`${ENDPOINT_TYPE}\``));
        return;
      }
      mocks.push({ attributes, pointer: `/data/${i}`, attributesPointer: `/data/${i}/attributes` });
    });
  } else {
    throw new ImportRejected([
      failure(
        "",
        "The document is neither a JSON:API list of endpoints (`data`) nor an OpenAPI 3.0 or 3.1 document (`openapi`)",
      ),
    ]);
  }
  if (mocks.length > IMPORT_LIMITS.mocks) {
    throw new ImportRejected([
      failure(
        "",
        `An import creates at most ${IMPORT_LIMITS.mocks} mocks; this document holds ${mocks.length}`,
      ),
    ]);
  }
  const planned: EndpointAttributes[] = [];
  const routes = new Map<string, string>();
  for (const mock of mocks) {
    try {
      const attributes = readCreateDocument({
        data: { type: ENDPOINT_TYPE, attributes: mock.attributes },
      });
      const route = `${attributes.verb} ${attributes.path}`;
      const first = routes.get(route);
      if (first !== undefined) {
        failures.push(failure(mock.pointer, `${route} is also defined at ${first}`, "conflict"));
      } else routes.set(route, mock.pointer);
      planned.push(attributes);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const inner = (error.source?.pointer ?? "").replace(/^\/data\/attributes/, "");
      const pointer =
        mock.attributesPointer === mock.pointer
          ? mock.pointer
          : `${mock.attributesPointer}${inner}`;
      failures.push({
        ...failure(pointer, error.detail, error.code),
        status: String(error.status),
      });
    }
  }
  if (failures.length > 0) throw new ImportRejected(failures);
  return { mocks: planned, skipped };
}

/**
 * Writes the plan: with `replace`, the existing mocks go first. A failure part-way deletes what
 * this import created and puts the removed mocks back (under new ids), then rethrows.
 */
export async function applyImport(
  endpoints: EndpointStore,
  mocks: EndpointAttributes[],
  replace: boolean,
): Promise<Endpoint[]> {
  const removed = replace ? await endpoints.list() : [];
  const created: Endpoint[] = [];
  try {
    for (const old of removed) await endpoints.delete(old.id);
    for (const mock of mocks) created.push(await endpoints.create(mock));
    return created;
  } catch (error) {
    for (const mock of created) await endpoints.delete(mock.id).catch(() => false);
    for (const { id: _id, ...old } of removed) {
      if (!(await endpoints.findByRoute(old.verb, old.path).catch(() => undefined))) {
        await endpoints.create(old).catch(() => undefined);
      }
    }
    throw error;
  }
}

import { describe, expect, it } from "bun:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { testApp } from "../../support/app";
import { JSONAPI } from "./support";

interface Operation {
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

async function openapiDocument() {
  const response = await testApp().handle(new Request("http://localhost/openapi.json"));
  return (await response.json()) as { paths: Record<string, Record<string, Operation>> };
}

/** Follows a JSON-schema path of `properties` names. */
function schemaAt(schema: unknown, ...names: string[]): Record<string, unknown> {
  let node = schema as Record<string, unknown>;
  for (const name of names) {
    node = (node.properties as Record<string, Record<string, unknown>>)[name] as Record<
      string,
      unknown
    >;
  }
  return node;
}

describe("/openapi.json for Echo", () => {
  it("describes every management operation", async () => {
    const { paths } = await openapiDocument();
    expect(Object.keys(paths["/endpoints"] ?? {}).sort()).toEqual(["get", "post"]);
    expect(Object.keys(paths["/endpoints/{id}"] ?? {}).sort()).toEqual(["delete", "get", "patch"]);
  });

  it("gives the create request body a schema under the JSON:API media type", async () => {
    const { paths } = await openapiDocument();
    const schema = paths["/endpoints"]?.post?.requestBody?.content[JSONAPI]?.schema;
    const code = schemaAt(schema, "data", "attributes", "response", "code");
    expect(code).toMatchObject({ type: "integer", minimum: 200, maximum: 599 });
  });

  it("documents the header limits", async () => {
    const { paths } = await openapiDocument();
    const schema = paths["/endpoints"]?.post?.requestBody?.content[JSONAPI]?.schema;
    const headers = schemaAt(schema, "data", "attributes", "response", "headers");
    expect(headers.maxProperties).toBe(50);
  });

  it("documents the error responses of a create", async () => {
    const { paths } = await openapiDocument();
    const statuses = Object.keys(paths["/endpoints"]?.post?.responses ?? {});
    expect(statuses).toEqual(
      expect.arrayContaining(["201", "400", "401", "409", "413", "415", "422", "503"]),
    );
  });

  it("leaves the mock catch-all out", async () => {
    const { paths } = await openapiDocument();
    expect(Object.keys(paths).filter((p) => p.includes("*"))).toEqual([]);
  });

  it("passes a standard OpenAPI validator", async () => {
    const document = await openapiDocument();
    await SwaggerParser.validate(structuredClone(document) as never);
  });
});

import type { TSchema } from "@sinclair/typebox";
import { t } from "elysia";

/** The one error format, as an OpenAPI schema. */
export const ErrorResponse = t.Object(
  {
    errors: t.Array(
      t.Object({
        status: t.String({ description: "The HTTP status, as a string" }),
        code: t.String({ description: "A stable snake_case code" }),
        detail: t.String({ description: "A sentence for humans" }),
        source: t.Optional(
          t.Object({
            parameter: t.Optional(t.String()),
            pointer: t.Optional(t.String()),
            header: t.Optional(t.String()),
          }),
        ),
      }),
      { minItems: 1 },
    ),
  },
  { title: "Error" },
);

/**
 * A JSON response, documented rather than checked: for a route whose handler builds the one
 * shape itself, so no validator is compiled on its first request or run on every one after.
 */
export const jsonResponse = (description: string, schema: TSchema) => ({
  description,
  content: { "application/json": { schema } },
});

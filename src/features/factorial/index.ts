import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import { ErrorResponse, jsonResponse } from "../docs/schemas";
import { parseFactorialNumber, prefersPlainText } from "./query";

export type FactorialDigits = (n: number) => string | Promise<string>;

export const FactorialResponse = t.Object({
  number: Type.Integer({ minimum: 0 }),
  factorial: t.String({ description: "Exact decimal digits of number!", pattern: "^[0-9]+$" }),
});

const DigitsResponse = t.String({
  description: "Exact decimal digits of number!",
  pattern: "^[0-9]+$",
});

const IMMUTABLE = "public, max-age=31536000, immutable";

export const factorialRoutes = (digits: FactorialDigits, max: number) =>
  new Elysia({ name: "factorial" }).get(
    "/api/v1/factorial",
    async ({ query, request, set }) => {
      const n = parseFactorialNumber(query.number, max);
      const plain = prefersPlainText(request.headers.get("accept"));
      const etag = `"factorial-${n}-${plain ? "text" : "json"}"`;
      set.headers["cache-control"] = IMMUTABLE;
      set.headers.etag = etag;
      set.headers.vary = "Accept";
      if (request.headers.get("if-none-match") === etag) {
        set.status = 304;
        return "";
      }
      const startedAt = performance.now();
      const value = await digits(n);
      // How long the digits took here: computed, or found in the cache.
      set.headers["server-timing"] = `factorial;dur=${(performance.now() - startedAt).toFixed(2)}`;
      if (plain) {
        set.headers["content-type"] = "text/plain; charset=utf-8";
        return value;
      }
      return { number: n, factorial: value };
    },
    {
      query: t.Object({
        number: t.Optional(
          t.Union([t.String(), t.Array(t.String())], {
            description: `An integer from 0 to FACTORIAL_MAX (default 100000), as plain digits`,
            examples: ["20"],
          }),
        ),
      }),
      detail: {
        tags: ["factorial"],
        summary: "Exact n!, as a decimal string",
        description:
          "Returns `{number, factorial}`; with `Accept: text/plain`, only the digits. Results never change, so they carry an ETag and a year-long immutable Cache-Control.",
        // Written out, not derived from a response schema: the plugin lists one media type per status.
        responses: {
          200: {
            description: "n!, as JSON by default, or only the digits with `Accept: text/plain`",
            content: {
              "application/json": { schema: FactorialResponse as never },
              "text/plain": { schema: DigitsResponse as never },
            },
          },
          304: { description: "Not modified: If-None-Match matched the ETag" },
          400: jsonResponse(
            "`number` is missing, not plain digits, or over FACTORIAL_MAX",
            ErrorResponse,
          ),
        },
      },
    },
  );

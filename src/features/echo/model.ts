import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { unprocessable } from "../../errors";

/**
 * The TypeBox schemas of a mock's attributes: what validation checks, and what the OpenAPI
 * document shows (schemas.ts composes them). Plain TypeBox, so logic modules can use it.
 */

export const MAX_DELAY_MS = 30_000;
export const MAX_RESPONSES = 20;

/** RFC 3986 path characters, `{name}` template segments, and characters beyond ASCII. */
export const PathPattern = "^/(?:[A-Za-z0-9\\-._~!$&'()*+,;=:@/%{}]|[^\\x00-\\x7f])*$";
export const HeaderNamePattern = "^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$";
export const HeaderValuePattern = "^[\\t\\x20-\\x7e]*$";

const StringMap = (description: string, example: Record<string, string>) =>
  Type.Record(Type.String(), Type.String(), { description, examples: [example] });

export const BodyCondition = Type.Union(
  [
    Type.Object({ contains: Type.String() }, { additionalProperties: false }),
    Type.Object({ equals: Type.String() }, { additionalProperties: false }),
    Type.Object({ json: Type.Unknown() }, { additionalProperties: false }),
  ],
  {
    description:
      "`contains` and `equals` compare the raw body text; `json`: the body parses as JSON and contains the value as a subset (objects need the given keys, recursively; arrays and scalars are equal)",
    examples: [{ json: { kind: "order" } }],
  },
);

export const RequestConditionsSchema = Type.Object(
  {
    query: Type.Optional(
      StringMap("Exact value of each query parameter (its first value)", { lang: "en" }),
    ),
    headers: Type.Optional(
      StringMap("Exact value of each header; names compared ignoring case", { "x-tenant": "acme" }),
    ),
    body: Type.Optional(BodyCondition),
  },
  {
    additionalProperties: false,
    description: "Every condition given must hold for the mock to answer",
  },
);

export const Priority = Type.Integer({
  minimum: -1000,
  maximum: 1000,
  description: "Higher wins over lower when several mocks match; default 0",
  examples: [10],
});

export const Order = Type.Union(
  [Type.Literal("sequence"), Type.Literal("cycle"), Type.Literal("random")],
  {
    description:
      "With `responses`: `sequence` (default; hit n gets the n-th, the last repeats), `cycle`, or `random` (uniform, or by `weight`)",
  },
);

const Millis = Type.Integer({ minimum: 0, maximum: MAX_DELAY_MS });

export const Delay = Type.Union(
  [Millis, Type.Object({ min: Millis, max: Millis }, { additionalProperties: false })],
  {
    description: `Milliseconds before answering, or a uniform range; at most ${MAX_DELAY_MS}`,
    examples: [250, { min: 100, max: 900 }],
  },
);

/** The members a response gained beyond code, headers and body. */
export const ResponseExtensions = {
  template: Type.Boolean({
    description:
      "Body and header values are Handlebars templates (helpers json, now, uuid, randomInt)",
  }),
  delay: Delay,
  fault: Type.Literal("close", {
    description: "Close the connection with no response; code, headers and body are then ignored",
  }),
  weight: Type.Integer({
    minimum: 1,
    description: "In `responses` with order `random`: the relative chance of this response",
  }),
} as const;

export type RequestConditionsValue = Static<typeof RequestConditionsSchema>;

/** The value checked against `schema`; else a 422 naming the first failing member. */
export function checkSchema<T extends TSchema>(
  schema: T,
  value: unknown,
  pointer: string,
  name: string,
): Static<T> {
  const error = Value.Errors(schema, value).First();
  if (error === undefined) return value as Static<T>;
  const at = `${pointer}${error.path}`;
  const member = error.path.split("/").pop() || name;
  // A union's own message ("Expected union value") says less than its description.
  const why = (error.schema.anyOf && error.schema.description) || error.message;
  throw unprocessable(at, `\`${member}\` is invalid: ${why}`);
}

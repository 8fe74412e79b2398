import { type TSchema, Type } from "@sinclair/typebox";
import { type DocumentDecoration, t } from "elysia";
import { ErrorResponse } from "../docs/schemas";
import { JSONAPI_MEDIA_TYPE } from "./body";
import {
  HeaderNamePattern,
  HeaderValuePattern,
  MAX_RESPONSES,
  Order,
  PathPattern,
  Priority,
  RequestConditionsSchema,
  ResponseExtensions,
} from "./model";
import { ENDPOINT_TYPE, FORBIDDEN_HEADERS, LIMITS, RESERVED_ROOTS, VERBS } from "./validation";

/** OpenAPI schemas of Echo's JSON:API documents. The checks themselves live in validation.ts. */

const Verb = t.UnionEnum([...VERBS], { description: "An HTTP method name, in upper case" });

const Path = t.String({
  minLength: 1,
  maxLength: LIMITS.pathLength,
  pattern: PathPattern,
  description: `Starts with \`/\`; URL path characters (characters beyond ASCII are percent-encoded when stored); no query, fragment, whitespace, control characters or dot segments. Stored and matched after RFC 3986 normalisation: upper-case hex in escapes, unreserved characters decoded. Case-sensitive. A segment \`{name}\` matches any one non-empty segment, and a final \`{name*}\` one or more. Not \`/\`, nor at or under ${RESERVED_ROOTS.join(", ")}.`,
  examples: ["/greeting", "/users/{id}", "/files/{path*}"],
});

const MockResponseSchema = t.Object(
  {
    code: Type.Integer({
      minimum: LIMITS.minCode,
      maximum: LIMITS.maxCode,
      description: "The HTTP status the mock answers with (1xx codes cannot end a response)",
      examples: [200],
    }),
    headers: t.Optional(
      t.Record(
        t.String({
          pattern: HeaderNamePattern,
          maxLength: LIMITS.headerNameLength,
        }),
        t.String({ maxLength: LIMITS.headerValueLength, pattern: HeaderValuePattern }),
        {
          maxProperties: LIMITS.headerCount,
          description: `At most ${LIMITS.headerCount} headers. Names are HTTP tokens of at most ${LIMITS.headerNameLength} characters, unique ignoring case; values are printable ASCII of at most ${LIMITS.headerValueLength} characters. Refused: ${FORBIDDEN_HEADERS.join(", ")} (the server sets them).`,
          examples: [{ "Content-Type": "application/json" }],
        },
      ),
    ),
    body: t.Optional(
      t.String({
        description: `Served verbatim; at most ${LIMITS.bodyBytes} bytes of UTF-8. Refused for HEAD mocks and for codes 204, 205 and 304, which carry no body.`,
        examples: ['"{ \\"message\\": \\"Hello, world\\" }"'],
      }),
    ),
    template: t.Optional(ResponseExtensions.template),
    delay: t.Optional(ResponseExtensions.delay),
    fault: t.Optional(ResponseExtensions.fault),
  },
  { additionalProperties: false },
);

const ListedResponse = t.Object(
  { ...MockResponseSchema.properties, weight: t.Optional(ResponseExtensions.weight) },
  { additionalProperties: false },
);

/** One example of each feature, as the create document's attributes. */
const FEATURE_EXAMPLES = [
  {
    verb: "GET",
    path: "/users/{id}",
    response: {
      code: 200,
      headers: { "Content-Type": "application/json" },
      body: '{"id": {{json request.params.id}}, "at": "{{now}}" }',
      template: true,
    },
  },
  {
    verb: "POST",
    path: "/orders",
    request: {
      query: { lang: "en" },
      headers: { "x-tenant": "acme" },
      body: { json: { kind: "book" } },
    },
    priority: 10,
    response: { code: 201, delay: { min: 100, max: 900 } },
  },
  {
    verb: "GET",
    path: "/flaky",
    responses: [{ code: 503 }, { code: 200, body: "ok" }],
    order: "sequence",
  },
  { verb: "GET", path: "/drop", response: { code: 200, fault: "close" } },
];

const Attributes = t.Object(
  {
    verb: Verb,
    path: Path,
    request: t.Optional(RequestConditionsSchema),
    priority: t.Optional(Priority),
    response: t.Optional(
      t.Composite([MockResponseSchema], {
        description: "What the mock answers; required unless `responses` is given",
      }),
    ),
    responses: t.Optional(
      t.Array(ListedResponse, {
        minItems: 1,
        maxItems: MAX_RESPONSES,
        description: "Instead of `response`: answered in `order`",
      }),
    ),
    order: t.Optional(Order),
  },
  { additionalProperties: false, examples: FEATURE_EXAMPLES },
);

const Type_ = t.Literal(ENDPOINT_TYPE);

const Resource = t.Object(
  { type: Type_, id: t.String(), attributes: Attributes },
  { title: "Endpoint" },
);

export const EndpointDocument = t.Object({ data: Resource });
export const EndpointListDocument = t.Object({ data: t.Array(Resource) });

export const CreateEndpointDocument = t.Object({
  data: t.Object({ type: Type_, attributes: Attributes }),
});

export const UpdateEndpointDocument = t.Object({
  data: t.Object({
    type: Type_,
    id: t.Optional(
      t.String({ description: "When given, must equal the id in the URL (else 409)" }),
    ),
    attributes: t.Optional(t.Partial(Attributes)),
  }),
});

type ResponseObject = NonNullable<DocumentDecoration["responses"]>[string];
type RequestBodyObject = NonNullable<DocumentDecoration["requestBody"]>;
// TypeBox schemas are JSON Schema already; the OpenAPI typings just do not know TypeBox.
const asOpenApi = (schema: TSchema) => schema as never;

const jsonApi = (description: string, schema: TSchema): ResponseObject => ({
  description,
  content: { [JSONAPI_MEDIA_TYPE]: { schema: asOpenApi(schema) } },
});

export const requestBody = (schema: TSchema): RequestBodyObject => ({
  required: true,
  content: {
    [JSONAPI_MEDIA_TYPE]: { schema: asOpenApi(schema) },
    "application/json": { schema: asOpenApi(schema) },
  },
});

const errors = {
  400: "The body is not JSON, or `:id` is not valid percent-encoding",
  401: "API_TOKEN is set and the bearer token is missing or wrong",
  403: "The document names its own id",
  404: "No endpoint has this id",
  409: "Another endpoint has this verb and path, or data.id differs from the URL",
  413: `The body is over ${LIMITS.requestBytes} bytes`,
  415: `Content-Type is neither ${JSONAPI_MEDIA_TYPE} nor application/json`,
  422: "A field is invalid (source.pointer names it), or the endpoint limit is reached",
  503: "The store is unavailable; retry later",
} as const;

export const errorResponses = (
  ...statuses: (keyof typeof errors)[]
): Record<string, ResponseObject> =>
  Object.fromEntries(statuses.map((s) => [String(s), jsonApi(errors[s], ErrorResponse)]));

export const documentResponse = (description: string, schema: TSchema) =>
  jsonApi(description, schema);

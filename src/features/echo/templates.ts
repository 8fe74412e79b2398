import type Handlebars from "handlebars";
import { ApiError } from "../../errors";

/**
 * Handlebars templates for mock responses: compiled once per mock, rendered per request with the
 * request as context. Only these helpers exist: json, now, uuid, randomInt (and Handlebars'
 * built-in block helpers); partials and decorators are refused; prototype access stays off.
 * Output is not HTML-escaped: mock bodies are JSON or text, not HTML.
 */

/** What a helper may read besides its arguments: the clock and the random source. */
export interface TemplateData {
  now: () => number;
  random: () => number;
}

export interface TemplateContext {
  request: {
    method: string;
    path: string;
    params: Record<string, string>;
    query: Record<string, string>;
    headers: Record<string, string>;
    body: string;
    json: unknown;
  };
}

export type Template = (context: TemplateContext, data: TemplateData) => string;

export const MAX_TEMPLATE_OUTPUT_BYTES = 1024 * 1024;

type HelperOptions = Handlebars.HelperOptions & { data: { root: unknown } & TemplateData };

const optionsOf = (args: unknown[]) => args[args.length - 1] as HelperOptions;

/**
 * The Handlebars environment with this module's helpers. It is built on the first template
 * checked or rendered: loading Handlebars is a large share of start-up, and most mocks have no
 * template.
 */
let environment: typeof Handlebars | undefined;
function handlebars(): typeof Handlebars {
  if (environment) return environment;
  const created = (require("handlebars") as typeof Handlebars).create();
  created.registerHelper("json", (...args: unknown[]) =>
    JSON.stringify(args.length > 1 ? (args[0] ?? null) : null),
  );
  created.registerHelper("now", (...args: unknown[]) => {
    const ms = optionsOf(args).data.now();
    return args[0] === "epoch" ? String(Math.floor(ms / 1000)) : new Date(ms).toISOString();
  });
  created.registerHelper("uuid", () => crypto.randomUUID());
  created.registerHelper("randomInt", (min: unknown, max: unknown, ...rest: unknown[]) => {
    const low = Number(min);
    const high = Number(max);
    if (!Number.isInteger(low) || !Number.isInteger(high) || low > high) {
      throw new Error("randomInt needs two integers, min ≤ max");
    }
    return String(low + Math.floor(optionsOf(rest).data.random() * (high - low + 1)));
  });
  environment = created;
  return created;
}

const KNOWN_HELPERS = { json: true, now: true, uuid: true, randomInt: true };
const REFUSED = new Set([
  "PartialStatement",
  "PartialBlockStatement",
  "Decorator",
  "DecoratorBlock",
]);

function refusedNode(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = refusedNode(child);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof node !== "object" || node === null) return undefined;
  const type = (node as { type?: unknown }).type;
  if (typeof type === "string" && REFUSED.has(type)) return type;
  for (const [key, child] of Object.entries(node)) {
    if (key !== "loc" && typeof child === "object") {
      const found = refusedNode(child);
      if (found) return found;
    }
  }
  return undefined;
}

const OPTIONS = {
  knownHelpers: KNOWN_HELPERS,
  knownHelpersOnly: true,
  noEscape: true,
  strict: false,
};

/** Throws a 422 naming `pointer` with Handlebars' reason when the template does not compile. */
export function checkTemplate(source: string, pointer: string): void {
  try {
    const refused = refusedNode(handlebars().parse(source));
    if (refused) {
      throw new Error(
        `${refused.startsWith("Partial") ? "partials" : "decorators"} are not available`,
      );
    }
    // precompile runs the whole compiler now, so every error shows at create or update.
    handlebars().precompile(source, OPTIONS);
  } catch (error) {
    // Parse errors span lines (position, excerpt, caret, expectation): keep the first and last.
    const lines = (error instanceof Error ? error.message : String(error)).split("\n");
    const reason = lines.length > 1 ? `${lines[0]} ${lines[lines.length - 1]}` : lines[0];
    throw new ApiError(422, "invalid_template", `The template does not compile: ${reason}`, {
      pointer,
    });
  }
}

/**
 * A checked template, ready to render. Handlebars compiles it on the first render and keeps the
 * result, so an index holding thousands of templates is built without compiling them all.
 */
export function compileTemplate(source: string): Template {
  const compiled = handlebars().compile<TemplateContext>(source, OPTIONS);
  return (context, data) =>
    compiled(context, {
      data,
      allowProtoPropertiesByDefault: false,
      allowProtoMethodsByDefault: false,
    });
}

export const templateOutputTooLarge = () =>
  new ApiError(
    500,
    "template_output_too_large",
    `The rendered response is over ${MAX_TEMPLATE_OUTPUT_BYTES} bytes`,
  );

import type { MockDelay, MockResponse } from "../../store/store";
import type { CompiledMock, CompiledResponse } from "./catalogue";
import { mockResponse } from "./mock";
import {
  MAX_TEMPLATE_OUTPUT_BYTES,
  type TemplateContext,
  type TemplateData,
  templateOutputTooLarge,
} from "./templates";

/**
 * Turns the matched mock into its answer: which response of a list (sequence, cycle, random),
 * the delay, the fault, and the rendered templates. Pure apart from the injected clock, random
 * source, sleep and hit counter.
 */

export interface ResponderDeps extends TemplateData {
  /** Resolves after `ms`, or as soon as `signal` aborts; holds no timer after an abort. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** The store's hit counter: the count after this hit, or undefined when the mock is gone. */
  hit(id: string): Promise<number | undefined>;
}

function weighted(responses: CompiledResponse[], random: () => number): CompiledResponse {
  const total = responses.reduce((sum, r) => sum + (r.response.weight ?? 1), 0);
  let left = random() * total;
  for (const r of responses) {
    left -= r.response.weight ?? 1;
    if (left < 0) return r;
  }
  return responses[responses.length - 1] as CompiledResponse;
}

async function choose(
  mock: CompiledMock,
  deps: ResponderDeps,
): Promise<CompiledResponse | undefined> {
  const { responses, order } = mock;
  if (order === undefined || responses.length === 1) return responses[0];
  if (order === "random") return weighted(responses, deps.random);
  const hits = await deps.hit(mock.endpoint.id);
  if (hits === undefined) return undefined;
  const index = order === "cycle" ? (hits - 1) % responses.length : hits - 1;
  return responses[Math.min(index, responses.length - 1)];
}

export const delayOf = (delay: MockDelay | undefined, random: () => number): number => {
  if (delay === undefined) return 0;
  if (typeof delay === "number") return delay;
  return Math.round(delay.min + random() * (delay.max - delay.min));
};

/** A body that errors before its first byte: Bun then resets the connection, with no status line. */
const closedConnection = () =>
  new Response(
    new ReadableStream({
      start(controller) {
        controller.error();
      },
    }),
  );

const encoder = new TextEncoder();
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

function render(chosen: CompiledResponse, context: TemplateContext, data: TemplateData) {
  const response: MockResponse = { ...chosen.response };
  if (chosen.body) {
    const body = chosen.body(context, data);
    if (
      body.length > MAX_TEMPLATE_OUTPUT_BYTES / 3 &&
      encoder.encode(body).byteLength > MAX_TEMPLATE_OUTPUT_BYTES
    ) {
      throw templateOutputTooLarge();
    }
    response.body = body;
  }
  if (chosen.headers) {
    const headers: Record<string, string> = {};
    let size = 0;
    for (const [name, template] of chosen.headers) {
      const value = template(context, data);
      size += value.length;
      if (size > MAX_TEMPLATE_OUTPUT_BYTES) throw templateOutputTooLarge();
      // A rendered value the wire cannot carry is dropped, not sent broken.
      if (HEADER_VALUE.test(value)) headers[name] = value;
    }
    response.headers = headers;
  }
  return response;
}

/**
 * The answer of `mock` to a request; `context` is built only when the chosen response is a
 * template. A client gone during the delay gets nothing further: no rendering, no body.
 */
export async function respond(
  mock: CompiledMock,
  method: string,
  signal: AbortSignal,
  context: () => Promise<TemplateContext>,
  deps: ResponderDeps,
): Promise<Response | undefined> {
  const chosen = await choose(mock, deps);
  if (!chosen) return undefined;
  const ms = delayOf(chosen.response.delay, deps.random);
  if (ms > 0) {
    await deps.sleep(ms, signal);
    if (signal.aborted) return new Response(null, { status: 499 });
  }
  if (chosen.response.fault === "close") return closedConnection();
  const response = chosen.response.template
    ? render(chosen, await context(), deps)
    : chosen.response;
  return mockResponse(response, method);
}

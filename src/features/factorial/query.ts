import { badParameter } from "../../errors";

/**
 * Parses the `number` query parameter: plain decimal digits only, so
 * negatives, fractions, exponents, signs and whitespace are all refused.
 */
export function parseFactorialNumber(raw: string | string[] | undefined, max: number): number {
  if (Array.isArray(raw))
    throw badParameter("number", "Query parameter `number` must be given once");
  if (raw === undefined || raw === "") {
    throw badParameter("number", "Query parameter `number` is required");
  }
  if (!/^\d{1,16}$/.test(raw)) {
    throw badParameter("number", `Query parameter \`number\` must be an integer from 0 to ${max}`);
  }
  const n = Number(raw);
  if (n > max) {
    throw badParameter("number", `Query parameter \`number\` must be an integer from 0 to ${max}`);
  }
  return n;
}

/** True when the client prefers `text/plain` over JSON. */
export function prefersPlainText(accept: string | null): boolean {
  if (!accept) return false;
  let text = -1;
  let json = -1;
  for (const range of accept.split(",")) {
    const [type = "", ...params] = range.trim().toLowerCase().split(";");
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) || 0 : 1;
    if (type === "text/plain") text = Math.max(text, q);
    else if (type === "application/json") json = Math.max(json, q);
    else if (type === "*/*" || type === "application/*") json = Math.max(json, q === 1 ? 0.999 : q);
  }
  return text > 0 && text > json;
}

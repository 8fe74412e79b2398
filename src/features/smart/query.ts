import { badParameter } from "../../errors";

/**
 * Parses the `timeout` query parameter: the whole request's deadline in
 * milliseconds, plain digits from 1 to `max`. Absent means no deadline.
 */
export function parseTimeout(raw: string | string[] | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) {
    throw badParameter("timeout", "Query parameter `timeout` must be given once");
  }
  if (raw === "") {
    throw badParameter(
      "timeout",
      `Query parameter \`timeout\` is empty: give milliseconds from 1 to ${max}, or leave it out`,
    );
  }
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= max)) {
    throw badParameter(
      "timeout",
      `Query parameter \`timeout\` must be a whole number of milliseconds from 1 to ${max}`,
    );
  }
  return value;
}

import type { JournalEntry } from "../../store/journal";
import type { BodyCondition, Endpoint, RequestConditions } from "../../store/store";
import { containsJson } from "./conditions";

/**
 * Why an unmatched request missed the mocks that came closest. Computed when a journal entry is
 * read, never on the request path. Closeness: the same path under another verb first, then the
 * same verb with the fewest differing path segments, then the fewest failed conditions.
 */

export interface NearMiss {
  endpoint: string;
  verb: string;
  path: string;
  reasons: string[];
}

/** A mock as the near-miss search sees it. */
export type Candidate = Endpoint;

export const MAX_NEAR_MISSES = 3;

const segmentsOf = (path: string) => path.split("/").slice(1);
const PARAM = /^\{[A-Za-z_][A-Za-z0-9_]*\}$/;
const REST = /^\{[A-Za-z_][A-Za-z0-9_]*\*\}$/;

/** One sentence per path difference; empty when the mock's path matches. */
export function pathReasons(requested: string[], mock: string[]): string[] {
  const reasons: string[] = [];
  const last = mock.at(-1) ?? "";
  const rest = REST.test(last);
  const fixed = rest ? mock.length - 1 : mock.length;
  for (let i = 0; i < Math.min(fixed, requested.length); i++) {
    const got = requested[i] ?? "";
    const want = mock[i] ?? "";
    const matches = PARAM.test(want) ? got !== "" : got === want;
    if (!matches) reasons.push(`path differs at segment ${i + 1}: \`${got}\` vs \`${want}\``);
  }
  if (rest ? requested.length <= fixed : requested.length !== fixed) {
    const expected = rest ? `at least ${fixed + 1}` : String(fixed);
    reasons.push(`path has ${requested.length} segments, the mock expects ${expected}`);
  }
  return reasons;
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

function bodyReason(text: string, condition: BodyCondition): string | undefined {
  if ("contains" in condition) {
    return text.includes(condition.contains)
      ? undefined
      : `body does not contain \`${condition.contains}\``;
  }
  if ("equals" in condition) {
    return text === condition.equals ? undefined : `body does not equal \`${condition.equals}\``;
  }
  const parsed = parseJson(text);
  if (!parsed) return "body is not JSON, the mock expects JSON";
  return containsJson(parsed.value, condition.json)
    ? undefined
    : `body JSON does not contain \`${JSON.stringify(condition.json)}\``;
}

/** One sentence per condition the entry fails. */
export function conditionReasons(entry: JournalEntry, conditions: RequestConditions = {}) {
  const reasons: string[] = [];
  const query = new URLSearchParams(entry.query);
  for (const [name, want] of Object.entries(conditions.query ?? {})) {
    const got = query.get(name);
    if (got === null) reasons.push(`query \`${name}\` is missing, the mock expects \`${want}\``);
    else if (got !== want)
      reasons.push(`query \`${name}\` is \`${got}\`, the mock expects \`${want}\``);
  }
  for (const [name, want] of Object.entries(conditions.headers ?? {})) {
    const got = entry.headers[name.toLowerCase()];
    if (got === undefined)
      reasons.push(`header \`${name}\` is missing, the mock expects \`${want}\``);
    else if (got !== want) {
      reasons.push(`header \`${name}\` is \`${got}\`, the mock expects \`${want}\``);
    }
  }
  const reason = conditions.body && bodyReason(entry.body, conditions.body);
  if (reason) reasons.push(reason);
  return reasons;
}

interface Scored {
  miss: NearMiss;
  rank: [number, number, number, number];
}

/** Scores one mock against the entry; undefined when it is too far to be worth showing. */
function score(entry: JournalEntry, requested: string[], mock: Candidate, age: number) {
  const pathDiffs = pathReasons(requested, segmentsOf(mock.path));
  const sameVerb = mock.verb === entry.method;
  if (!sameVerb && pathDiffs.length > 0) return undefined;
  // More than half the segments differ: another route, not a near miss.
  if (pathDiffs.length > Math.max(1, Math.floor(requested.length / 2))) return undefined;
  const conditions = conditionReasons(entry, mock.request);
  const reasons = [
    ...(sameVerb ? [] : [`method is ${entry.method}, the mock expects ${mock.verb}`]),
    ...pathDiffs,
    ...conditions,
  ];
  if (reasons.length === 0) return undefined;
  const scored: Scored = {
    miss: { endpoint: mock.id, verb: mock.verb, path: mock.path, reasons },
    rank: [sameVerb ? 1 : 0, pathDiffs.length, conditions.length, age],
  };
  return scored;
}

const byRank = (a: Scored, b: Scored) => {
  for (let i = 0; i < a.rank.length; i++) {
    const d = (a.rank[i] ?? 0) - (b.rank[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

/** Up to MAX_NEAR_MISSES mocks the entry nearly matched, closest first. */
export function nearMisses(entry: JournalEntry, candidates: Iterable<Candidate>): NearMiss[] {
  const requested = segmentsOf(entry.path);
  const scored: Scored[] = [];
  let age = 0;
  for (const mock of candidates) {
    const found = score(entry, requested, mock, age++);
    if (found) scored.push(found);
  }
  return scored
    .sort(byRank)
    .slice(0, MAX_NEAR_MISSES)
    .map((s) => s.miss);
}

/** Mocks examined per entry at most, so one read costs the same at 10 or 10,000 mocks. */
export const MAX_EXAMINED = 1_000;

/**
 * Groups the mocks by segment count once per read; an entry is then compared only with mocks
 * one segment longer or shorter, or ending in `{name*}`, never with every mock.
 */
export function candidateIndex(mocks: readonly Candidate[]) {
  const bySegments = new Map<number, Candidate[]>();
  const open: Candidate[] = [];
  for (const mock of mocks) {
    const segments = segmentsOf(mock.path);
    if (REST.test(segments.at(-1) ?? "")) open.push(mock);
    else {
      const group = bySegments.get(segments.length) ?? [];
      group.push(mock);
      bySegments.set(segments.length, group);
    }
  }
  return (entry: JournalEntry): Candidate[] => {
    const n = segmentsOf(entry.path).length;
    const near = [n, n - 1, n + 1].flatMap((count) => bySegments.get(count) ?? []);
    return [...near, ...open].slice(0, MAX_EXAMINED);
  };
}

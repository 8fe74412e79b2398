/** The flags that select rows, and those of the Echo rows (issues #15 and #16). */
import { REFERENCE_COMMIT } from "./reference";

export const ROW_GROUPS = ["core", "echo", "peers"] as const;
export type RowGroup = (typeof ROW_GROUPS)[number];

export const ECHO_USAGE = `  --rows LIST                which rows to run, comma-separated: ${ROW_GROUPS.join(", ")}
                             (default: all of them; with --quick: core)
  --echo-mocks N             mocks defined for the Echo scale rows (default 10000; even)
  --peer-mocks N             mocks defined for the peer table (default 1000; even)
  --echo-duration SEC        load per Echo measurement (default 2; 1 with --quick)
  --echo-rounds N            alternating rounds of the Echo rows (default 5; 1 with --quick)
  --peer-duration SEC        load per peer-table measurement, 1 round (default 3; 1 with --quick)
  --echo-reference REF       commit of the reference build for the rows against it
                             (default ${REFERENCE_COMMIT.slice(0, 12)}; "none" skips those rows)`;

export const ECHO_FLAGS = {
  rows: { type: "string" },
  "echo-mocks": { type: "string" },
  "peer-mocks": { type: "string" },
  "echo-duration": { type: "string" },
  "echo-rounds": { type: "string" },
  "peer-duration": { type: "string" },
  "echo-reference": { type: "string" },
} as const;

export interface EchoOptions {
  rows: ReadonlySet<RowGroup>;
  echoMocks: number;
  peerMocks: number;
  echoDurationSeconds: number;
  echoRounds: number;
  peerDurationSeconds: number;
  /** Undefined: no reference build, the exact-hit ratio is skipped. */
  reference: string | undefined;
}

type Values = { [flag in keyof typeof ECHO_FLAGS]?: string };

function rowsFrom(raw: string | undefined, quick: boolean, fail: (message: string) => Error) {
  if (raw === undefined) return new Set<RowGroup>(quick ? ["core"] : ROW_GROUPS);
  const names = raw.split(",").map((name) => name.trim());
  const unknown = names.find((name) => !(ROW_GROUPS as readonly string[]).includes(name));
  if (unknown !== undefined || names.length === 0) {
    throw fail(`--rows takes a comma-separated list of ${ROW_GROUPS.join(", ")}, got "${raw}"`);
  }
  return new Set(names as RowGroup[]);
}

function mockCount(
  raw: string | undefined,
  name: string,
  fallback: number,
  fail: (m: string) => Error,
) {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 2 || value % 2 !== 0) {
    throw fail(`--${name} must be an even integer ≥ 2, got "${raw}"`);
  }
  return value;
}

function seconds(
  raw: string | undefined,
  name: string,
  fallback: number,
  fail: (m: string) => Error,
) {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < 0.01) {
    throw fail(`--${name} must be a number ≥ 0.01, got "${raw}"`);
  }
  return value;
}

function rounds(raw: string | undefined, fallback: number, fail: (m: string) => Error) {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw fail(`--echo-rounds must be an integer ≥ 1, got "${raw}"`);
  }
  return Number(raw);
}

export function readEchoOptions(
  values: Values,
  quick: boolean,
  fail: (message: string) => Error,
): EchoOptions {
  const reference = values["echo-reference"] ?? REFERENCE_COMMIT;
  return {
    rows: rowsFrom(values.rows, quick, fail),
    echoMocks: mockCount(values["echo-mocks"], "echo-mocks", 10_000, fail),
    peerMocks: mockCount(values["peer-mocks"], "peer-mocks", 1_000, fail),
    echoDurationSeconds: seconds(values["echo-duration"], "echo-duration", quick ? 1 : 2, fail),
    echoRounds: rounds(values["echo-rounds"], quick ? 1 : 5, fail),
    peerDurationSeconds: seconds(values["peer-duration"], "peer-duration", quick ? 1 : 3, fail),
    reference: reference === "none" ? undefined : reference,
  };
}

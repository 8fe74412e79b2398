/**
 * The Echo rows: matching cost at 10 and at 10,000 mocks, the exact-path hit against a reference
 * build, the journal's cost, and one hit on Echo, WireMock and mountebank at 10 and 1,000 mocks.
 * Every figure is compared with another from the same run, measured alternately.
 */
import {
  type Age,
  type BenchMock,
  echoDocument,
  exactMock,
  type MockKind,
  mockOf,
  mockSet,
} from "./echo-mocks";
import { ECHO_TARGETS, type PeerResult, peerTable, ratioRow } from "./echo-rows";
import type { LoadResult } from "./load";
import {
  checkHits,
  loadInOrder,
  type MockServer,
  type MockServerKind,
  postJson,
} from "./mock-server";
import type { Options } from "./options";
import { mountebankPeer } from "./peers/mountebank";
import { wiremockPeer } from "./peers/wiremock";
import { type ServerSpec, startServer } from "./processes";
import { referenceBuild } from "./reference";
import type { Row } from "./report";
import { skippedRow, summarize } from "./rows";

export interface LoadTarget {
  label: string;
  url: string;
  connections: number;
  headers?: Record<string, string>;
  ready?: () => Promise<void>;
}

export interface Schedule {
  durationSeconds: number;
  warmupSeconds: number;
  rounds: number;
}

/** What run.ts lends the Echo rows. */
export interface EchoBench {
  options: Options;
  root: string;
  scratch: string;
  apiToken: string;
  /** A fresh service process: its own SQLite file, production defaults. */
  service: () => ServerSpec;
  /** Warms each target, then measures them in turn, round after round; each round's results. */
  measureRounds: (targets: LoadTarget[], schedule: Schedule) => Promise<LoadResult[][]>;
  log: (message: string) => void;
}

export interface EchoOutcome {
  rows: Row[];
  /** Markdown sections after the main table. */
  sections: string[];
  notes: string[];
}

const JSONAPI_MEDIA_TYPE = "application/vnd.api+json";
const SERVICE_MAX_MOCKS = 10_000;

interface ServiceOverrides {
  cmd?: string[];
  env?: Record<string, string>;
}

/** Echo as a mock server: a fresh service process, mocks created through `POST /endpoints`. */
function echoKind(bench: EchoBench, name: string, overrides: ServiceOverrides = {}) {
  const headers = { "content-type": JSONAPI_MEDIA_TYPE, authorization: `Bearer ${bench.apiToken}` };
  return {
    name,
    unavailable: () => undefined,
    async start(mocks: readonly BenchMock[], label: string): Promise<MockServer> {
      const base = bench.service();
      const limit: Record<string, string> =
        mocks.length > SERVICE_MAX_MOCKS ? { ECHO_MAX_ENDPOINTS: `${mocks.length}` } : {};
      const server = await startServer({
        ...base,
        name: `${name} (${label})`,
        cmd: overrides.cmd ?? base.cmd,
        env: { ...base.env, ...overrides.env, ...limit },
      });
      try {
        await loadInOrder(mocks, (mock) =>
          postJson(`${server.url}/endpoints`, echoDocument(mock), headers),
        );
      } catch (error) {
        await server.stop();
        throw error;
      }
      return { url: server.url, stop: () => server.stop(), residentBytes: server.residentBytes };
    },
  } satisfies MockServerKind;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** How long a server may take to answer what the previous run left queued. */
const SETTLE_TIMEOUT_MS = 120_000;

/**
 * A hit under load. Before each run, one request must come back: a server slower than the load
 * (mountebank at 1,000 stubs) still holds up to one request per connection when the load stops,
 * and the next run must not pay for them.
 */
function hitTarget(bench: EchoBench, label: string, server: MockServer, mock: BenchMock) {
  const url = `${server.url}${mock.hit.path}`;
  const headers = mock.hit.headers;
  const ready = async () => {
    try {
      await (await fetch(url, { headers, signal: AbortSignal.timeout(SETTLE_TIMEOUT_MS) })).text();
    } catch {
      // Still busy after the timeout: the run goes ahead and its figure shows it.
    }
  };
  return { label, url, connections: bench.options.connections, headers, ready };
}

const count = (n: number) => n.toLocaleString("en-US");

const KINDS: readonly MockKind[] = ["exact", "template"];

const SCALE_MEASURE: Record<MockKind, (many: number) => string> = {
  exact: (many) => `Echo exact-path mock hit, ${count(many)} vs 10 mocks`,
  template: (many) => `Echo template mock hit with 2 conditions, ${count(many)} vs 10 mocks`,
};

/** One exact and one template mock (the newest of each) with 10 and with many mocks defined. */
async function scaleRows(bench: EchoBench): Promise<{ rows: Row[]; notes: string[] }> {
  const { echoMocks, echoDurationSeconds } = bench.options.echo;
  const fewMocks = mockSet(10);
  const manyMocks = mockSet(echoMocks);
  const echo = echoKind(bench, "service");
  const started: MockServer[] = [];
  try {
    const few = await echo.start(fewMocks, "10 mocks");
    started.push(few);
    bench.log(`creating ${count(echoMocks)} mocks, one POST /endpoints each`);
    const createdAt = performance.now();
    const many = await echo.start(manyMocks, `${count(echoMocks)} mocks`);
    const createSeconds = (performance.now() - createdAt) / 1_000;
    started.push(many);
    const hits = (mocks: BenchMock[]) => KINDS.map((kind) => mockOf(mocks, kind, "newest"));
    await checkHits(few, hits(fewMocks));
    await checkHits(many, hits(manyMocks));

    const targets = KINDS.flatMap((kind) => [
      hitTarget(bench, `10 mocks, newest ${kind}`, few, mockOf(fewMocks, kind, "newest")),
      hitTarget(
        bench,
        `${count(echoMocks)} mocks, newest ${kind}`,
        many,
        mockOf(manyMocks, kind, "newest"),
      ),
    ]);
    const rounds = await bench.measureRounds(targets, {
      durationSeconds: echoDurationSeconds,
      warmupSeconds: bench.options.warmupSeconds,
      rounds: bench.options.echo.echoRounds,
    });
    const rows = KINDS.map((kind, i) => {
      const [against, measured] = [rounds[2 * i], rounds[2 * i + 1]];
      const mock = mockOf(manyMocks, kind, "newest");
      if (!against || !measured)
        return skippedRow(SCALE_MEASURE[kind](echoMocks), ECHO_TARGETS.scale, "no figure");
      return ratioRow(
        SCALE_MEASURE[kind](echoMocks),
        { measured, against, againstLabel: "10 mocks" },
        { text: ECHO_TARGETS.scale, min: 0.8 },
        `\`GET ${mock.hit.path}\`, the newest ${kind} mock`,
      );
    });
    const rss = (server: MockServer) => {
      const bytes = server.residentBytes();
      return bytes === undefined ? "unknown" : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
    };
    const notes = [
      `Echo scale rows: ${count(echoMocks)} mocks (half exact paths, half \`/bench/t<n>/users/{id}\` templates with a query and a header condition) took ${createSeconds.toFixed(1)} s to create one \`POST /endpoints\` at a time; RSS after the load ${rss(few)} with 10 mocks, ${rss(many)} with ${count(echoMocks)}.`,
    ];
    return { rows, notes };
  } catch (error) {
    const reason = message(error);
    return {
      rows: KINDS.map((kind) =>
        skippedRow(SCALE_MEASURE[kind](echoMocks), ECHO_TARGETS.scale, reason),
      ),
      notes: [],
    };
  } finally {
    await Promise.all(started.map((server) => server.stop()));
  }
}

const REFERENCE_MEASURE = "Echo exact-path mock hit vs the reference build";
const JOURNAL_MEASURE = "Echo mock hit, journal on (default) vs `ECHO_JOURNAL_SIZE=0`";
const MATCHING_MEASURE = "Echo exact-path mock hit, `ECHO_JOURNAL_SIZE=0`, vs the reference build";

/** How many entries `GET /requests` lists, or why it lists none. */
async function journalEntries(bench: EchoBench, server: MockServer): Promise<number | string> {
  try {
    const response = await fetch(`${server.url}/requests?page[size]=500`, {
      headers: { accept: JSONAPI_MEDIA_TYPE, authorization: `Bearer ${bench.apiToken}` },
      signal: AbortSignal.timeout(30_000),
    });
    const body = await response.text();
    if (response.status !== 200) return `\`GET /requests\` answered ${response.status}`;
    const data = (JSON.parse(body) as { data?: unknown }).data;
    return Array.isArray(data) ? data.length : "`GET /requests` listed no `data` array";
  } catch (error) {
    return message(error);
  }
}

/**
 * One exact mock on three processes measured alternately: this build with its defaults, this
 * build with the journal off, and the reference build.
 */
async function referenceAndJournalRows(bench: EchoBench): Promise<Row[]> {
  const { reference: ref } = bench.options.echo;
  const reference = ref
    ? await referenceBuild(bench.root, ref, bench.log)
    : { skipped: "skipped by flag (`--echo-reference none`)" };
  const mock = exactMock(0);
  const started: MockServer[] = [];
  const start = async (label: string, overrides: ServiceOverrides = {}) => {
    const server = await echoKind(bench, "service", overrides).start([mock], label);
    started.push(server);
    await checkHits(server, [mock]);
    return server;
  };
  try {
    const current = await start("defaults");
    const targets = [hitTarget(bench, "service, defaults", current, mock)];
    let journalSkipped: string | undefined;
    const listed = await journalEntries(bench, current);
    if (typeof listed === "string") journalSkipped = `no journal in this build: ${listed}`;
    else if (listed < 1) journalSkipped = "the journal did not list the hit just made";
    else {
      const off = await start("journal off", { env: { ECHO_JOURNAL_SIZE: "0" } });
      const offListed = await journalEntries(bench, off);
      if (offListed === 0)
        targets.push(hitTarget(bench, "service, ECHO_JOURNAL_SIZE=0", off, mock));
      else journalSkipped = `with \`ECHO_JOURNAL_SIZE=0\` the journal listed ${offListed}`;
    }
    if ("binary" in reference) {
      const old = await start(`reference ${reference.commit.slice(0, 12)}`, {
        cmd: [reference.binary],
      });
      targets.push(hitTarget(bench, "reference build", old, mock));
    }
    const rounds = await bench.measureRounds(targets, {
      durationSeconds: bench.options.echo.echoDurationSeconds,
      warmupSeconds: bench.options.warmupSeconds,
      rounds: bench.options.echo.echoRounds,
    });
    const [measured] = rounds;
    const journalOff = journalSkipped ? undefined : rounds[1];
    const referenceFigure = "binary" in reference ? rounds.at(-1) : undefined;
    const path = `\`GET ${mock.hit.path}\`, one mock defined`;
    return [
      measured && referenceFigure && "commit" in reference
        ? ratioRow(
            REFERENCE_MEASURE,
            {
              measured,
              against: referenceFigure,
              againstLabel: `\`${reference.commit.slice(0, 7)}\``,
            },
            { text: ECHO_TARGETS.reference, min: 0.9 },
            `${path}; both with production defaults`,
          )
        : skippedRow(
            REFERENCE_MEASURE,
            ECHO_TARGETS.reference,
            "skipped" in reference ? reference.skipped : "no figure",
          ),
      measured && journalOff
        ? ratioRow(
            JOURNAL_MEASURE,
            { measured, against: journalOff, againstLabel: "journal off" },
            { text: ECHO_TARGETS.journal, min: 0.8 },
            path,
          )
        : skippedRow(JOURNAL_MEASURE, ECHO_TARGETS.journal, journalSkipped ?? "no figure"),
      // What the new matching costs apart from recording: the two rows above, split.
      ...(journalOff && referenceFigure && "commit" in reference
        ? [
            ratioRow(
              MATCHING_MEASURE,
              {
                measured: journalOff,
                against: referenceFigure,
                againstLabel: `\`${reference.commit.slice(0, 7)}\``,
              },
              undefined,
              `${path}; context: the reference build has no journal`,
            ),
          ]
        : []),
    ];
  } catch (error) {
    const reason = message(error);
    return [
      skippedRow(REFERENCE_MEASURE, ECHO_TARGETS.reference, reason),
      skippedRow(JOURNAL_MEASURE, ECHO_TARGETS.journal, reason),
    ];
  } finally {
    await Promise.all(started.map((server) => server.stop()));
  }
}

const AGES: readonly Age[] = ["oldest", "newest"];

const peerWarmupSeconds = (bench: EchoBench) => 2 * bench.options.warmupSeconds;
const CASES = KINDS.flatMap((kind) => AGES.map((age) => ({ kind, age })));

/** One server kind at 10 and at many mocks: every (kind, age) hit, the two sizes alternating. */
async function peerResult(
  bench: EchoBench,
  kind: MockServerKind,
  fewMocks: BenchMock[],
  manyMocks: BenchMock[],
): Promise<PeerResult> {
  const unavailable = kind.unavailable();
  if (unavailable) return { server: kind.name, skipped: unavailable };
  const started: MockServer[] = [];
  try {
    const few = await kind.start(fewMocks, "10");
    started.push(few);
    const many = await kind.start(manyMocks, `${manyMocks.length}`);
    started.push(many);
    await checkHits(
      few,
      CASES.map(({ kind, age }) => mockOf(fewMocks, kind, age)),
    );
    await checkHits(
      many,
      CASES.map(({ kind, age }) => mockOf(manyMocks, kind, age)),
    );
    const targets = CASES.flatMap(({ kind: mockKind, age }) => [
      hitTarget(
        bench,
        `${kind.name}, 10 mocks, ${age} ${mockKind}`,
        few,
        mockOf(fewMocks, mockKind, age),
      ),
      hitTarget(
        bench,
        `${kind.name}, ${count(manyMocks.length)} mocks, ${age} ${mockKind}`,
        many,
        mockOf(manyMocks, mockKind, age),
      ),
    ]);
    const warmup = peerWarmupSeconds(bench);
    if (warmup > 0) {
      // Once per instance, on its oldest template mock, rather than before every figure.
      const warm = (server: MockServer, mocks: BenchMock[], size: string) =>
        hitTarget(
          bench,
          `${kind.name} warm-up, ${size}`,
          server,
          mockOf(mocks, "template", "oldest"),
        );
      await bench.measureRounds(
        [
          warm(few, fewMocks, "10 mocks"),
          warm(many, manyMocks, `${count(manyMocks.length)} mocks`),
        ],
        { durationSeconds: warmup, warmupSeconds: 0, rounds: 1 },
      );
    }
    const schedule = {
      durationSeconds: bench.options.echo.peerDurationSeconds,
      warmupSeconds: 0,
      rounds: 1,
    };
    const summaries = (await bench.measureRounds(targets, schedule)).map(summarize);
    const figures = CASES.flatMap(({ kind: mockKind, age }, i) => {
      const [few, many] = [summaries[2 * i], summaries[2 * i + 1]];
      return few && many ? [{ kind: mockKind, age, few, many }] : [];
    });
    return { server: kind.name, figures, residentBytes: many.residentBytes() };
  } catch (error) {
    return { server: kind.name, skipped: message(error) };
  } finally {
    await Promise.all(started.map((server) => server.stop()));
  }
}

async function peerSection(bench: EchoBench): Promise<string> {
  const { peerMocks, peerDurationSeconds } = bench.options.echo;
  const fewMocks = mockSet(10);
  const manyMocks = mockSet(peerMocks);
  const kinds = [
    echoKind(bench, "Echo (this build)"),
    wiremockPeer(bench.scratch),
    mountebankPeer(bench.scratch),
  ];
  const results: PeerResult[] = [];
  for (const kind of kinds) {
    bench.log(`peer table: ${kind.name}`);
    results.push(await peerResult(bench, kind, fewMocks, manyMocks));
  }
  return [
    "## Echo and its peers",
    "",
    `Requests per second for one mock hit, with 10 and with ${count(peerMocks)} mocks defined, against the oldest and the newest mock of each kind. Every server holds the same mocks, created in the same order: half exact paths, half path templates (\`/bench/t<n>/users/{id}\`) that also require a query parameter and a header. Each figure is one ${peerDurationSeconds} s measurement after ${peerWarmupSeconds(bench)} s of warm-up on each instance (twice \`--warmup\`: the JVM compiles WireMock's hot paths in its first seconds of load), at ${bench.options.connections} connections, the two sizes alternating; the ratio in brackets is ${count(peerMocks)} ÷ 10.`,
    "",
    peerTable(results, 10, peerMocks),
  ].join("\n");
}

/** The Echo rows that `--rows` selects: `echo` for the table rows, `peers` for the peer table. */
export async function measureEchoRows(bench: EchoBench): Promise<EchoOutcome> {
  const outcome: EchoOutcome = { rows: [], sections: [], notes: [] };
  const groups = bench.options.echo.rows;
  if (groups.has("echo")) {
    const scale = await scaleRows(bench);
    outcome.rows.push(...scale.rows, ...(await referenceAndJournalRows(bench)));
    const { echoDurationSeconds, echoRounds } = bench.options.echo;
    outcome.notes.push(
      `Echo rows: ${echoDurationSeconds} s per measurement after ${bench.options.warmupSeconds} s warm-up, ${echoRounds} alternating round(s); each side's figure is its best round, and the notes list every round's ratio.`,
      ...scale.notes,
    );
  }
  if (groups.has("peers")) outcome.sections.push(await peerSection(bench));
  return outcome;
}

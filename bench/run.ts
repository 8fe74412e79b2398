/**
 * The side-by-side benchmark: the compiled service against a raw `Bun.serve` baseline compiled
 * the same way, on 127.0.0.1, alternating the two. Prints one Markdown table and writes it,
 * with the machine description, to bench/results.md. Flags: `bun bench/run.ts --help`.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { buildPeer, buildService, minimalEnv, ROOT, WORK_DIR } from "./build";
import {
  coldStartRows,
  coldStartSkippedRows,
  createCpuLimit,
  LAMBDA_CPU_SHARE,
  measureColdStarts,
} from "./cold-start";
import { measureEchoRows, type Schedule } from "./echo";
import { autocannonGenerator, type LoadGenerator, type LoadResult, wrkGenerator } from "./load";
import {
  createMock,
  type FactorialTiming,
  MOCK_BODY,
  MOCK_PATH,
  probe,
  timeFactorial100000,
  timeLatencyDuringFactorial,
} from "./measure";
import { type Options, readOptions, USAGE, UsageError } from "./options";
import { killChildren, type ServerSpec, startServer } from "./processes";
import { cpythonFactorialMs, missingModule, pythonPeers, pythonVersion } from "./python";
import { type ReferenceBuild, referenceBuild } from "./reference";
import {
  REFERENCE_ROUTES,
  type ReferenceFigures,
  referenceRows,
  referenceSkippedRows,
} from "./reference-rows";
import {
  formatMiB,
  formatMs,
  formatRps,
  machineDescription,
  markdownTable,
  median,
  type Row,
} from "./report";
import {
  binarySizeRow,
  blockingRow,
  cpythonRow,
  echoRow,
  factorialMemoryRow,
  firstFactorialMs,
  firstFactorialRow,
  memoryRow,
  pairedRows,
  peerRow,
  type Summary,
  serviceOnlyRow,
  skippedRow,
  smartAddedRow,
  startupRow,
  summarize,
  TARGETS,
} from "./rows";
import { startupBreakdown } from "./startup-breakdown";

interface Route {
  path: string;
  /** The baseline answers it too, so it is measured side by side. */
  paired: boolean;
  note?: string;
}

const ROUTES: readonly Route[] = [
  { path: "/time", paired: true },
  { path: "/tocos", paired: true },
  { path: "/tocos/Sam", paired: false },
  { path: "/api/v1/factorial?number=1000", paired: false },
  {
    path: "/api/v1/factorial?number=100000",
    paired: false,
    note: "served from the cache after the first request",
  },
];

const SMART_PATH = "/api/smart?timeout=1000";
const UPSTREAM_PATH = "/api/work";

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** What every phase needs: the settings, the load generator and how to start each server. */
interface Bench {
  options: Options;
  generator: LoadGenerator;
  service: () => ServerSpec;
  baseline: ServerSpec;
  /** The minimal Elysia app, for the cold-start comparison. */
  elysia: ServerSpec;
  upstreamUrl: string;
  apiToken: string;
}

interface Target {
  label: string;
  url: string;
  connections: number;
  headers?: Record<string, string>;
  /** Awaited before each run, e.g. until a slow server has answered what it still holds. */
  ready?: () => Promise<void>;
}

async function chooseGenerator(options: Options): Promise<LoadGenerator> {
  const wrk = Bun.which("wrk");
  if (options.loadGenerator === "wrk" && !wrk) throw new UsageError("wrk is not on PATH");
  const generator =
    options.loadGenerator === "autocannon" || !wrk
      ? await autocannonGenerator()
      : await wrkGenerator(wrk, options.threads);
  const durations = {
    duration: options.durationSeconds,
    warmup: options.warmupSeconds,
    "echo-duration": options.echo.echoDurationSeconds,
    "peer-duration": options.echo.peerDurationSeconds,
  };
  for (const [flag, seconds] of Object.entries(durations)) {
    if (seconds > 0 && !generator.acceptsDuration(seconds)) {
      throw new UsageError(
        `${generator.name} cannot run for --${flag} ${seconds}: use whole seconds, or --load-generator autocannon`,
      );
    }
  }
  return generator;
}

function describeGenerator(generator: LoadGenerator, options: Options): string {
  const threads = generator.name === "wrk" ? `${options.threads} thread(s), ` : "";
  const resolution = generator.name === "autocannon" ? "; latency in whole milliseconds" : "";
  return [
    `${generator.version}: ${threads}${options.connections} connections,`,
    `${options.durationSeconds} s per measurement after ${options.warmupSeconds} s warm-up per server and route,`,
    `${options.rounds} alternating round(s), medians reported${resolution}`,
  ].join(" ");
}

/** Warms every target, then measures them in turn, round after round; each round's results. */
async function measureRounds(
  bench: Bench,
  targets: readonly Target[],
  schedule: Schedule,
): Promise<LoadResult[][]> {
  const { generator } = bench;
  if (schedule.warmupSeconds > 0) {
    for (const { label, url, connections, headers, ready } of targets) {
      log(`warm-up ${label}`);
      await ready?.();
      await generator.run(url, { durationSeconds: schedule.warmupSeconds, connections, headers });
    }
  }
  const results = targets.map((): LoadResult[] => []);
  for (let round = 1; round <= schedule.rounds; round++) {
    for (const [i, { label, url, connections, headers, ready }] of targets.entries()) {
      await ready?.();
      const result = await generator.run(url, {
        durationSeconds: schedule.durationSeconds,
        connections,
        headers,
      });
      results[i]?.push(result);
      const failed = result.failures ? `, ${result.failures} failed` : "";
      log(
        `${label} round ${round}/${schedule.rounds}: ${formatRps(result.requestsPerSecond)}, p50 ${formatMs(result.p50Ms)}, p99 ${formatMs(result.p99Ms)}${failed}`,
      );
    }
  }
  return results;
}

/** Warms every target, then measures them in turn, round after round; medians per target. */
async function measureAlternately(bench: Bench, targets: readonly Target[]): Promise<Summary[]> {
  return (await measureRounds(bench, targets, bench.options)).map(summarize);
}

/** Measures one server on one URL (no side-by-side partner). */
async function measureOne(bench: Bench, label: string, url: string): Promise<Summary> {
  const [summary] = await measureAlternately(bench, [
    { label, url, connections: bench.options.connections },
  ]);
  if (!summary) throw new Error(`no measurement for ${label}`);
  return summary;
}

/** Spawn to first 200 from /healthz, fresh processes, service and baseline alternately. */
async function measureStartups(bench: Bench): Promise<Row> {
  const times = await startupTimes(bench, {
    service: bench.service,
    baseline: () => bench.baseline,
  });
  log(
    `start-up medians: service ${formatMs(median(times.service))}, baseline ${formatMs(median(times.baseline))}`,
  );
  return startupRow(times.service, times.baseline);
}

/** `startupRuns` fresh start-ups of each server, in turn: milliseconds to the first 200, by name. */
async function startupTimes<K extends string>(
  bench: Bench,
  specs: Record<K, () => ServerSpec>,
): Promise<Record<K, number[]>> {
  const kinds = Object.keys(specs) as K[];
  const times = Object.fromEntries(kinds.map((kind) => [kind, []])) as unknown as Record<
    K,
    number[]
  >;
  for (let run = 1; run <= bench.options.startupRuns; run++) {
    for (const kind of kinds) {
      const server = await startServer(specs[kind]());
      times[kind].push(server.startupMs);
      await server.stop();
    }
  }
  return times;
}

/** Start-ups under Lambda's CPU share, when this machine lets the benchmark set one. */
async function measureColdStart(bench: Bench, reference?: () => ServerSpec): Promise<Row[]> {
  const probe = createCpuLimit(LAMBDA_CPU_SHARE);
  if ("skipped" in probe) {
    log(`cold start skipped: ${probe.skipped}`);
    return coldStartSkippedRows(probe.skipped);
  }
  probe.remove();
  const times = await measureColdStarts(
    { ...bench, reference },
    LAMBDA_CPU_SHARE,
    bench.options.startupRuns,
  );
  log(
    `cold-start medians: service ${formatMs(median(times.service))}, baseline ${formatMs(median(times.baseline))}, minimal Elysia ${formatMs(median(times.elysia))}`,
  );
  return coldStartRows(times);
}

/** The first, uncached 100000!, each on a fresh process; then whether it blocks `/time`. */
async function measureFirstFactorial(
  bench: Bench,
): Promise<{ runs: FactorialTiming[]; rows: Row[] }> {
  const runs: FactorialTiming[] = [];
  const rss = { before: [] as number[], after: [] as number[] };
  for (let run = 1; run <= bench.options.factorialRuns; run++) {
    const server = await startServer(bench.service());
    const before = server.residentBytes();
    runs.push(await timeFactorial100000(server.url));
    const after = server.residentBytes();
    if (before !== undefined && after !== undefined) {
      rss.before.push(before);
      rss.after.push(after);
    }
    await server.stop();
  }
  const server = await startServer(bench.service());
  const blocking = await timeLatencyDuringFactorial(server.url);
  await server.stop();
  log(`first 100000!: ${formatMs(firstFactorialMs(runs).ms)}`);
  return {
    runs,
    rows: [
      firstFactorialRow(runs),
      blockingRow(blocking.maxTimeLatencyMs, blocking.probes, blocking.factorialMs),
      factorialMemoryRow(rss.before, rss.after),
    ],
  };
}

interface LoadOutcome {
  rows: Row[];
  memory: Row;
  notes: string[];
  serviceTime: Summary | undefined;
}

/** Every route under load, on one long-lived service and baseline; memory read afterwards. */
async function measureUnderLoad(bench: Bench): Promise<LoadOutcome> {
  const { options } = bench;
  const service = await startServer(bench.service());
  const baseline = await startServer(bench.baseline);
  const rows: Row[] = [];
  const notes: string[] = [];
  const byPath = new Map<string, Summary>();

  const metrics = await probe(`${service.url}/metrics`);
  notes.push(
    metrics.status === 200
      ? "Metrics: on (`GET /metrics` answered 200 before the load)."
      : `Metrics: \`GET /metrics\` answered ${metrics.status || "nothing"} before the load.`,
  );

  for (const route of ROUTES) {
    const ready = await probe(`${service.url}${route.path}`);
    if (ready.status !== 200) {
      const target = route.paired ? TARGETS.throughput : "—";
      const reason = `service answered ${ready.status || "nothing"} before the load`;
      rows.push(skippedRow(`\`${route.path}\` throughput`, target, reason));
      continue;
    }
    const targets: Target[] = [
      {
        label: `service ${route.path}`,
        url: `${service.url}${route.path}`,
        connections: options.connections,
      },
    ];
    if (route.paired) {
      targets.push({
        label: `baseline ${route.path}`,
        url: `${baseline.url}${route.path}`,
        connections: options.connections,
      });
    }
    const [serviceSummary, baselineSummary] = await measureAlternately(bench, targets);
    if (!serviceSummary) continue;
    byPath.set(route.path, serviceSummary);
    rows.push(
      ...(baselineSummary
        ? pairedRows(route.path, serviceSummary, baselineSummary)
        : [serviceOnlyRow(route.path, serviceSummary, route.note)]),
    );
  }

  rows.push(await measureEcho(bench, service.url, byPath.get("/tocos")));
  rows.push(...(await measureSmart(bench, service.url)));

  const serviceRss = service.residentBytes();
  const baselineRss = baseline.residentBytes();
  notes.push(
    `Service stdout: a pipe drained by the harness; the service wrote ${service.stdout.lines.toLocaleString("en-US")} log lines (${formatMiB(service.stdout.bytes)}) over the whole load.`,
  );
  await Promise.all([service.stop(), baseline.stop()]);
  return {
    rows,
    memory: memoryRow(serviceRss, baselineRss),
    notes,
    serviceTime: byPath.get("/time"),
  };
}

/** Creates the mock through the management API, then hits it like any route. */
async function measureEcho(bench: Bench, serviceUrl: string, tocos: Summary | undefined) {
  const measure = `Echo mock hit \`GET ${MOCK_PATH}\` throughput`;
  const created = await createMock(serviceUrl, bench.apiToken);
  if (created.status !== 201) {
    const reason = `\`POST /endpoints\` answered ${created.status || "nothing"}`;
    return skippedRow(measure, TARGETS.echo, reason);
  }
  const hit = await probe(`${serviceUrl}${MOCK_PATH}`);
  if (hit.status !== 200 || hit.body !== MOCK_BODY) {
    const reason = `the mock answered ${hit.status || "nothing"}: ${hit.body.slice(0, 80)}`;
    return skippedRow(measure, TARGETS.echo, reason);
  }
  const echo = await measureOne(bench, `service ${MOCK_PATH}`, `${serviceUrl}${MOCK_PATH}`);
  return echoRow(measure, echo, tocos);
}

/** Throughput at full concurrency, then the p50 it adds over the upstream alone. */
async function measureSmart(bench: Bench, serviceUrl: string): Promise<Row[]> {
  const ready = await probe(`${serviceUrl}${SMART_PATH}`);
  if (ready.status !== 200) {
    const reason = `service answered ${ready.status || "nothing"} before the load`;
    return [skippedRow(`\`${SMART_PATH}\` throughput`, TARGETS.smartAdded, reason)];
  }
  const smart = await measureOne(bench, `service ${SMART_PATH}`, `${serviceUrl}${SMART_PATH}`);
  const connections = bench.options.latencyConnections;
  const [viaService, direct] = await measureAlternately(bench, [
    {
      label: `service ${SMART_PATH} (${connections} conn.)`,
      url: `${serviceUrl}${SMART_PATH}`,
      connections,
    },
    {
      label: `upstream direct (${connections} conn.)`,
      url: `${bench.upstreamUrl}${UPSTREAM_PATH}`,
      connections,
    },
  ]);
  const rows = [serviceOnlyRow(SMART_PATH, smart, "local upstream answering at once")];
  if (viaService && direct)
    rows.push(
      smartAddedRow(viaService, direct, connections, bench.generator.wholeMillisecondPercentiles),
    );
  return rows;
}

/** CPython's exact factorial and the seeds' Python stacks, when python3 has them. */
async function measurePython(
  bench: Bench,
  firstFactorial: FactorialTiming[],
  serviceTime: Summary | undefined,
): Promise<Row[]> {
  const { options } = bench;
  const peers = pythonPeers(join(ROOT, "bench", "peers"));
  const cpythonMeasure = "CPython `str(math.factorial(100000))`";
  const peerMeasure = (name: string) => `\`/time\` throughput vs ${name}`;
  const python = options.python ? Bun.which("python3") : null;
  if (!python) {
    const reason = options.python ? "python3 is not on PATH" : "Python skipped by flag";
    return [
      skippedRow(cpythonMeasure, TARGETS.cpython, reason),
      ...peers.map((peer) => skippedRow(peerMeasure(peer.name), "—", reason)),
    ];
  }

  const rows: Row[] = [];
  log("timing CPython's str(math.factorial(100000))");
  const cpython = await cpythonFactorialMs(python);
  const version = await pythonVersion(python);
  rows.push(
    "ms" in cpython
      ? cpythonRow(firstFactorialMs(firstFactorial).ms, cpython.ms, version)
      : skippedRow(cpythonMeasure, TARGETS.cpython, cpython.error),
  );

  for (const peer of peers) {
    const missing = await missingModule(python, peer.modules);
    if (missing || !serviceTime) {
      const reason = missing ? `python3 cannot import ${missing}` : "no service `/time` figure";
      rows.push(skippedRow(peerMeasure(peer.name), "—", reason));
      continue;
    }
    const server = await startServer({
      name: peer.name,
      cmd: (port) => peer.cmd(python, port),
      env: { ...process.env } as Record<string, string>,
      healthPath: "/time",
    });
    const summary = await measureOne(bench, `${peer.name} /time`, `${server.url}/time`);
    await server.stop();
    rows.push(peerRow(peerMeasure(peer.name), serviceTime, summary));
  }
  return rows;
}

/** The reference build, or why there is none. */
async function findReference(bench: Bench): Promise<ReferenceBuild> {
  const ref = bench.options.echo.reference;
  const build = ref
    ? await referenceBuild(ROOT, ref, log)
    : { skipped: "skipped by flag (`--echo-reference none`)" };
  if ("skipped" in build) log(`reference rows skipped: ${build.skipped}`);
  return build;
}

/** The service as it runs against the reference build, which has no CORS headers to send. */
const serviceWithoutCors = (bench: Bench) => (): ServerSpec => {
  const base = bench.service();
  return { ...base, env: { ...base.env, CORS_ORIGINS: "off" } };
};

const referenceSpec = (bench: Bench, binary: string) => (): ServerSpec => ({
  ...bench.service(),
  name: "reference",
  cmd: [binary],
});

/**
 * The service against the reference build: start-ups alternating, then `/time` and `/tocos`
 * under the same load, alternating, and memory afterwards (reference-rows.ts).
 */
async function measureAgainstReference(bench: Bench, build: ReferenceBuild): Promise<Row[]> {
  if (!("binary" in build)) return referenceSkippedRows(build);
  const service = serviceWithoutCors(bench);
  const reference = referenceSpec(bench, build.binary);
  const figures: ReferenceFigures = {
    load: new Map(),
    startupMs: await startupTimes(bench, { service, reference }),
    residentBytes: { service: undefined, reference: undefined },
  };
  const servers = {
    service: await startServer(service()),
    reference: await startServer(reference()),
  };
  try {
    for (const route of REFERENCE_ROUTES) {
      const connections = bench.options.connections;
      const [own, other] = await measureRounds(
        bench,
        [
          { label: `service ${route}`, url: `${servers.service.url}${route}`, connections },
          { label: `reference ${route}`, url: `${servers.reference.url}${route}`, connections },
        ],
        bench.options,
      );
      if (own && other) figures.load.set(route, { service: own, reference: other });
    }
    figures.residentBytes = {
      service: servers.service.residentBytes(),
      reference: servers.reference.residentBytes(),
    };
  } finally {
    await Promise.all([servers.service.stop(), servers.reference.stop()]);
  }
  return referenceRows(build.commit, figures);
}

/** Start-up, first factorial, every route under load, then Python: the service's own rows. */
async function measureCoreRows(
  bench: Bench,
  serviceBinary: string,
  baselineBinary: string,
  scratch: string,
): Promise<{ rows: Row[]; notes: string[]; sections: string[] }> {
  const startup = await measureStartups(bench);
  log("start-up breakdown");
  const breakdown = await startupBreakdown(
    await buildPeer("startup-parts"),
    bench.options.startupRuns,
    scratch,
    minimalEnv(),
  );
  const reference = await findReference(bench);
  const coldStart = await measureColdStart(
    bench,
    "binary" in reference ? referenceSpec(bench, reference.binary) : undefined,
  );
  const factorial = await measureFirstFactorial(bench);
  const load = await measureUnderLoad(bench);
  const python = await measurePython(bench, factorial.runs, load.serviceTime);
  const againstReference = await measureAgainstReference(bench, reference);
  const rows = [
    ...load.rows,
    ...factorial.rows,
    python[0],
    startup,
    ...coldStart,
    load.memory,
    binarySizeRow(statSync(serviceBinary).size, statSync(baselineBinary).size),
    ...python.slice(1),
    ...againstReference,
  ].filter((row): row is Row => row !== undefined);
  return { rows, notes: load.notes, sections: [breakdown] };
}

function resultsDocument(
  table: string,
  notes: string[],
  machine: string[],
  sections: string[],
): string {
  return [
    "# Benchmark results",
    "",
    "The compiled service against a raw `Bun.serve` baseline built with the same flags, both on 127.0.0.1; ratios are service ÷ baseline from the same run.",
    "",
    // The table and the sections as printed on stdout, then the notes.
    [table, ...sections].join("\n\n"),
    "",
    ...notes.map((note) => `- ${note}`),
    "",
    "## Machine",
    "",
    ...machine,
    "",
  ].join("\n");
}

async function main(argv: string[]): Promise<void> {
  const options = readOptions(argv, ROOT);
  if (!options) {
    console.log(USAGE);
    return;
  }
  const generator = await chooseGenerator(options);
  const command = ["bun", relative(ROOT, Bun.main), ...argv].join(" ");
  mkdirSync(WORK_DIR, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), "tocos-bench-"));
  const cleanUp = () => {
    killChildren();
    rmSync(scratch, { recursive: true, force: true });
  };
  for (const [signal, exitCode] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.on(signal, () => {
      cleanUp();
      process.exit(exitCode);
    });
  }

  try {
    const serviceBinary = await buildService(options.server);
    const baselineBinary = await buildPeer("baseline");
    const elysiaBinary = await buildPeer("minimal-elysia");
    const upstream = await startServer({
      name: "upstream",
      cmd: [process.execPath, join(ROOT, "bench", "upstream.ts")],
      env: minimalEnv(),
    });
    const apiToken = crypto.randomUUID();
    let databases = 0;
    const bench: Bench = {
      options,
      generator,
      upstreamUrl: upstream.url,
      apiToken,
      // Production defaults, request logging on; a fresh SQLite file per process.
      service: () => ({
        name: "service",
        cmd: [serviceBinary],
        env: {
          ...minimalEnv(),
          LOG_LEVEL: "info",
          SQLITE_PATH: join(scratch, `echo-${++databases}.sqlite`),
          SMART_UPSTREAM_URL: `${upstream.url}${UPSTREAM_PATH}`,
          API_TOKEN: apiToken,
          ...options.serviceEnv,
        },
      }),
      baseline: { name: "baseline", cmd: [baselineBinary], env: minimalEnv() },
      elysia: { name: "minimal Elysia", cmd: [elysiaBinary], env: minimalEnv() },
    };

    const core = options.echo.rows.has("core")
      ? await measureCoreRows(bench, serviceBinary, baselineBinary, scratch)
      : { rows: [], notes: [], sections: [] };
    await upstream.stop();
    const echo = await measureEchoRows({
      options,
      root: ROOT,
      scratch,
      apiToken,
      service: bench.service,
      measureRounds: (targets, schedule) => measureRounds(bench, targets, schedule),
      log,
    });

    const rows = [...core.rows, ...echo.rows];
    const notes = [
      ...core.notes,
      ...echo.notes,
      "Service: the compiled binary with production defaults (`LOG_LEVEL=info`: one log line per request), its SQLite store in a temporary directory, `/api/smart` against bench/upstream.ts.",
    ];
    const extraEnv = Object.entries(options.serviceEnv);
    if (extraEnv.length > 0) {
      notes.push(
        `Extra service environment: ${extraEnv.map(([k, v]) => `\`${k}=${v}\``).join(", ")}.`,
      );
    }
    const table = markdownTable(rows);
    const machine = machineDescription({
      loadGenerator: describeGenerator(generator, options),
      command,
      date: new Date(),
    });
    mkdirSync(dirname(options.out), { recursive: true });
    const sections = [...core.sections, ...echo.sections];
    writeFileSync(options.out, resultsDocument(table, notes, machine, sections));
    console.log([table, ...sections].join("\n\n"));
    log(`wrote ${options.out}`);
  } finally {
    cleanUp();
  }
}

try {
  await main(Bun.argv.slice(2));
} catch (error) {
  killChildren();
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  }
}

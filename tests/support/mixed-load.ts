import { type LoadResult, runLoad, type Scenario } from "./load-loop";
import { fdKinds, LISTEN, openFds, rssBytes, settle, tcpSocketsOf } from "./proc";
import type { RunningServer } from "./process";

/**
 * Mixed traffic against the listening service: every public route, and the whole life of a mock
 * (create, call, update, read, delete, miss) on each connection. While it runs, the server
 * process's resident memory and open descriptors are sampled from /proc.
 */

const JSONAPI = "application/vnd.api+json";

export function mixedScenario(options: { metrics: boolean }): Scenario {
  return async (send, connection, pass) => {
    await send({ method: "GET", path: "/healthz", expect: 200 });
    await send({ method: "GET", path: "/time", expect: 200 });
    await send({ method: "GET", path: "/tocos", expect: 200 });
    await send({ method: "GET", path: "/tocos/Cem", expect: 200 });
    const n = (connection * 7 + pass) % 300;
    await send({ method: "GET", path: `/api/v1/factorial?number=${n}`, expect: 200 });
    const path = `/load/${connection}/${pass}`;
    const created = await send({
      method: "POST",
      path: "/endpoints",
      headers: { "content-type": JSONAPI },
      body: JSON.stringify({
        data: {
          type: "endpoints",
          attributes: {
            verb: "GET",
            path,
            response: { code: 200, headers: { "Content-Type": "text/plain" }, body: `hi ${path}` },
          },
        },
      }),
      expect: 201,
    });
    const id = (JSON.parse(created.body) as { data?: { id?: string } }).data?.id;
    if (id === undefined) throw new Error(`create answered ${created.status}`);
    await send({ method: "GET", path, expect: 200 });
    await send({
      method: "PATCH",
      path: `/endpoints/${id}`,
      headers: { "content-type": JSONAPI },
      body: JSON.stringify({
        data: { type: "endpoints", attributes: { response: { code: 202, body: "moved" } } },
      }),
      expect: 200,
    });
    await send({ method: "GET", path, expect: 202 });
    await send({ method: "GET", path: `/endpoints/${id}`, expect: 200 });
    await send({ method: "DELETE", path: `/endpoints/${id}`, expect: 204 });
    await send({ method: "GET", path, expect: 404 });
    await send({ method: "GET", path: "/api/smart?timeout=2000", expect: 200 });
    // A scrape and a document fetch are occasional, as they are in real traffic.
    if (pass % 10 === 0) {
      if (options.metrics) await send({ method: "GET", path: "/metrics", expect: 200 });
      await send({ method: "GET", path: "/openapi.json", expect: 200 });
    }
  };
}

/** An upstream for the smart route that answers at once and closes each connection after. */
export function closingUpstream() {
  let served = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () =>
      new Response(`{"time":${++served}}`, {
        headers: { "content-type": "application/json", connection: "close" },
      }),
  });
  return {
    url: `http://127.0.0.1:${server.port}/api/work`,
    served: () => served,
    stop: () => server.stop(true),
  };
}

export interface LoadReport {
  load: LoadResult;
  rss: {
    /** At `markMs` into the load (the "after the first 10 s" level). */
    atMarkMb: number;
    endMb: number;
    peakMb: number;
    /** (end − mark) / mark. */
    growth: number;
  };
  fds: {
    /** After a warm-up, with no client connected. */
    start: number;
    peak: number;
    /** After the load, once every client socket is closed. */
    after: number;
    startKinds: Record<string, number>;
    afterKinds: Record<string, number>;
  };
  /** Milliseconds from the end of the load until the descriptors were back at `start`. */
  fdsSettledMs: number;
}

/** Sockets connected to the server's port, i.e. client connections it holds. */
const clientConnections = (server: RunningServer) =>
  tcpSocketsOf(server.proc.pid).filter((s) => s.localPort === server.port && s.state !== LISTEN)
    .length;

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export async function measureLoad(options: {
  server: RunningServer;
  scenario: Scenario;
  connections: number;
  durationMs: number;
  markMs: number;
  warmupMs?: number;
}): Promise<LoadReport> {
  const { server, scenario, connections } = options;
  const pid = server.proc.pid;
  // A warm-up loads everything lazily created (JIT, pools, worker, HTTP client thread).
  await runLoad({
    port: server.port,
    connections,
    durationMs: options.warmupMs ?? 1_000,
    scenario,
  });
  const lingering = await settle(
    () => clientConnections(server),
    (n) => n === 0,
    5_000,
  );
  if (lingering > 0) throw new Error(`${lingering} client connections still open before the load`);
  await Bun.sleep(200);
  const start = openFds(pid);
  const startKinds = fdKinds(pid);

  let atMark = Number.NaN;
  let peakRss = 0;
  let peakFds = start;
  const began = performance.now();
  const sampler = setInterval(() => {
    const rss = rssBytes(pid);
    peakRss = Math.max(peakRss, rss);
    peakFds = Math.max(peakFds, openFds(pid));
    if (Number.isNaN(atMark) && performance.now() - began >= options.markMs) atMark = rss;
  }, 100);
  const load = await runLoad({
    port: server.port,
    connections,
    durationMs: options.durationMs,
    scenario,
  });
  clearInterval(sampler);
  const end = rssBytes(pid);

  const loadEnded = performance.now();
  const after = await settle(
    () => openFds(pid),
    (n) => n <= start,
    10_000,
  );
  const fdsSettledMs = Math.round(performance.now() - loadEnded);
  return {
    load,
    rss: {
      atMarkMb: mb(atMark),
      endMb: mb(end),
      peakMb: mb(peakRss),
      growth: Math.round(((end - atMark) / atMark) * 1000) / 1000,
    },
    fds: { start, peak: peakFds, after, startKinds, afterKinds: fdKinds(pid) },
    fdsSettledMs,
  };
}

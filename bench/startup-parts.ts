/**
 * Where the service's start-up goes: the same steps as src/main.ts, each timed, in a binary
 * built with the Makefile's flags. Modules are imported dynamically, step by step, so each
 * import is timed on its own. Prints one JSON line: per step, wall-clock and CPU milliseconds
 * (CPU time is what a CPU quota such as Lambda's stretches, and it is less noisy on a busy host).
 */
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const parts: Record<string, { wallMs: number; cpuMs: number }> = {
  "runtime, to the first line of JavaScript": { wallMs: performance.now(), cpuMs: cpuMs() },
};
let last = { wallMs: performance.now(), cpuMs: cpuMs() };
const mark = (name: string) => {
  const now = { wallMs: performance.now(), cpuMs: cpuMs() };
  parts[name] = { wallMs: now.wallMs - last.wallMs, cpuMs: now.cpuMs - last.cpuMs };
  last = now;
};

const { loadConfig } = await import("../src/config");
const { createLogger } = await import("../src/observability/logger");
mark("import config and logger");
const config = loadConfig();
const logger = createLogger("silent");
mark("read config");
const { openStore } = await import("../src/store/open");
mark("import the SQLite store");
const store = await openStore(config, logger);
mark("open SQLite (WAL, schema, seed)");
const elysia = await import("elysia");
mark("import Elysia and TypeBox");
void elysia;
await import("../src/features/docs");
mark("import the docs plugin (@elysiajs/openapi, Swagger UI asset paths)");
const { createApp } = await import("../src/app");
const { createDeps } = await import("../src/deps");
mark("import the rest of the app (features, observability)");
const deps = createDeps({ config, logger, store });
mark("build the dependencies (createDeps)");
const app = createApp(deps);
mark("build the Elysia app (createApp)");
const server = app.listen({ port: 0, hostname: "127.0.0.1" });
mark("listen (Bun.serve)");
const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
await response.arrayBuffer();
mark("first /healthz over loopback (Elysia compiles its handler)");
parts.total = { wallMs: performance.now(), cpuMs: cpuMs() };
console.log(JSON.stringify(parts));
server.stop(true);
deps.close();
await store.close();
process.exit(0);

export {};

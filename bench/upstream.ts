/**
 * A local stand-in for the `/api/smart` upstream: every request gets `{"time": <int>}` at once,
 * so the benchmark can tell the service's own overhead from the upstream's latency.
 */
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  fetch: () => Response.json({ time: Math.floor(Math.random() * 1000) }),
});

if (!process.env.PORT) console.error(`upstream listening on ${server.url}`);

/**
 * The raw baseline: a bare `Bun.serve` that answers `/healthz`, `/time` and `/tocos` with the
 * service's JSON bodies. The benchmark compiles it with the service's flags, so the ratios
 * show what the framework, logging and metrics cost.
 */
import { SEED_USERS } from "../src/store/store";

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  routes: {
    "/healthz": () => Response.json({ status: "ok" }),
    "/time": () => Response.json({ "The current epoch time": Math.floor(Date.now() / 1000) }),
    "/tocos": () => Response.json(SEED_USERS),
  },
  fetch: () => new Response("Not Found", { status: 404 }),
});

if (!process.env.PORT) console.error(`baseline listening on ${server.url}`);

/**
 * The smallest Elysia app that answers `/healthz`: the cold-start peer that shows what the
 * framework itself costs, apart from the service's own work. Built with the service's flags.
 */
import { Elysia } from "elysia";

new Elysia()
  .get("/healthz", () => ({ status: "ok" }))
  .get("/time", () => ({ "The current epoch time": Math.floor(Date.now() / 1000) }))
  .listen({ hostname: "127.0.0.1", port: Number(process.env.PORT ?? 0) });

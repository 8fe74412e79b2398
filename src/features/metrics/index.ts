import { Elysia } from "elysia";
import type { Metrics } from "../../observability/metrics";

/** `GET /metrics`: the Prometheus text exposition. */
export const metricsRoutes = (metrics: Pick<Metrics, "scrape">) =>
  new Elysia({ name: "metrics" }).get(
    "/metrics",
    async () => {
      const { contentType, body } = await metrics.scrape();
      return new Response(body, {
        headers: { "content-type": contentType, "cache-control": "no-store" },
      });
    },
    {
      detail: {
        tags: ["operations"],
        summary: "Prometheus metrics",
        description:
          "Request durations by method, route template and status; requests in flight; upstream attempts, hedges and outcomes of /api/smart; the number of Echo endpoints; and process metrics. Prometheus text exposition format 0.0.4.",
        responses: {
          200: {
            description: "The metrics, in the Prometheus text format",
            content: {
              "text/plain; version=0.0.4; charset=utf-8": { schema: { type: "string" } },
            },
          },
        },
      },
    },
  );

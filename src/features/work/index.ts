import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import { ApiError, badParameter } from "../../errors";
import { abortableSleep } from "../../sleep";
import { ErrorResponse } from "../docs/schemas";
import { type WorkProfile, WorkSimulation } from "./simulation";

export type { WorkProfile } from "./simulation";

export interface WorkDeps {
  profile: WorkProfile;
  now?: () => number;
  /** Waits `ms`, or less once `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const MAX_SEED = 2 ** 32 - 1;

/** `seed`: a whole number from 0 to 2^32 − 1, or absent. */
export function parseSeed(raw: string | string[] | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = typeof raw === "string" && /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value <= MAX_SEED)) {
    throw badParameter(
      "seed",
      `Query parameter \`seed\` must be a whole number from 0 to ${MAX_SEED}, given once`,
    );
  }
  return value;
}

export const WorkAnswerSchema = t.Object({
  time: Type.Integer({ description: "How long this answer took, in whole milliseconds" }),
});

export const workRoutes = ({
  profile,
  now = () => performance.now(),
  sleep = abortableSleep,
}: WorkDeps) => {
  const simulation = new WorkSimulation(profile, now);
  return new Elysia({ name: "work" }).get(
    "/api/work",
    async ({ query, request }) => {
      const answer = simulation.next(parseSeed(query.seed));
      await sleep(answer.latencyMs, request.signal);
      if (answer.status === 500) {
        throw new ApiError(500, "simulated_failure", "The simulated upstream failed this answer");
      }
      return { time: Math.round(answer.latencyMs) };
    },
    {
      query: t.Object({
        seed: t.Optional(
          t.Union([t.String(), t.Array(t.String())], {
            description:
              "Requests with the same seed draw one repeatable sequence of latencies and statuses, from the first request that carries it.",
            examples: ["42"],
          }),
        ),
      }),
      response: { 200: WorkAnswerSchema, 400: ErrorResponse, 500: ErrorResponse },
      detail: {
        tags: ["smart"],
        summary: "A simulated upstream for /api/smart: `{time}` after a random latency",
        description: [
          `Answers after a log-normal latency with median WORK_MEDIAN_MS (${profile.medianMs} ms) and 95th percentile WORK_P95_MS (${profile.p95Ms} ms).`,
          `WORK_ERROR_PERCENT (${profile.errorPercent}%) of answers are 500.`,
          `WORK_STALL_PERCENT (${profile.stallPercent}%) of answers stall for WORK_STALL_MS (${profile.stallMs} ms).`,
          "WORK_SLOW_AFTER_MS, WORK_SLOW_FOR_MS and WORK_SLOW_FACTOR slow a period down; no answer takes longer than WORK_MAX_MS.",
        ].join(" "),
      },
    },
  );
};

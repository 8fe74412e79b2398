import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import { jsonResponse } from "../docs/schemas";

export const TimeResponse = t.Object({
  "The current epoch time": Type.Integer({ description: "Seconds since 1970-01-01T00:00:00Z" }),
});

export const timeRoutes = (now: () => number = Date.now) =>
  new Elysia({ name: "time" }).get(
    "/time",
    () => ({ "The current epoch time": Math.floor(now() / 1000) }),
    {
      detail: {
        tags: ["time"],
        summary: "The current epoch time, in whole seconds",
        responses: { 200: jsonResponse("The current epoch time", TimeResponse) },
      },
    },
  );

import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import { ApiError, quote } from "../../errors";
import type { UserStore } from "../../store/store";
import { ErrorResponse } from "../docs/schemas";

export const TocoUserSchema = t.Object({ user: t.String(), tocos: Type.Integer() });

export const tocosRoutes = (users: UserStore) =>
  new Elysia({ name: "tocos", prefix: "/tocos" })
    .get("", () => users.listUsers(), {
      response: { 200: t.Array(TocoUserSchema) },
      detail: { tags: ["tocos"], summary: "Every user and their tocos, in a fixed order" },
    })
    .get(
      "/:user",
      async ({ params }) => {
        const found = await users.getUser(params.user);
        if (!found)
          throw new ApiError(404, "not_found", `User \`${quote(params.user)}\` does not exist`);
        return found;
      },
      {
        params: t.Object({ user: t.String({ description: "Exact, case-sensitive user name" }) }),
        response: { 200: TocoUserSchema, 404: ErrorResponse },
        detail: { tags: ["tocos"], summary: "One user's tocos" },
      },
    );

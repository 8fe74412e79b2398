import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import { ApiError, quote } from "../../errors";
import { ErrorResponse } from "../docs/schemas";
import type { UserSnapshot, UsersJson } from "./snapshot";

export { createUserSnapshot, type UserSnapshot } from "./snapshot";

export const TocoUserSchema = t.Object({ user: t.String(), tocos: Type.Integer() });

const JSON_HEADERS = { "content-type": "application/json" };

const json = (bytes: Uint8Array) => new Response(bytes, { headers: JSON_HEADERS });

function oneUser(users: UsersJson, name: string): Response {
  const found = users.byName.get(name);
  if (!found) throw new ApiError(404, "not_found", `User \`${quote(name)}\` does not exist`);
  return json(found);
}

/** `/tocos` and `/tocos/:user`, both answered from the users snapshot's pre-serialised bytes. */
export const tocosRoutes = (snapshot: UserSnapshot) =>
  new Elysia({ name: "tocos", prefix: "/tocos" })
    .get(
      "",
      () => {
        const users = snapshot.current();
        return users instanceof Promise
          ? users.then((u): Response => json(u.list))
          : json(users.list);
      },
      {
        response: { 200: t.Array(TocoUserSchema) },
        detail: { tags: ["tocos"], summary: "Every user and their tocos, in a fixed order" },
      },
    )
    .get("/:user", async ({ params }) => oneUser(await snapshot.current(), params.user), {
      params: t.Object({ user: t.String({ description: "Exact, case-sensitive user name" }) }),
      response: { 200: TocoUserSchema, 400: ErrorResponse, 404: ErrorResponse },
      detail: { tags: ["tocos"], summary: "One user's tocos" },
    });

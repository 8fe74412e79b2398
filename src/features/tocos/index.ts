import { Type } from "@sinclair/typebox";
import { Elysia, t } from "elysia";
import { ApiError, quote } from "../../errors";
import { ErrorResponse, jsonResponse } from "../docs/schemas";
import type { UserSnapshot, UsersJson } from "./snapshot";

export { createUserSnapshot, type UserSnapshot } from "./snapshot";

export const TocoUserSchema = t.Object({ user: t.String(), tocos: Type.Integer() });

const JSON_TYPE = "application/json";

function oneUser(users: UsersJson, name: string): Uint8Array {
  const found = users.byName.get(name);
  if (!found) throw new ApiError(404, "not_found", `User \`${quote(name)}\` does not exist`);
  return found;
}

/**
 * `/tocos` and `/tocos/:user`, both answered from the users snapshot's pre-serialised bytes.
 * Bytes, not a Response: Elysia builds one Response with the context's headers, where a
 * returned Response would have those headers merged into it afterwards.
 */
export const tocosRoutes = (snapshot: UserSnapshot) =>
  new Elysia({ name: "tocos", prefix: "/tocos" })
    .get(
      "",
      // Async, so Elysia maps a failed first read like any error (a returned rejected promise
      // would escape its error handler).
      async ({ set }) => {
        set.headers["content-type"] = JSON_TYPE;
        return (await snapshot.current()).list;
      },
      {
        detail: {
          tags: ["tocos"],
          summary: "Every user and their tocos, in a fixed order",
          responses: { 200: jsonResponse("The users", t.Array(TocoUserSchema)) },
        },
      },
    )
    .get(
      "/:user",
      async ({ params, set }) => {
        set.headers["content-type"] = JSON_TYPE;
        return oneUser(await snapshot.current(), params.user);
      },
      {
        params: t.Object({ user: t.String({ description: "Exact, case-sensitive user name" }) }),
        detail: {
          tags: ["tocos"],
          summary: "One user's tocos",
          responses: {
            200: jsonResponse("The user", TocoUserSchema),
            400: jsonResponse("A name that is not valid percent-encoding", ErrorResponse),
            404: jsonResponse("No such user", ErrorResponse),
          },
        },
      },
    );

import { ApiError } from "../../errors";

/**
 * Bearer-token check for the management API. Both sides are hashed first, so
 * the comparison takes the same time whatever the length or content of the guess.
 * Bun's hasher and its global `crypto.timingSafeEqual`: loading `node:crypto` costs start-up.
 */

const digest = (value: string) => new Bun.CryptoHasher("sha256").update(value, "utf8").digest();

const BEARER = /^Bearer +([^\s]+) *$/i;

export const unauthorized = (detail: string, challenge: string) =>
  new ApiError(
    401,
    "unauthorized",
    detail,
    { header: "authorization" },
    {
      "www-authenticate": challenge,
    },
  );

/** Returns a check that throws 401 unless the Authorization header carries the token. */
export function bearerTokenCheck(token: string): (authorization: string | null) => void {
  const expected = digest(token);
  return (authorization) => {
    if (authorization === null || authorization === "") {
      throw unauthorized(
        "This API needs an `Authorization: Bearer <token>` header",
        'Bearer realm="endpoints"',
      );
    }
    const presented = BEARER.exec(authorization)?.[1];
    // Hash even a malformed header, so every refusal costs the same.
    const matches =
      crypto.timingSafeEqual(digest(presented ?? ""), expected) && presented !== undefined;
    if (!matches) {
      throw unauthorized(
        "The bearer token is missing or wrong",
        'Bearer realm="endpoints", error="invalid_token"',
      );
    }
  };
}

import type { EndpointAttributes } from "../../src/store/store";

/** The challenge's sample mock: GET /greeting answering a JSON body. */
export const greeting = (overrides: Partial<EndpointAttributes> = {}): EndpointAttributes => ({
  verb: "GET",
  path: "/greeting",
  response: {
    code: 200,
    headers: { "Content-Type": "application/json" },
    body: '"{ \\"message\\": \\"Hello, world\\" }"',
  },
  ...overrides,
});

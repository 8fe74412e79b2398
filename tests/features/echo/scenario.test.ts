import { describe, expect, it } from "bun:test";
import { createDocument, echoApp, jsonApiRequest } from "./support";

/** The sample scenario of the Echo challenge, step by step, on one app. */
describe("the challenge's sample scenario", () => {
  const { handle } = echoApp();
  const body = '"{ \\"message\\": \\"Hello, world\\" }"';

  it("1. GET /hello answers 404 before any mock exists", async () => {
    const response = await handle(jsonApiRequest("GET", "/hello"));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      errors: [
        { status: "404", code: "not_found", detail: "Requested page `/hello` does not exist" },
      ],
    });
  });

  it("2. creating GET /hello with a JSON body answers 201", async () => {
    const response = await handle(
      jsonApiRequest(
        "POST",
        "/endpoints",
        createDocument({
          verb: "GET",
          path: "/hello",
          response: { code: 200, headers: { "Content-Type": "application/json" }, body },
        }),
      ),
    );
    expect(response.status).toBe(201);
  });

  it("3. GET /hello then answers 200 with that body and header", async () => {
    const response = await handle(jsonApiRequest("GET", "/hello"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.text()).toBe(body);
  });

  it("4. POST /hello still answers 404", async () => {
    const response = await handle(jsonApiRequest("POST", "/hello"));
    expect(response.status).toBe(404);
    expect(((await response.json()) as { errors: { detail: string }[] }).errors[0]?.detail).toBe(
      "Requested page `/hello` does not exist",
    );
  });
});

import { describe, expect, it } from "bun:test";
import { testApp } from "../../support/app";
import { errorsOf, get } from "../../support/http";

const app = testApp();

describe("GET /tocos", () => {
  it("lists the three users in their fixed order", async () => {
    const response = await app.handle(get("/tocos"));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(
      '[{"user":"John","tocos":100},{"user":"Sam","tocos":200},{"user":"Cem","tocos":300}]',
    );
  });
});

describe("GET /tocos/:user", () => {
  it("returns one user", async () => {
    const response = await app.handle(get("/tocos/Sam"));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"user":"Sam","tocos":200}');
  });

  it("matches case-sensitively", async () => {
    const response = await app.handle(get("/tocos/sam"));
    expect(response.status).toBe(404);
    const body = await errorsOf(response);
    expect(body.errors[0]?.code).toBe("not_found");
    expect(body.errors[0]?.detail).toBe("User `sam` does not exist");
  });

  it("decodes percent-encoded names before matching", async () => {
    const response = await app.handle(get("/tocos/%43em"));
    expect(await response.json()).toEqual({ user: "Cem", tocos: 300 });
  });
});

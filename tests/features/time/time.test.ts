import { describe, expect, it } from "bun:test";
import { testApp } from "../../support/app";
import { get } from "../../support/http";

describe("GET /time", () => {
  it("answers the epoch time in whole seconds under its one exact key", async () => {
    const app = testApp({ now: () => 1_700_000_000_999 });
    const response = await app.handle(get("/time"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("application/json");
    expect(await response.text()).toBe('{"The current epoch time":1700000000}');
  });

  it("uses the real clock by default", async () => {
    const before = Math.floor(Date.now() / 1000);
    const body = (await (await testApp().handle(get("/time"))).json()) as Record<string, number>;
    const after = Math.floor(Date.now() / 1000);
    expect(Object.keys(body)).toEqual(["The current epoch time"]);
    expect(body["The current epoch time"]).toBeGreaterThanOrEqual(before);
    expect(body["The current epoch time"]).toBeLessThanOrEqual(after);
  });
});

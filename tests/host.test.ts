import { describe, expect, it } from "bun:test";
import { testApp } from "./support/app";

/**
 * A Host header of one to three characters on the default port (`api`, `web`, `db`: service
 * names behind a proxy) leaves a URL shorter than Elysia's fast path assumes; it then reads the
 * wrong path and every route answers 404. Elysia's `handler.standardHostname: false` fixes it.
 */

const ROUTES = ["/healthz", "/time", "/tocos/Sam", "/api/v1/factorial?number=5"];

describe("short Host headers", () => {
  for (const host of ["a", "db", "api", "api:80"]) {
    it(`serves every route with Host: ${host}`, async () => {
      const app = testApp();
      const statuses = [];
      for (const route of ROUTES) {
        statuses.push((await app.handle(new Request(`http://${host}${route}`))).status);
      }
      expect(statuses).toEqual([200, 200, 200, 200]);
    });
  }

  it("serves every route with a host of four characters or more", async () => {
    const app = testApp();
    const statuses = [];
    for (const route of ROUTES) {
      statuses.push((await app.handle(new Request(`http://host${route}`))).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200]);
  });
});

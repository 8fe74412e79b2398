import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdirSync } from "node:fs";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/browser";
import { type RunningServer, startServer } from "../support/process";

const SCREENSHOTS = "tests/e2e/screenshots";

describe("the docs page in a real browser", () => {
  let server: RunningServer;
  let browser: Browser;
  const offsite: string[] = [];

  beforeAll(async () => {
    server = await startServer({
      cmd: process.env.SERVER_BIN ? [process.env.SERVER_BIN] : undefined,
    });
    browser = await launchChromium();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("lists every operation, runs GET /time through Try it out, and loads nothing from outside", async () => {
    const page = await browser.newPage();
    page.on("request", (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith("data:")) offsite.push(r.url());
    });
    await page.goto(`${server.url}/docs`);
    await page.waitForSelector(".opblock", { timeout: 15_000 });

    const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const expected = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const listed = await page.$$eval(".opblock-summary", (nodes) =>
      nodes.map((n) => {
        const method = n.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "";
        const path = n.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? "";
        return `${method} ${path}`;
      }),
    );
    expect(expected.length).toBeGreaterThanOrEqual(5);
    expect(listed.sort()).toEqual(expected.sort());

    const time = page.locator("#operations-time-getTime");
    await time.locator(".opblock-summary").click();
    await time.locator("button.try-out__btn").click();
    await time.locator("button.execute").click();
    const status = time.locator(".live-responses-table .response .response-col_status").first();
    await status.waitFor({ timeout: 10_000 });
    expect((await status.textContent())?.trim()).toBe("200");
    const body = await time.locator(".live-responses-table .microlight").first().textContent();
    expect(body).toContain("The current epoch time");

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}/docs.png`, fullPage: true });
    expect(offsite).toEqual([]);
  }, 60_000);
});

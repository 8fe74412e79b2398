import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../support/browser";
import { type RunningServer, startServer } from "../support/process";

const SCREENSHOTS = "tests/e2e/screenshots";
const TOKEN = "console-e2e-token";

describe("the console in a real browser", () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const violations: string[] = [];

  beforeAll(async () => {
    server = await startServer({
      cmd: process.env.SERVER_BIN ? [process.env.SERVER_BIN] : undefined,
      env: { API_TOKEN: TOKEN },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("request", (r) => requested.push(r.url()));
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("asks for the token once and keeps it out of every URL", async () => {
    const response = await page.goto(`${server.url}/console`);
    const csp = response?.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    await page.locator("input[name=token]").fill(TOKEN);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("No mocks yet").waitFor({ timeout: 10_000 });
    await page.reload();
    await page.getByText("No mocks yet").waitFor({ timeout: 10_000 });
    expect(await page.locator("input[name=token]").count()).toBe(0);
  }, 30_000);

  it("shows the API's validation error next to the field it names", async () => {
    await page.getByRole("button", { name: "New mock" }).click();
    await page.locator("input[name=path]").fill("hello");
    await page.getByRole("button", { name: "Create mock" }).click();
    const error = page.locator("[data-field=path] .error");
    await error.waitFor({ timeout: 10_000 });
    expect(await error.textContent()).toContain("must start with `/`");
    await page.screenshot({ path: `${SCREENSHOTS}/console-invalid.png`, fullPage: true });
  }, 30_000);

  it("creates a mock through the form, and the journal shows the page's call to it", async () => {
    await page.locator("input[name=path]").fill("/hello");
    await page.locator("input[name=type]").fill("application/json");
    await page.locator("textarea[name=body]").fill('{"hello":"world"}');
    await page.getByRole("button", { name: "Create mock" }).click();
    await page.locator(".mocks .path", { hasText: "/hello" }).waitFor({ timeout: 10_000 });
    await page.getByRole("heading", { name: "Edit mock" }).waitFor();
    expect(await page.locator("textarea[name=body]").inputValue()).toBe('{"hello":"world"}');

    const answer = await page.evaluate(async () => {
      const response = await fetch("/hello?from=page");
      return { status: response.status, body: await response.text() };
    });
    expect(answer).toEqual({ status: 200, body: '{"hello":"world"}' });
    const hit = page.locator(".entry.hit", { hasText: "/hello?from=page" });
    await hit.waitFor({ timeout: 10_000 });
    expect(await hit.locator(".answered").textContent()).toBe("Answered by GET /hello");
    await hit.locator(".sent summary").click();
    expect(await hit.locator(".sent pre").textContent()).toContain("user-agent: ");
  }, 30_000);

  it("shows why a near-miss call missed the mock", async () => {
    const status = await page.evaluate(
      async () => (await fetch("/hello", { method: "POST", body: "{}" })).status,
    );
    expect(status).toBe(404);
    const miss = page.locator(".entry.miss", { hasText: "POST" });
    await miss.waitFor({ timeout: 10_000 });
    expect(await miss.locator(".reasons li").allTextContents()).toEqual([
      "method is POST, the mock expects GET",
    ]);
    await page.screenshot({ path: `${SCREENSHOTS}/console.png`, fullPage: true });
    // The page's own favicon request would be noise in the journal; the page names none.
    expect(await page.locator(".entry", { hasText: "favicon" }).count()).toBe(0);
  }, 30_000);

  it("loads nothing from elsewhere, breaks no policy, and never puts the token in a URL", () => {
    expect(requested.filter((url) => !url.startsWith(server.url))).toEqual([]);
    expect(requested.filter((url) => url.includes(TOKEN))).toEqual([]);
    expect(violations).toEqual([]);
  });

  it("runs an HTML mock sandboxed, so its script cannot read the console's token", async () => {
    const created = await fetch(`${server.url}/endpoints`, {
      method: "POST",
      headers: { "content-type": "application/vnd.api+json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        data: {
          type: "endpoints",
          attributes: {
            verb: "GET",
            path: "/evil",
            response: {
              code: 200,
              headers: { "Content-Type": "text/html" },
              body: '<title>untouched</title><script>document.title = "ran:" + sessionStorage.getItem("echo-console-token")</script>',
            },
          },
        },
      }),
    });
    expect(created.status).toBe(201);
    const response = await page.goto(`${server.url}/evil`);
    expect(response?.headers()["content-security-policy"]).toBe("sandbox");
    expect(await page.title()).toBe("untouched");
  }, 30_000);
});

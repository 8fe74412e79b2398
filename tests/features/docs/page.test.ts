import { describe, expect, it } from "bun:test";
import { docsPage } from "../../../src/features/docs/page";
import { testApp } from "../../support/app";
import { get } from "../../support/http";

describe("GET /docs", () => {
  it("is HTML in utf-8", async () => {
    const response = await testApp().handle(get("/docs"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
  });

  it("keeps the description's quotes inside its meta attributes", async () => {
    const html = await (await testApp().handle(get("/docs"))).text();
    const meta = new HTMLRewriter();
    const descriptions: string[] = [];
    meta.on('meta[name="description"], meta[name="og:description"]', {
      element: (el) => {
        descriptions.push(el.getAttribute("content") ?? "");
      },
    });
    await meta.transform(new Response(html)).text();
    expect(descriptions).toHaveLength(2);
    for (const description of descriptions) {
      // HTMLRewriter hands back the attribute as written; unescaped, it would end at the first quote.
      expect(description.replaceAll("&quot;", '"')).toEndWith(
        'one format: `{"errors":[{"status","code","detail","source"?}]}`.',
      );
    }
  });

  it("loads Swagger UI and the document from the service itself", async () => {
    const html = await (await testApp().handle(get("/docs"))).text();
    expect(html).toContain('src="/docs/assets/swagger-ui-bundle.js"');
    expect(html).toContain('href="/docs/assets/swagger-ui.css"');
    expect(html).toContain('"url":"/openapi.json"');
  });

  it("redirects /docs/ to /docs, where the page's URLs resolve", async () => {
    const response = await testApp().handle(get("/docs/"));
    expect(response.status).toBe(301);
    expect(response.headers.get("location")).toBe("/docs");
  });
});

describe("docsPage", () => {
  it("escapes every value it places in the HTML", () => {
    const html = docsPage({
      title: "</title><script>x()</script>",
      description: '"><script>y()</script>',
      specUrl: "</script><script>z()</script>",
      scriptUrl: '"onload="a()',
      stylesheetUrl: "'><b>",
    });
    expect(html).not.toContain("<script>x()");
    expect(html).not.toContain("<script>y()");
    expect(html).not.toContain("</script><script>z()");
    expect(html).not.toContain('"onload="');
    expect(html).not.toContain("<b>");
  });
});

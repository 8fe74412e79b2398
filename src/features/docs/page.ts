/** The Swagger UI page: every interpolated value is escaped, and the charset is utf-8. */

export interface DocsPageOptions {
  title: string;
  description: string;
  specUrl: string;
  scriptUrl: string;
  stylesheetUrl: string;
}

const html = Bun.escapeHTML;

// JSON inside <script> must not be able to close the element.
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

export function docsPage(options: DocsPageOptions): string {
  const { title, description, specUrl, scriptUrl, stylesheetUrl } = options;
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>${html(title)}</title>
  <meta name="description" content="${html(description)}" />
  <meta name="og:description" content="${html(description)}" />
  <link rel="stylesheet" href="${html(stylesheetUrl)}" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${html(scriptUrl)}" crossorigin></script>
  <script>
    window.onload = () => {
      window.ui = SwaggerUIBundle(${scriptJson({ url: specUrl, dom_id: "#swagger-ui" })});
    };
  </script>
</body>
</html>`;
}

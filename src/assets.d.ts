// Files imported `with { type: "file" }` resolve to a path that Bun embeds in the compiled binary.
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/swagger-ui.css" {
  const path: string;
  export default path;
}
declare module "htm/preact/standalone.module.js" {
  const path: string;
  export default path;
}
// The console's own files, embedded by the `file` and `text` loaders.
declare module "*.css" {
  const path: string;
  export default path;
}

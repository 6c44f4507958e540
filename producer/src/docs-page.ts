// The /docs page: Swagger UI over /openapi.json, every script and stylesheet from this Worker's own
// static assets (producer/public/vendor/, copied from the swagger-ui-dist package by
// scripts/vendor-assets.ts), so the reference renders offline. Swagger UI rather than Scalar's
// standalone bundle: Scalar's (4.8 MB, ~30 packages) embeds @font-face rules on its font CDN and
// features that call its servers; Swagger UI's bundle loads nothing else once its validator badge
// (the one outside call) is off.

export const DOCS_ASSETS = {
  script: "/vendor/swagger-ui/swagger-ui-bundle.js",
  stylesheet: "/vendor/swagger-ui/swagger-ui.css",
} as const;

export function docsPage(openApiUrl: string, title: string): string {
  const config = JSON.stringify({
    url: openApiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    // The default is a badge image from validator.swagger.io: the only request off this origin.
    validatorUrl: null,
    persistAuthorization: false,
  });
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${DOCS_ASSETS.stylesheet}" />
    <style>body { margin: 0; } .topbar { display: none; }</style>
  </head>
  <body>
    <p style="margin: 0.5rem 1rem; font-family: sans-serif;"><a href="/console/">Open the web console</a></p>
    <div id="swagger-ui"></div>
    <script src="${DOCS_ASSETS.script}"></script>
    <script>window.ui = SwaggerUIBundle(${config});</script>
  </body>
</html>`;
}

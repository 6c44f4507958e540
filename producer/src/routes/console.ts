// The web console (producer/public/console/) is served by Workers static assets at /console/; these
// redirects send a browser that opens the API's root, or /console without its slash, there. The
// asset router answers /console itself when it runs first (wrangler dev, deployments); the Worker's
// route covers a request that reaches the Worker anyway. Not API operations: not in /openapi.json.
import type { App } from "../app";

export const CONSOLE_PATH = "/console/";

export function registerConsole(app: App) {
  app.get("/", (c) => c.redirect(CONSOLE_PATH, 302));
  app.get("/console", (c) => c.redirect(CONSOLE_PATH, 302));
}

// The OpenAPIHono factory: error handling, validation hook, the OpenAPI document and docs page.
import { OpenAPIHono } from "@hono/zod-openapi";
import { problemResponse } from "./problem";
import { allowedMethods } from "./allowed-methods";
import { docsPage } from "./docs-page";
import type { AppEnv } from "./env";
import { onError, validationHook } from "./errors";

export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

export type App = ReturnType<typeof createRouter>;

export function createApp(): App {
  const app = createRouter();
  app.onError(onError);
  app.notFound((c) => {
    const requestId = c.get("requestId") ?? "req_unknown";
    const allow = allowedMethods(app.routes, c.req.path);
    if (allow.length > 0) {
      const detail = `${c.req.method} is not allowed on ${c.req.path}; use ${allow.join(", ")}`;
      return problemResponse("method_not_allowed", requestId, detail, undefined, { allow: allow.join(", ") });
    }
    return problemResponse("route_not_found", requestId, `No route for ${c.req.method} ${c.req.path}`);
  });
  return app;
}

export function registerDocs(app: App) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key: `Authorization: Bearer gq_...`",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "genqueue API",
      version: "0.1.0",
      description: "Queue AI generation jobs, poll them, download their results.",
    },
    security: [{ bearer: [] }],
  });
  // Offline: the page's script and stylesheet are this Worker's static assets (docs-page.ts).
  app.get("/docs", (c) => c.html(docsPage("/openapi.json", "genqueue API")));
}

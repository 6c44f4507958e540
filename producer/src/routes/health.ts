import { createRoute, z } from "@hono/zod-openapi";
import { checkHealth } from "../../../shared/health";
import type { App } from "../app";

const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]).openapi({ example: "ok" }),
    checks: z.object({
      d1: z.object({ ok: z.boolean(), latency_ms: z.number(), error: z.string().optional() }),
      r2: z.object({ ok: z.boolean(), latency_ms: z.number(), error: z.string().optional() }),
      queue: z.object({ ok: z.boolean(), latency_ms: z.number(), error: z.string().optional() }),
    }),
  })
  .openapi("Health");

export const healthRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["operations"],
  summary: "Liveness and the state of D1, R2 and the queue binding (no auth)",
  security: [],
  responses: {
    200: {
      description: "Every dependency answers",
      content: { "application/json": { schema: HealthSchema } },
    },
    503: {
      description: "A dependency does not answer",
      content: { "application/json": { schema: HealthSchema } },
    },
  },
});

export function registerHealth(app: App) {
  app.openapi(healthRoute, async (c) => {
    const report = await checkHealth(c.env);
    return c.json(report, report.status === "ok" ? 200 : 503);
  });
}

import { createRoute } from "@hono/zod-openapi";
import type { App } from "../app";
import { housekeepingService } from "../housekeeping";
import { adminErrors, bodyErrors, problemResponses } from "../problem";
import { HousekeepingReportSchema } from "../schemas/housekeeping";

export const runHousekeepingRoute = createRoute({
  method: "post",
  path: "/v1/admin/housekeeping",
  tags: ["admin"],
  summary: "Run the consumer's housekeeping now",
  description:
    "Runs once what the consumer's cron runs every 5 minutes: re-sends messages of jobs whose " +
    "message was lost, purges expired idempotency records, and so on. It spans every " +
    "organization, so super_admin keys only. Each step is idempotent: running it twice is harmless.",
  responses: {
    200: {
      description: "What each step did",
      content: { "application/json": { schema: HousekeepingReportSchema } },
    },
    ...problemResponses(...adminErrors, ...bodyErrors),
  },
});

export function registerRunHousekeeping(app: App) {
  app.openapi(runHousekeepingRoute, async (c) => c.json(await housekeepingService(c.env).run(), 200));
}

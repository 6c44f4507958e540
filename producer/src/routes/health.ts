import { createRoute, z } from "@hono/zod-openapi";
import {
  BACKLOG_SCAN_ROWS,
  checkHealth,
  HEALTH_CACHE_MS,
  HEALTH_OBJECT_NAME,
  HealthCache,
} from "../../../shared/health";
import type { App } from "../app";

const CheckSchema = z
  .object({
    ok: z.boolean().openapi({ description: "The component answered within the time limit", example: true }),
    latency_ms: z.number().openapi({ description: "Time to its answer (or to the time limit)", example: 3 }),
    error: z
      .string()
      .optional()
      .openapi({ description: "Why it failed", example: "no answer within 2000 ms" }),
  })
  .openapi("HealthCheck");

const BacklogSchema = z
  .object({
    queued: z
      .number()
      .int()
      .openapi({
        description: `Jobs queued among the newest ${BACKLOG_SCAN_ROWS} jobs (a lower bound when capped)`,
        example: 12,
      }),
    oldest_queued_age_seconds: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Age of the oldest of them; null with none", example: 41 }),
    scanned_jobs: z.number().int().openapi({ description: "Newest jobs looked at", example: 1000 }),
    capped: z
      .boolean()
      .openapi({ description: "Every job scanned was queued: there may be more", example: false }),
  })
  .openapi("HealthBacklog");

const HealthSchema = z
  .object({
    status: z
      .enum(["ok", "degraded"])
      .openapi({ description: "degraded when any check failed", example: "ok" }),
    checked_at: z
      .string()
      .openapi({ description: "When the checks ran", example: "2026-12-03T18:00:00.000Z" }),
    checks: z.record(z.string(), CheckSchema).openapi({
      description:
        "d1, r2, jobs_queue and webhooks_queue (the binding is present: Queues has no ping), token_bucket and budget (the Durable Objects answer)",
    }),
    backlog: BacklogSchema.nullable().openapi({
      description: "From D1, as Queues has no backlog API; null when D1 does not answer",
    }),
  })
  .openapi("Health");

export const healthRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["operations"],
  summary: `Each component's state and latency, and the queue backlog (no auth; kept ${HEALTH_CACHE_MS / 1000} s per isolate)`,
  security: [],
  responses: {
    200: {
      description: "Every component answers",
      content: { "application/json": { schema: HealthSchema } },
    },
    503: {
      description: "A component does not answer",
      content: { "application/json": { schema: HealthSchema } },
    },
  },
});
export type Health = z.infer<typeof HealthSchema>;

/** Polls within HEALTH_CACHE_MS of each other share one round of checks. */
const cache = new HealthCache();

/** A probe calling a read-only RPC method on the namespace's health object. */
function objectProbe(namespace: DurableObjectNamespace, method: string, ...args: unknown[]) {
  return () => {
    const stub = namespace.getByName(HEALTH_OBJECT_NAME) as unknown as Record<
      string,
      (...a: unknown[]) => Promise<unknown>
    >;
    return stub[method]!(...args);
  };
}

export function registerHealth(app: App) {
  app.openapi(healthRoute, async (c) => {
    const { env } = c;
    const report = await cache.get(Date.now(), () =>
      checkHealth({
        db: c.get("db"),
        images: env.IMAGES,
        queues: { jobs_queue: env.JOBS, webhooks_queue: env.WEBHOOKS },
        objects: {
          token_bucket: objectProbe(env.TOKEN_BUCKET, "health"),
          budget: objectProbe(env.BUDGET, "snapshot", null),
        },
        now: Date.now,
      }),
    );
    return c.json(report, report.status === "ok" ? 200 : 503);
  });
}

import { createRoute, z } from "@hono/zod-openapi";
import { instanceMetrics, type MetricsObject } from "../../../shared/metrics/service";
import { metricWindows } from "../../../shared/metrics/window";
import { bucketName } from "../../../shared/pacing/object-name";
import type { App } from "../app";
import { adminErrors, problemResponses } from "../problem";

const QuerySchema = z.object({
  instance_id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ description: "The instance to report on", example: "ins_0a1b2c3d4e5f6g7h8i9j" }),
  window: z.enum(metricWindows).default("hour").openapi({
    description: "hour: 60 buckets of 1 minute; day: 96 of 15 minutes; week: 168 of 1 hour",
    example: "hour",
  }),
});

const count = (description: string, example = 42) =>
  z.number().int().min(0).openapi({ description, example });
const ms = (description: string, example: number) =>
  z.number().int().nullable().openapi({ description, example });
const usd = (description: string) => z.number().min(0).openapi({ description, example: 1.68 });

/** The figures a bucket and the totals share (docs/metrics.md says where each comes from). */
const figures = {
  jobs: count("Jobs that ended in the period: succeeded + failed"),
  succeeded: count("Jobs that succeeded", 40),
  failed: count("Jobs that failed, dead-lettered ones included", 2),
  p50_ms: ms("Median time from creation to the end of the jobs that ended (±9%); null: none ended", 8200),
  p95_ms: ms("95th percentile of the same (±9%); null: none ended", 21000),
  provider_errors: count("Provider calls that failed, other than rate limiting", 3),
  rate_limited: count("Provider calls refused for the provider's rate or concurrency limit (429)", 1),
  spend_usd: usd("Estimated provider cost of the successful calls, USD"),
};

const TotalsSchema = z
  .object({
    ...figures,
    success_rate: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .openapi({ description: "succeeded / jobs; null when no job ended", example: 0.9524 }),
    dead_letters: count("Jobs dead-lettered in the window (also counted in failed)", 1),
    queue_backlog: count("Jobs still queued now, among the instance's newest 1,000", 5),
  })
  .openapi("MetricsTotals");

const BucketSchema = z
  .object({
    t: z.string().openapi({ description: "Start of the bucket", example: "2026-12-03T12:00:00.000Z" }),
    ...figures,
  })
  .openapi("MetricsBucket");

const ProviderSchema = z
  .object({
    provider: z.string().openapi({ description: "Provider name", example: "ideogram" }),
    requests: count("Calls made to the provider in the window", 45),
    errors: count("Of them, failed other than by rate limiting", 3),
    rate_limited: count("Of them, refused for the provider's limit (429)", 1),
    utilisation: z.number().min(0).max(1).nullable().openapi({
      description: "requests / (limit_per_minute x minutes of the window); null when no limit is known",
      example: 0.0125,
    }),
    limit_per_minute: z
      .number()
      .min(0)
      .nullable()
      .openapi({ description: "The instance's pacing rate for the provider, calls per minute", example: 60 }),
  })
  .openapi("MetricsProvider");

export const MetricsSchema = z
  .object({
    instance_id: z.string().openapi({ description: "The instance", example: "ins_0a1b2c3d4e5f6g7h8i9j" }),
    window: z.enum(metricWindows).openapi({ description: "The window asked for", example: "hour" }),
    from: z
      .string()
      .openapi({ description: "Start of the first bucket", example: "2026-12-03T11:01:00.000Z" }),
    to: z.string().openapi({
      description: "End of the last bucket (the current one, still filling)",
      example: "2026-12-03T12:01:00.000Z",
    }),
    bucket_seconds: z
      .number()
      .int()
      .openapi({ description: "Length of a bucket: 60, 900 or 3600", example: 60 }),
    totals: TotalsSchema,
    series: z
      .array(BucketSchema)
      .openapi({ description: "Every bucket of the window, oldest first, zero-filled" }),
    providers: z.array(ProviderSchema).openapi({ description: "Each provider's calls in the window" }),
  })
  .openapi("Metrics");

export const getMetricsRoute = createRoute({
  method: "get",
  path: "/v1/admin/metrics",
  tags: ["admin"],
  summary: "Usage, errors and performance of an instance over the last hour, day or week",
  description:
    "The dashboard's figures, per bucket and in total (docs/metrics.md). Admin and super_admin keys, " +
    "for an instance they reach; another organization's instance is a 404.",
  request: { query: QuerySchema },
  responses: {
    200: {
      description: "The instance's metrics",
      content: { "application/json": { schema: MetricsSchema } },
    },
    ...problemResponses(...adminErrors, "instance_not_found", "validation_failed"),
  },
});
export type GetMetricsQuery = z.infer<typeof QuerySchema>;
export type Metrics = z.infer<typeof MetricsSchema>;

export function registerGetMetrics(app: App) {
  app.openapi(getMetricsRoute, async (c) => {
    const query = c.req.valid("query");
    const objects = c.env.TOKEN_BUCKET as unknown as DurableObjectNamespace<
      MetricsObject & Rpc.DurableObjectBranded
    >;
    const deps = {
      db: c.get("db"),
      pacingObject: (instanceId: string, provider: string) =>
        objects.getByName(bucketName(instanceId, provider)),
      now: Date.now(),
    };
    return c.json(await instanceMetrics(deps, c.get("caller"), query.instance_id, query.window), 200);
  });
}

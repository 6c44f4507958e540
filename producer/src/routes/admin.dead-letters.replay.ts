import { createRoute, z } from "@hono/zod-openapi";
import { adminErrors, jsonBodyErrors, problemResponses } from "../problem";
import { replayDeadLetters } from "../../../shared/jobs/replay";
import type { App } from "../app";
import { DeadLetterFilterSchema } from "../schemas/dead-letters";

const MAX_REPLAY = 500;

const ReplayBodySchema = z
  .object({
    ids: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(MAX_REPLAY)
      .optional()
      .openapi({
        description: "Dead letter ids or job ids to replay (each job once, from its newest dead letter)",
        example: ["job_0a1b2c3d4e5f6g7h8i9j"],
      }),
    filter: DeadLetterFilterSchema.strict()
      .optional()
      .openapi({
        description: "Replay the jobs whose newest dead letter matches; `{}` selects all",
        example: { error_code: "provider_unavailable", provider: "openai" },
      }),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_REPLAY)
      .default(100)
      .openapi({ description: "At most this many jobs by `filter`, newest first", example: 100 }),
    dry_run: z
      .boolean()
      .default(false)
      .openapi({ description: "Only answer what would be replayed; change nothing", example: true }),
  })
  .strict()
  .refine((body) => (body.ids === undefined) !== (body.filter === undefined), {
    message: "send exactly one of `ids` and `filter`",
    path: ["ids"],
  })
  .openapi("ReplayDeadLettersRequest");

const ReplayedSchema = z.object({
  job_id: z
    .string()
    .openapi({ description: "The replayed job (now `queued`)", example: "job_0a1b2c3d4e5f6g7h8i9j" }),
  dead_letter_id: z
    .string()
    .openapi({ description: "The dead letter it was replayed from", example: "dl_0a1b2c3d4e5f6g7h8i9j" }),
  project_id: z.string().openapi({ description: "The job's project", example: "prj_0a1b2c3d4e5f6g7h8i9j" }),
  provider: z
    .string()
    .nullable()
    .openapi({ description: "Provider of the failed attempts", example: "openai" }),
  error: z
    .object({
      code: z.string().openapi({ description: "Stable error code", example: "provider_unavailable" }),
      message: z.string().openapi({ description: "Human-readable cause", example: "upstream 503" }),
    })
    .openapi({ description: "Why the job had been dead-lettered" }),
  dead_lettered_at: z
    .string()
    .openapi({ description: "When the dead letter was recorded", example: "2026-11-21T12:00:00.000Z" }),
});

const ReplayResponseSchema = z
  .object({
    dry_run: z.boolean().openapi({ description: "True when nothing was changed", example: false }),
    replayed: z
      .array(ReplayedSchema)
      .openapi({ description: "Jobs queued again with a fresh attempt budget (would be, on a dry run)" }),
    skipped: z
      .array(
        z.object({
          id: z
            .string()
            .openapi({ description: "The id as given, or the job id", example: "job_0a1b2c3d4e5f6g7h8i9j" }),
          reason: z
            .enum(["not_found", "not_dead_lettered", "cancel_requested", "duplicate"])
            .openapi({ description: "Why it was not replayed", example: "not_dead_lettered" }),
        }),
      )
      .openapi({ description: "Selected ids that were not replayed" }),
    failed: z
      .array(
        z.object({
          job_id: z.string().openapi({ description: "The job", example: "job_0a1b2c3d4e5f6g7h8i9j" }),
          error: z.string().openapi({
            description: "What went wrong; the job is still dead_lettered",
            example: "Queue send failed",
          }),
        }),
      )
      .openapi({ description: "Jobs that could not be replayed; they stay dead_lettered, retry them" }),
  })
  .openapi("ReplayDeadLettersResponse");

export const replayDeadLettersRoute = createRoute({
  method: "post",
  path: "/v1/admin/dead-letters/replay",
  tags: ["admin"],
  summary: "Queue dead-lettered jobs again with a fresh attempt budget",
  description:
    "Selects, by `ids` or by `filter`, jobs that are still `dead_lettered` in the admin key's instance. " +
    "Each is queued again (event `replayed`, attempts reset to 0) with a new queue message. Admin keys only.",
  request: {
    body: { required: true, content: { "application/json": { schema: ReplayBodySchema } } },
  },
  responses: {
    200: {
      description: "What was replayed, skipped and failed",
      content: { "application/json": { schema: ReplayResponseSchema } },
    },
    ...problemResponses(...adminErrors, ...jsonBodyErrors),
  },
});
export type ReplayDeadLettersRequest = z.infer<typeof ReplayBodySchema>;
export type ReplayDeadLettersResponse = z.infer<typeof ReplayResponseSchema>;

export function registerReplayDeadLetters(app: App) {
  app.openapi(replayDeadLettersRoute, async (c) => {
    const body = c.req.valid("json");
    const principal = c.get("principal");
    const filter = body.filter;
    const selection = filter
      ? {
          filter: {
            since: filter.since ? Date.parse(filter.since) : undefined,
            errorCode: filter.error_code,
            provider: filter.provider,
            projectId: filter.project_id,
          },
          limit: body.limit,
        }
      : { ids: body.ids ?? [] };
    const deps = {
      db: c.get("db"),
      queue: c.env.JOBS,
      now: Date.now,
      requestId: c.get("requestId"),
      replayedBy: principal.keyId,
      caller: principal,
    };
    const outcome = await replayDeadLetters(deps, principal, selection, body.dry_run);
    return c.json(outcome, 200);
  });
}

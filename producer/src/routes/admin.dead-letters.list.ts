import { createRoute, z } from "@hono/zod-openapi";
import { listDeadLetters } from "../../../shared/db/queries/dead-letters";
import { decodeCursor, encodeCursor } from "../../../shared/db/pages";
import { ApiError } from "../../../shared/errors";
import { adminErrors, problemResponses } from "../problem";
import type { App } from "../app";
import { serializeDeadLetter } from "../../../shared/jobs/dead-letter-view";
import { DeadLetterFilterSchema } from "../schemas/dead-letters";

const ListQuerySchema = DeadLetterFilterSchema.extend({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ description: "Page size, at most 100", example: 20 }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: "`next_cursor` of the previous page", example: "MTc2MzcyNjQwMDAwMDpkbF8w" }),
});

export const DeadLetterSchema = z
  .object({
    id: z.string().openapi({ description: "Dead letter id", example: "dl_0a1b2c3d4e5f6g7h8i9j" }),
    job_id: z
      .string()
      .openapi({ description: "The job that was dead-lettered", example: "job_0a1b2c3d4e5f6g7h8i9j" }),
    project_id: z.string().openapi({ description: "The job's project", example: "prj_0a1b2c3d4e5f6g7h8i9j" }),
    provider: z
      .string()
      .nullable()
      .openapi({ description: "Provider of the last attempt, when one ran", example: "openai" }),
    error: z
      .object({
        code: z.string().openapi({ description: "Stable error code", example: "provider_unavailable" }),
        message: z.string().openapi({ description: "Human-readable cause", example: "upstream 503" }),
      })
      .openapi({ description: "The last error before the job was dead-lettered" }),
    attempts: z.number().int().openapi({ description: "Attempts used before dead-lettering", example: 3 }),
    dead_lettered_at: z
      .string()
      .openapi({ description: "When the dead letter was recorded", example: "2026-11-21T12:00:00.000Z" }),
    replayed_at: z
      .string()
      .nullable()
      .openapi({ description: "When it was last replayed; null if never", example: null }),
    replay_count: z.number().int().openapi({ description: "How many times it was replayed", example: 0 }),
    message: z.record(z.string(), z.unknown()).openapi({
      description: "The queue message as it reached the dead-letter queue",
      example: { v: 1, kind: "job" },
    }),
  })
  .openapi("DeadLetter");

const DeadLetterListSchema = z
  .object({
    object: z.literal("list").openapi({ description: "Always `list`", example: "list" }),
    data: z.array(DeadLetterSchema).openapi({ description: "Dead letters, newest first" }),
    next_cursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass as `cursor` for the next page; null on the last page", example: null }),
  })
  .openapi("DeadLetterList");

export const listDeadLettersRoute = createRoute({
  method: "get",
  path: "/v1/admin/dead-letters",
  tags: ["admin"],
  summary: "List dead letters of the admin key's instance, newest first",
  description: "Every dead letter, replayed ones included. Admin keys only.",
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: "A page of dead letters",
      content: { "application/json": { schema: DeadLetterListSchema } },
    },
    ...problemResponses(...adminErrors, "validation_failed"),
  },
});
export type ListDeadLettersQuery = z.infer<typeof ListQuerySchema>;
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

export function registerListDeadLetters(app: App) {
  app.openapi(listDeadLettersRoute, async (c) => {
    const query = c.req.valid("query");
    const principal = c.get("principal");
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (cursor === null) {
      throw new ApiError("validation_failed", "cursor is not one this API gave out", [
        { path: "query.cursor", message: "invalid cursor" },
      ]);
    }
    // One row more than asked tells whether another page exists.
    const rows = await listDeadLetters(c.get("db"), principal, {
      since: query.since ? Date.parse(query.since) : undefined,
      errorCode: query.error_code,
      provider: query.provider,
      projectId: query.project_id,
      limit: query.limit + 1,
      cursor,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return c.json(
      {
        object: "list" as const,
        data: page.map(serializeDeadLetter),
        next_cursor: rows.length > query.limit && last ? encodeCursor(last) : null,
      },
      200,
    );
  });
}

import { createRoute, z } from "@hono/zod-openapi";
import { decodeCursor, encodeCursor } from "../../../shared/db/pages";
import { listJobs } from "../../../shared/db/queries/jobs";
import { ApiError } from "../../../shared/errors";
import { jobApiErrors, problemResponses } from "../problem";
import { jobStatuses } from "../../../shared/jobs/enums";
import { JobListSchema } from "../../../shared/jobs/schemas";
import { serializeJob } from "../../../shared/jobs/serialize";
import type { App } from "../app";

const ListQuerySchema = z.object({
  status: z.enum(jobStatuses).optional().openapi({ example: "succeeded" }),
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
  cursor: z.string().max(200).optional().openapi({ description: "`next_cursor` of the previous page" }),
});

export const listJobsRoute = createRoute({
  method: "get",
  path: "/v1/jobs",
  tags: ["jobs"],
  summary: "List jobs, newest first",
  description: "Jobs of the key's project (or of the whole instance for an instance-wide key).",
  request: { query: ListQuerySchema },
  responses: {
    200: { description: "A page of jobs", content: { "application/json": { schema: JobListSchema } } },
    ...problemResponses(...jobApiErrors, "validation_failed"),
  },
});
export type ListJobsQuery = z.infer<typeof ListQuerySchema>;

export function registerListJobs(app: App) {
  app.openapi(listJobsRoute, async (c) => {
    const { status, limit, cursor } = c.req.valid("query");
    const principal = c.get("principal");
    const decoded = cursor ? decodeCursor(cursor) : undefined;
    if (decoded === null) {
      throw new ApiError("validation_failed", "cursor is not one this API gave out", [
        { path: "query.cursor", message: "invalid cursor" },
      ]);
    }
    // One row more than asked tells whether another page exists without a count query.
    const rows = await listJobs(c.get("db"), {
      instanceId: principal.instanceId,
      projectId: principal.projectId,
      status,
      limit: limit + 1,
      cursor: decoded,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return c.json(
      {
        object: "list" as const,
        data: page.map((row) => serializeJob(row)),
        next_cursor: rows.length > limit && last ? encodeCursor(last) : null,
      },
      200,
    );
  });
}

import { createRoute, z } from "@hono/zod-openapi";
import { decodeCursor, encodeCursor } from "../../../shared/db/pages";
import { listJobs } from "../../../shared/db/queries/jobs";
import { ApiError } from "../../../shared/errors";
import { jobApiErrors, problemResponses } from "../problem";
import { jobStatuses } from "../../../shared/jobs/enums";
import { providerNames } from "../../../shared/providers/names";
import { JobListSchema } from "../../../shared/jobs/schemas";
import { serializeJob } from "../../../shared/jobs/serialize";
import { signedUrlsForJobs } from "../../../shared/images/job-urls";
import type { App } from "../app";

const instant = (what: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({
      description: `Only jobs created ${what} this instant (RFC 3339)`,
      example: "2026-12-03T00:00:00Z",
    });

const ListQuerySchema = z.object({
  status: z.enum(jobStatuses).optional().openapi({ example: "succeeded" }),
  provider: z
    .enum(providerNames)
    .optional()
    .openapi({ description: "Only jobs on this provider (the one running or that ran them)" }),
  project_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ description: "Only this project's jobs (a project-bound key sees only its own anyway)" }),
  created_after: instant("at or after"),
  created_before: instant("before"),
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
    const query = c.req.valid("query");
    const { limit, cursor } = query;
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
      filter: {
        status: query.status,
        provider: query.provider,
        projectId: query.project_id,
        createdFrom: query.created_after ? Date.parse(query.created_after) : undefined,
        createdUntil: query.created_before ? Date.parse(query.created_before) : undefined,
      },
      limit: limit + 1,
      cursor: decoded,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const signed = await signedUrlsForJobs(c.get("db"), c.env, page, Date.now());
    return c.json(
      {
        object: "list" as const,
        data: page.map((row) => serializeJob(row, signed.get(row.id))),
        next_cursor: rows.length > limit && last ? encodeCursor(last) : null,
      },
      200,
    );
  });
}

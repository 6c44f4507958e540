import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../../../shared/errors";
import { restoreArchivedJob } from "../../../shared/jobs/archive-read";
import { terminalStatuses } from "../../../shared/jobs/enums";
import { eventsAfter, jobWatchOf, WATCH_SLACK_MS, watchJob } from "../../../shared/jobs/watch";
import { jobEventStream, MAX_STREAM_MS } from "../../../shared/jobs/watch-stream";
import { resumeAfter } from "../../../shared/workflows/stream";
import type { App } from "../app";
import { jobApiErrors, problemResponses } from "../problem";
import { JobIdParamSchema } from "../schemas/jobs";

export const jobStreamRoute = createRoute({
  method: "get",
  path: "/v1/jobs/{id}/stream",
  tags: ["jobs"],
  summary: "The job's events as Server-Sent Events, live",
  description:
    "One event per state change, named `job.{type}` (`job.queued`, `job.running`, `job.succeeded`…); its `id` is the event's version and its `data` a JobEvent with `job_id`. `Last-Event-ID` (or `?after=`) resumes after that version. The stream ends after a terminal event, or after 5 minutes (reconnect with Last-Event-ID); comment lines are heartbeats. A request for an ended job with nothing after Last-Event-ID answers 204, which stops an EventSource from reconnecting.",
  request: {
    params: JobIdParamSchema,
    headers: z.object({
      "last-event-id": z
        .string()
        .optional()
        .openapi({ description: "Resume after this event version", example: "2" }),
    }),
    query: z.object({
      after: z.coerce.number().int().min(0).optional().openapi({
        description: "Events after this version (when there is no Last-Event-ID); 0: from the first",
        example: 0,
      }),
    }),
  },
  responses: {
    200: {
      description: "An event stream; each `data` is a JobEvent with the job's id",
      content: { "text/event-stream": { schema: z.string() } },
    },
    204: { description: "The job has ended and the client has every event: do not reconnect" },
    // 503: the job is archived and R2 did not answer.
    ...problemResponses(...jobApiErrors, "job_not_found", "validation_failed", "service_unavailable"),
  },
});

export function registerJobStream(app: App) {
  app.openapi(jobStreamRoute, async (c) => {
    const { id } = c.req.valid("param");
    const after = resumeAfter(c.req.valid("header")["last-event-id"], c.req.valid("query").after);
    const until = Date.now() + MAX_STREAM_MS + WATCH_SLACK_MS;
    const marked = await watchJob(c.get("db"), c.get("principal"), id, until);
    if (!marked) throw new ApiError("job_not_found", `No job ${id}`);
    // An archived job's history is in R2 (it has ended: the stream sends it and closes).
    const job = await restoreArchivedJob(c.env.IMAGES, marked);
    // An ended job with nothing after Last-Event-ID: 204 tells an EventSource to stop reconnecting.
    if (terminalStatuses.includes(job.status) && eventsAfter(job.events, after).length === 0)
      return c.body(null, 204);
    const start = { jobId: job.id, status: job.status, version: job.version, events: job.events, after };
    const stream = jobEventStream(start, jobWatchOf(c.env.JOB_WATCH, job.id));
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        "x-request-id": c.get("requestId"),
      },
    });
  });
}

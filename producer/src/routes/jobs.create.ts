import { createRoute, z } from "@hono/zod-openapi";
import { jobApiErrors, jsonBodyErrors, problemResponses } from "../problem";
import { createJob } from "../../../shared/jobs/create";
import {
  claimIdempotencyKey,
  fingerprint,
  parseIdempotencyKey,
  recordIdempotentAnswer,
  releaseIdempotencyKey,
  releaseStatement,
} from "../../../shared/jobs/idempotency";
import { CreateJobBodySchema, type Job, JobSchema } from "../../../shared/jobs/schemas";
import { serializeJob } from "../../../shared/jobs/serialize";
import type { App } from "../app";
import { requireBody } from "../middleware/body";
import { isLocal } from "../../../shared/config";
import type { JobRow } from "../../../shared/db/queries/jobs";
import { ApiError } from "../../../shared/errors";

export const createJobRoute = createRoute({
  method: "post",
  path: "/v1/jobs",
  tags: ["jobs"],
  summary: "Enqueue a generation job",
  description: "Answers at once with the job id; poll `GET /v1/jobs/{id}` or wait for the webhook.",
  middleware: [requireBody] as const,
  request: {
    headers: z.object({
      "idempotency-key": z.string().optional().openapi({
        description: "Retry safely: the same key and body return the first answer",
        example: "order-1001",
      }),
    }),
    body: { required: true, content: { "application/json": { schema: CreateJobBodySchema } } },
  },
  responses: {
    202: {
      description: "Accepted; the job is queued",
      headers: z.object({
        location: z.string().openapi({ example: "/v1/jobs/job_0a1b2c3d4e5f6g7h8i9j" }),
        "idempotent-replayed": z.literal("true").optional().openapi({
          description: "On a replay: the body is the first answer's snapshot, not the current state",
        }),
        link: z.string().optional().openapi({
          description: 'On a replay: `</v1/jobs/{id}>; rel="current"`, where the current state is',
        }),
      }),
      content: { "application/json": { schema: JobSchema } },
    },
    ...problemResponses(
      ...jsonBodyErrors,
      ...jobApiErrors,
      "idempotency_key_invalid",
      "idempotency_key_reused",
      "idempotency_key_in_progress",
      "webhook_url_invalid",
      "archived",
      "budget_exceeded",
      "queue_unavailable",
    ),
  },
});
export type CreateJobRequest = z.infer<typeof CreateJobBodySchema>;

export function registerCreateJob(app: App) {
  app.openapi(createJobRoute, async (c) => {
    const body = c.req.valid("json");
    const principal = c.get("principal");
    const db = c.get("db");
    const idemKey = parseIdempotencyKey(c.req.header("idempotency-key"));
    const now = Date.now();

    if (idemKey) {
      const claim = await claimIdempotencyKey(db, principal.keyId, idemKey, await fingerprint(body), now);
      if (claim.kind === "replay") {
        // The body is the first answer's snapshot (status as it was then); `Location` and the
        // `Link` name the job's current state, which the client reads with GET.
        const current = `/v1/jobs/${claim.jobId}`;
        const headers = {
          "idempotent-replayed": "true",
          location: current,
          link: `<${current}>; rel="current"`,
        };
        return c.json(JSON.parse(claim.body) as Job, 202, headers);
      }
    }
    const answer = (row: JobRow) => JSON.stringify(serializeJob(row));
    try {
      const row = await createJob(
        {
          db,
          queue: c.env.JOBS,
          now,
          requestId: c.get("requestId"),
          allowLocalWebhooks: isLocal(c.env),
          // Only an instance with a budget pays for the check (its limit comes with the API key).
          ...(principal.monthlyBudgetUsd != null && {
            budget: { namespace: c.env.BUDGET, limitUsd: principal.monthlyBudgetUsd },
          }),
          ...(idemKey && {
            alongWith: {
              record: (row: JobRow) =>
                recordIdempotentAnswer(
                  db,
                  principal.keyId,
                  idemKey,
                  { status: 202, body: answer(row), jobId: row.id },
                  now,
                ),
              undo: () => releaseStatement(db, principal.keyId, idemKey),
            },
          }),
        },
        principal,
        body,
      );
      return c.json(serializeJob(row), 202, { location: `/v1/jobs/${row.id}` });
    } catch (error) {
      // Before the job was written (a bad project, a refused webhook URL, a failed batch): free the
      // key so the client may retry with it. A refused queue send already removed the job with its
      // record; if even that removal failed, the record stays, pointing at a job the sweep will send.
      const written = error instanceof ApiError && error.code === "queue_unavailable";
      if (idemKey && !written)
        await releaseIdempotencyKey(db, principal.keyId, idemKey).catch(() => undefined);
      throw error;
    }
  });
}

// Request and response schemas of the workflow API (plain zod, `.meta` documents them in
// /openapi.json). A workflow's job items are POST /v1/jobs bodies, validated by the same schema.
import { z } from "zod";
import { jobStatuses } from "../jobs/enums";
import { CreateJobBodySchema, JobSchema, MAX_METADATA_ENTRIES } from "../jobs/schemas";
import { errorCodes } from "../errors";
import { MAX_JOBS_PER_REQUEST } from "./submit";
import { workflowVersionTypes } from "./object";

const JobItemsSchema = z
  .array(CreateJobBodySchema)
  .max(MAX_JOBS_PER_REQUEST)
  .meta({ description: `Jobs, each exactly a POST /v1/jobs body (at most ${MAX_JOBS_PER_REQUEST})` });

// As a job's metadata. JSON.parse keeps a "__proto__" key that zod's record drops without a word:
// it is refused before the record sees it.
const MetadataSchema = z
  .preprocess(
    (value, ctx) => {
      if (value !== null && typeof value === "object" && Object.hasOwn(value, "__proto__")) {
        ctx.issues.push({ code: "custom", message: "__proto__ is not allowed as a key", input: value });
      }
      return value;
    },
    z
      .record(z.string().min(1).max(64), z.string().max(512))
      .refine(
        (m) => Object.keys(m).length <= MAX_METADATA_ENTRIES,
        `at most ${MAX_METADATA_ENTRIES} entries`,
      ),
  )
  .meta({ description: "Your own string key/values, returned as given", example: { batch: "2026-12" } });

export const CreateWorkflowBodySchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(200)
      .meta({ description: "Your name for the group", example: "catalog-2026-12" }),
    priority: z.number().int().min(-100).max(100).optional().meta({
      description:
        "Higher first when the instance's jobs wait for the same provider's tokens (-100..100, default 0)",
      example: 10,
    }),
    metadata: MetadataSchema.optional(),
    webhook_url: z.string().url().max(2048).optional().meta({
      description: "Receives `workflow.completed`; the project's webhook URL when omitted",
      example: "https://example.com/hooks/genqueue",
    }),
    project_id: z.string().max(64).optional().meta({
      description: "Required only with an instance-wide key; every job of the workflow is in this project",
    }),
    jobs: JobItemsSchema.optional(),
  })
  .strict()
  .meta({ id: "CreateWorkflowRequest" });
export type CreateWorkflowBody = z.infer<typeof CreateWorkflowBodySchema>;

export const AddWorkflowJobsBodySchema = z
  .object({ jobs: JobItemsSchema.min(1) })
  .strict()
  .meta({ id: "AddWorkflowJobsRequest" });

export const RerunWorkflowBodySchema = z
  .object({
    snapshot_id: z.string().max(64).optional().meta({
      description: "The snapshot whose failed jobs to submit again; a new snapshot is taken when omitted",
      example: "wfs_0a1b2c3d4e5f6g7h8i9j",
    }),
  })
  .strict()
  .meta({ id: "RerunWorkflowRequest" });

const CountsSchema = z
  .object(
    Object.fromEntries(jobStatuses.map((s) => [s, z.number().int()])) as Record<
      (typeof jobStatuses)[number],
      z.ZodNumber
    >,
  )
  .meta({ id: "WorkflowCounts", description: "Jobs per status" });

export const WorkflowSchema = z
  .object({
    id: z.string().meta({ example: "wf_0a1b2c3d4e5f6g7h8i9j" }),
    object: z.literal("workflow"),
    name: z.string().meta({ example: "catalog-2026-12" }),
    project_id: z.string().meta({ example: "prj_0a1b2c3d4e5f6g7h8i9j" }),
    priority: z.number().int().meta({ example: 0 }),
    metadata: z.record(z.string(), z.string()).nullable(),
    webhook_url: z.string().nullable(),
    status: z.enum(["empty", "active", "done"]).meta({
      description: "`empty`: no job yet; `active`: some job has not ended; `done`: every job has ended",
      example: "active",
    }),
    done: z.boolean(),
    version: z.number().int().meta({ description: "Newest version (see /history)", example: 3 }),
    total: z.number().int().meta({ description: "Jobs in the workflow", example: 2 }),
    counts: CountsSchema,
    request_id: z.string(),
    created_at: z.string().meta({ example: "2026-12-03T12:00:00.000Z" }),
    updated_at: z.string().meta({ description: "When the newest version was made" }),
    completed_at: z
      .string()
      .nullable()
      .meta({ description: "When it last became done; null while not done" }),
  })
  .meta({ id: "Workflow" });
export type Workflow = z.infer<typeof WorkflowSchema>;

export const RejectedJobSchema = z
  .object({
    index: z.number().int().meta({ description: "Position of the item in the request's `jobs`", example: 1 }),
    code: z.enum(errorCodes).meta({ example: "budget_exceeded" }),
    detail: z.string(),
  })
  .meta({
    id: "RejectedWorkflowJob",
    description: "An item not created, with the error POST /v1/jobs gives",
  });

export const WorkflowSubmissionSchema = z
  .object({
    workflow: WorkflowSchema,
    jobs: z.array(JobSchema).meta({ description: "The jobs created, in request order" }),
    rejected: z.array(RejectedJobSchema),
  })
  .meta({ id: "WorkflowSubmission" });

export type WorkflowSubmission = z.infer<typeof WorkflowSubmissionSchema>;

export const WorkflowRerunSchema = WorkflowSubmissionSchema.extend({
  snapshot_id: z.string().meta({ example: "wfs_0a1b2c3d4e5f6g7h8i9j" }),
  replaces: z
    .record(z.string(), z.string())
    .meta({ description: "New job id -> the failed job it re-runs", example: { job_new: "job_old" } }),
  skipped: z.array(z.object({ job_id: z.string(), reason: z.string() })).meta({
    description: "Failed jobs of the snapshot that could not be submitted again",
  }),
}).meta({ id: "WorkflowRerun" });

export const WorkflowVersionSchema = z
  .object({
    version: z.number().int().meta({ example: 2 }),
    type: z.enum(workflowVersionTypes).meta({ example: "job_ended" }),
    job_ids: z.array(z.string()),
    data: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ example: { status: "succeeded" } }),
    counts: CountsSchema,
    total: z.number().int(),
    done: z.boolean(),
    created_at: z.string(),
  })
  .meta({ id: "WorkflowVersion" });

export const WorkflowHistorySchema = z
  .object({
    object: z.literal("list"),
    workflow_id: z.string(),
    data: z.array(WorkflowVersionSchema),
    next_after: z.number().int().nullable().meta({ description: "Pass as `after` for the next page" }),
  })
  .meta({ id: "WorkflowHistory" });

const SnapshotJobSchema = z.object({
  id: z.string(),
  type: z.string(),
  status: z.enum(jobStatuses),
  request: z
    .object({
      input: z.record(z.string(), z.unknown()),
      provider: z.string().nullable(),
      metadata: z.record(z.string(), z.string()).nullable(),
      webhook_url: z.string().nullable(),
      webhook_events: z.array(z.string()).nullable(),
      fallback_providers: z.array(z.string()).nullable(),
    })
    .nullable()
    .meta({ description: "The job's request; null for a deleted job" }),
  outcome: z.object({
    provider: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    cost_usd: z.number().nullable(),
    images: z.number().int(),
    completed_at: z.string().nullable(),
  }),
});

export const WorkflowSnapshotSchema = z
  .object({
    id: z.string().meta({ example: "wfs_0a1b2c3d4e5f6g7h8i9j" }),
    object: z.literal("workflow_snapshot"),
    workflow_id: z.string(),
    version: z.number().int().meta({ description: "The workflow version it was taken at" }),
    job_count: z.number().int(),
    failed_count: z
      .number()
      .int()
      .meta({ description: "Failed or dead-lettered jobs: what a re-run submits" }),
    created_at: z.string(),
    jobs: z.array(SnapshotJobSchema),
  })
  .meta({ id: "WorkflowSnapshot" });

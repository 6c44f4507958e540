// Request and response schemas of the jobs API: the shapes the producer validates and answers and
// the consumer's webhooks carry. Plain zod (`.meta` documents them in /openapi.json); the HTTP-only
// parts (path parameters, problem responses) live in producer/.
import { z } from "zod";
import { webhookEventTypes } from "../webhooks/payload";
import { ImageInputSchema, TextInputSchema } from "./input";
import { providerStrategies } from "../providers/selection";
import { jobEventTypes, jobStatuses, jobTypes, providerNames } from "./enums";

export const MAX_METADATA_ENTRIES = 32;

// JSON.parse keeps a "__proto__" key, but zod's record drops it without a word: refuse it instead.
const MetadataSchema = z
  .preprocess(
    (value, ctx) => {
      if (value !== null && typeof value === "object" && Object.hasOwn(value, "__proto__")) {
        ctx.issues.push({
          code: "custom",
          message: "__proto__ is not allowed as a key",
          input: value,
          path: ["__proto__"],
        });
      }
      return value;
    },
    z
      .record(z.string().min(1).max(64), z.string().max(512))
      .refine(
        (m) => Object.keys(m).length <= MAX_METADATA_ENTRIES,
        `at most ${MAX_METADATA_ENTRIES} metadata entries`,
      ),
  )
  .meta({ description: "Your own string key/values, returned as given", example: { order: "A-1001" } });

/** What every job takes besides its type and input. */
const jobOptions = {
  provider: z
    .enum([...providerNames, ...providerStrategies])
    .optional()
    .meta({
      description:
        "Provider to use, or a strategy that picks one when the job runs: `cheapest`, `fastest`, `quality:draft|standard|high` (docs/providers.md#choosing-a-provider; the job's `provider_selected` event says why). The instance default when omitted",
      example: "demo",
    }),
  webhook_url: z
    .string()
    .url()
    .max(2048)
    .optional()
    .meta({ description: "Called when the job ends", example: "https://example.com/hooks/genqueue" }),
  webhook_events: z
    .array(z.enum(webhookEventTypes))
    .min(1)
    .max(webhookEventTypes.length)
    .refine((list) => new Set(list).size === list.length, "webhook_events must not repeat an event")
    .optional()
    .meta({
      description: "Events to send; terminal events by default",
      example: ["job.succeeded", "job.failed"],
    }),
  fallback_providers: z
    .array(z.enum(providerNames))
    .max(3)
    .refine((list) => new Set(list).size === list.length, "fallback_providers must not repeat a provider")
    .optional()
    .meta({
      description: "Providers to move to, in order, if the first is down or out of quota",
      example: ["demo"],
    }),
  metadata: MetadataSchema.optional(),
  project_id: z
    .string()
    .max(64)
    .optional()
    .meta({ description: "Required only with an instance-wide key (one not bound to a project)" }),
};

export const CreateImageJobBodySchema = z
  .object({
    type: z.literal("image.generate").meta({ description: "Kind of job" }),
    input: ImageInputSchema,
    ...jobOptions,
  })
  .strict()
  .meta({ id: "CreateImageJobRequest" });

export const CreateTextJobBodySchema = z
  .object({
    type: z.literal("text.generate").meta({ description: "Kind of job" }),
    input: TextInputSchema,
    ...jobOptions,
  })
  .strict()
  .meta({ id: "CreateTextJobRequest" });

/** The body of POST /v1/jobs: its `type` says which input it carries. */
export const CreateJobBodySchema = z
  .discriminatedUnion("type", [CreateImageJobBodySchema, CreateTextJobBodySchema])
  .meta({ id: "CreateJobRequest" });

/** The same fields with `input` left to the API (for tools that need one flat object: MCP). */
export const CreateJobFlatSchema = z.strictObject({
  type: z.enum(jobTypes).meta({ description: "Kind of job", example: "image.generate" }),
  input: z
    .record(z.string(), z.unknown())
    .meta({ description: "ImageInput for image.generate, TextInput for text.generate" }),
  ...jobOptions,
});
export type CreateJobBody = z.infer<typeof CreateJobBodySchema>;

export const JobImageSchema = z
  .object({
    url: z.string().meta({
      description: "Download path; needs the API key",
      example: "/v1/jobs/job_0a1b2c3d4e5f6g7h8i9j/images/0",
    }),
    signed_url: z.string().nullable().meta({
      description:
        "Path that fetches the image without a key until signed_url_expires_at (the instance's image_url_ttl_seconds); null when signing is not configured or the images were removed",
      example: "/signed/jobs/job_0a1b2c3d4e5f6g7h8i9j/images/0?expires=1764766800&signature=3q2-7w",
    }),
    signed_url_expires_at: z
      .string()
      .nullable()
      .meta({ description: "When signed_url stops working", example: "2026-12-03T13:00:00.000Z" }),
    content_type: z.string().meta({ example: "image/png" }),
    width: z.number().int().meta({ example: 512 }),
    height: z.number().int().meta({ example: 288 }),
    bytes: z.number().int().meta({ example: 20480 }),
    seed: z.number().int().nullable().meta({ example: 42 }),
  })
  .meta({ id: "JobImage" });

export const JobTextSchema = z
  .object({
    content: z.string().nullable().meta({
      description: "The generated text; null when it is long (over 16 KiB): then read it from `url`",
      example: "Amber lantern on the quiet coast.",
    }),
    url: z.string().meta({
      description: "Path answering the whole text as text/plain; needs the API key",
      example: "/v1/jobs/job_0a1b2c3d4e5f6g7h8i9j/output",
    }),
    chars: z.number().int().meta({ example: 33 }),
    bytes: z.number().int().meta({ example: 33 }),
    finish_reason: z.string().meta({
      description: "Why generation stopped: `stop`, `length` (max_tokens reached), `content_filter`…",
      example: "stop",
    }),
  })
  .meta({ id: "JobText" });

export const TokenUsageSchema = z
  .object({
    input_tokens: z.number().int().meta({ example: 21 }),
    output_tokens: z.number().int().meta({ example: 12 }),
    total_tokens: z.number().int().meta({ example: 33 }),
  })
  .meta({ id: "TokenUsage" });

export const JobSchema = z
  .object({
    id: z.string().meta({ example: "job_0a1b2c3d4e5f6g7h8i9j" }),
    object: z.literal("job"),
    type: z.enum(jobTypes),
    status: z.enum(jobStatuses).meta({ example: "queued" }),
    provider: z.string().nullable().meta({ description: "Provider that ran the job", example: "demo" }),
    project_id: z.string().meta({ example: "prj_0a1b2c3d4e5f6g7h8i9j" }),
    workflow_id: z.string().nullable().meta({
      description: "The workflow the job belongs to (docs/workflows.md); null for a job on its own",
    }),
    attempts: z.number().int().meta({ description: "Provider attempts so far", example: 1 }),
    input: z.union([ImageInputSchema, TextInputSchema]).nullable().meta({
      description: "The job's input (ImageInput or TextInput, by `type`); null once the job is deleted",
    }),
    metadata: z.record(z.string(), z.string()).nullable(),
    fallback_providers: z.array(z.string()).nullable(),
    webhook_url: z.string().nullable(),
    webhook_events: z.array(z.string()).nullable(),
    error: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .meta({ example: null, description: "Why the job failed, when it did" }),
    result: z
      .object({
        images: z.array(JobImageSchema),
        model: z.string().nullable(),
        revised_prompt: z.string().nullable(),
        cost_usd: z.number().nullable(),
        text: JobTextSchema.nullable().meta({ description: "A text job's output; null for image jobs" }),
        usage: TokenUsageSchema.nullable().meta({
          description: "Tokens a text job used, as its provider reported them; null for image jobs",
        }),
      })
      .nullable(),
    cancel_requested: z.boolean(),
    request_id: z.string(),
    created_at: z.string().meta({ example: "2026-11-21T12:00:00.000Z" }),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    images_removed_at: z.string().nullable().meta({
      description:
        "When the images left storage (DELETE, or the instance's image_retention_days); their URLs answer 410",
      example: null,
    }),
    deleted_at: z.string().nullable().meta({
      description: "When the job was deleted: a tombstone keeping its status and history, not its input",
      example: null,
    }),
  })
  .meta({ id: "Job" });
export type Job = z.infer<typeof JobSchema>;

export const JobListSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(JobSchema),
    next_cursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page" }),
  })
  .meta({ id: "JobList" });

export const JobEventSchema = z
  .object({
    version: z.number().int().meta({ example: 1 }),
    type: z.enum(jobEventTypes).meta({ example: "queued" }),
    status: z.enum(jobStatuses).meta({ example: "queued" }),
    data: z.record(z.string(), z.unknown()).nullable(),
    created_at: z.string(),
  })
  .meta({ id: "JobEvent" });

export const JobEventListSchema = z
  .object({ object: z.literal("list"), job_id: z.string(), data: z.array(JobEventSchema) })
  .meta({ id: "JobEventList" });

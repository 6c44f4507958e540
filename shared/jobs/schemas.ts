// Request and response schemas of the jobs API. They document themselves in /openapi.json.
import { z } from "@hono/zod-openapi";
import { webhookEventTypes } from "../webhooks/payload";
import { aspectRatios, jobEventTypes, jobStatuses, jobTypes, providerNames } from "./enums";

export const MAX_PROMPT_CHARS = 4000;
export const MAX_METADATA_ENTRIES = 32;

export const ImageInputSchema = z
  .object({
    prompt: z
      .string()
      .trim()
      .min(1, "prompt must not be empty")
      .max(MAX_PROMPT_CHARS, `prompt must be at most ${MAX_PROMPT_CHARS} characters`)
      .openapi({ description: "What to draw", example: "a lighthouse at dusk, watercolor" }),
    negative_prompt: z
      .string()
      .max(MAX_PROMPT_CHARS)
      .optional()
      .openapi({ description: "What to avoid", example: "text, watermark" }),
    aspect_ratio: z
      .enum(aspectRatios)
      .default("1x1")
      .openapi({ description: "Width x height ratio", example: "16x9" }),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2_147_483_647)
      .optional()
      .openapi({ description: "Seed for reproducible output where the provider supports it", example: 42 }),
    num_images: z
      .number()
      .int()
      .min(1)
      .max(4)
      .default(1)
      .openapi({ description: "Images to generate", example: 1 }),
  })
  .strict()
  .openapi("ImageInput");
export type ImageInput = z.infer<typeof ImageInputSchema>;

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
  .openapi({ description: "Your own string key/values, returned as given", example: { order: "A-1001" } });

export const CreateJobBodySchema = z
  .object({
    type: z.enum(jobTypes).openapi({ description: "Kind of job", example: "image.generate" }),
    input: ImageInputSchema,
    provider: z
      .enum(providerNames)
      .optional()
      .openapi({ description: "Provider to use; the instance default when omitted", example: "demo" }),
    webhook_url: z
      .string()
      .url()
      .max(2048)
      .optional()
      .openapi({ description: "Called when the job ends", example: "https://example.com/hooks/genqueue" }),
    webhook_events: z
      .array(z.enum(webhookEventTypes))
      .min(1)
      .max(webhookEventTypes.length)
      .refine((list) => new Set(list).size === list.length, "webhook_events must not repeat an event")
      .optional()
      .openapi({
        description: "Events to send; terminal events by default",
        example: ["job.succeeded", "job.failed"],
      }),
    fallback_providers: z
      .array(z.enum(providerNames))
      .max(3)
      .refine((list) => new Set(list).size === list.length, "fallback_providers must not repeat a provider")
      .optional()
      .openapi({
        description: "Providers to move to, in order, if the first is down or out of quota",
        example: ["demo"],
      }),
    metadata: MetadataSchema.optional(),
    project_id: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: "Required only with an instance-wide key (one not bound to a project)" }),
  })
  .strict()
  .openapi("CreateJobRequest");
export type CreateJobBody = z.infer<typeof CreateJobBodySchema>;

export const JobIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "job_0a1b2c3d4e5f6g7h8i9j" }),
});

export const JobImageSchema = z
  .object({
    url: z.string().openapi({ example: "/v1/jobs/job_0a1b2c3d4e5f6g7h8i9j/images/0" }),
    content_type: z.string().openapi({ example: "image/png" }),
    width: z.number().int().openapi({ example: 512 }),
    height: z.number().int().openapi({ example: 288 }),
    bytes: z.number().int().openapi({ example: 20480 }),
    seed: z.number().int().nullable().openapi({ example: 42 }),
  })
  .openapi("JobImage");

export const JobSchema = z
  .object({
    id: z.string().openapi({ example: "job_0a1b2c3d4e5f6g7h8i9j" }),
    object: z.literal("job"),
    type: z.enum(jobTypes),
    status: z.enum(jobStatuses).openapi({ example: "queued" }),
    provider: z.string().nullable().openapi({ description: "Provider that ran the job", example: "demo" }),
    project_id: z.string().openapi({ example: "prj_0a1b2c3d4e5f6g7h8i9j" }),
    attempts: z.number().int().openapi({ description: "Provider attempts so far", example: 1 }),
    input: ImageInputSchema,
    metadata: z.record(z.string(), z.string()).nullable(),
    fallback_providers: z.array(z.string()).nullable(),
    webhook_url: z.string().nullable(),
    webhook_events: z.array(z.string()).nullable(),
    error: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .openapi({ example: null, description: "Why the job failed, when it did" }),
    result: z
      .object({
        images: z.array(JobImageSchema),
        model: z.string().nullable(),
        revised_prompt: z.string().nullable(),
        cost_usd: z.number().nullable(),
      })
      .nullable(),
    cancel_requested: z.boolean(),
    request_id: z.string(),
    created_at: z.string().openapi({ example: "2026-11-21T12:00:00.000Z" }),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
  })
  .openapi("Job");
export type Job = z.infer<typeof JobSchema>;

export const JobListSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(JobSchema),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page" }),
  })
  .openapi("JobList");

export const JobEventSchema = z
  .object({
    version: z.number().int().openapi({ example: 1 }),
    type: z.enum(jobEventTypes).openapi({ example: "queued" }),
    status: z.enum(jobStatuses).openapi({ example: "queued" }),
    data: z.record(z.string(), z.unknown()).nullable(),
    created_at: z.string(),
  })
  .openapi("JobEvent");

export const JobEventListSchema = z
  .object({ object: z.literal("list"), job_id: z.string(), data: z.array(JobEventSchema) })
  .openapi("JobEventList");

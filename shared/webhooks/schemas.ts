// Request and response schemas of the webhook routes. They document themselves in /openapi.json.
import { z } from "@hono/zod-openapi";
import { webhookEventTypes } from "./payload";

const EXAMPLE_TIME = "2026-11-21T12:00:05.000Z";

export const WebhookAttemptSchema = z
  .object({
    attempt: z
      .number()
      .int()
      .openapi({ description: "1-based, across every delivery of the event", example: 1 }),
    url: z
      .string()
      .openapi({ description: "Where it was sent", example: "https://example.com/hooks/genqueue" }),
    status_code: z.number().int().nullable().openapi({
      description: "The receiver's HTTP status; null on a timeout or network error",
      example: 503,
    }),
    duration_ms: z
      .number()
      .int()
      .openapi({ description: "Time until the answer (or the failure)", example: 87 }),
    error: z.string().nullable().openapi({
      description: "Why the attempt did not count as delivered",
      example: "HTTP 503 Service Unavailable",
    }),
    next_attempt_at: z.string().nullable().openapi({
      description: "When the next attempt is due; null when none is scheduled",
      example: EXAMPLE_TIME,
    }),
    created_at: z.string().openapi({ description: "When the attempt was made", example: EXAMPLE_TIME }),
  })
  .openapi("WebhookAttempt");

export const WebhookEventSchema = z
  .object({
    id: z.string().openapi({
      description: "The `webhook-id` header: the same on every attempt of this event",
      example: "msg_0a1b2c3d4e5f6g7h8i9j",
    }),
    object: z.literal("webhook_event"),
    type: z.enum(webhookEventTypes).openapi({ example: "job.succeeded" }),
    job_id: z.string().openapi({ example: "job_0a1b2c3d4e5f6g7h8i9j" }),
    job_version: z.number().int().openapi({ description: "The job event (version) it reports", example: 3 }),
    url: z.string().openapi({ example: "https://example.com/hooks/genqueue" }),
    status: z.enum(["pending", "delivered", "failed", "gone"]).openapi({
      description:
        "pending: being delivered or retried; delivered: a 2xx came back; failed: retries exhausted (or the URL " +
        "was refused); gone: the URL answered 410 Gone, nothing more is sent to it",
      example: "delivered",
    }),
    created_at: z.string().openapi({ example: EXAMPLE_TIME }),
    delivered_at: z.string().nullable().openapi({ example: EXAMPLE_TIME }),
    attempts: z.array(WebhookAttemptSchema).openapi({ description: "Every attempt, oldest first" }),
  })
  .openapi("WebhookEvent");
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

export const WebhookEventListSchema = z
  .object({
    object: z.literal("list"),
    job_id: z.string().openapi({ example: "job_0a1b2c3d4e5f6g7h8i9j" }),
    data: z.array(WebhookEventSchema).openapi({ description: "The job's webhook events, newest first" }),
  })
  .openapi("WebhookEventList");
export type WebhookEventList = z.infer<typeof WebhookEventListSchema>;

export const ProjectIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "prj_0a1b2c3d4e5f6g7h8i9j" }),
});

export const ProjectWebhookSchema = z
  .object({
    project_id: z.string().openapi({ example: "prj_0a1b2c3d4e5f6g7h8i9j" }),
    url: z.string().nullable().openapi({
      description: "Default webhook URL of the project's jobs (a job's own `webhook_url` wins)",
      example: "https://example.com/hooks/genqueue",
    }),
    secret: z.string().openapi({
      description: "Signing secret (Standard Webhooks): verify `webhook-signature` with it",
      example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    }),
    previous_secret_expires_at: z.string().nullable().openapi({
      description: "After a rotation, the previous secret also signs until then; null otherwise",
      example: null,
    }),
  })
  .openapi("ProjectWebhook");

export const PutProjectWebhookBodySchema = z
  .object({
    url: z.string().min(1).max(2048).nullable().openapi({
      description: "https URL of a public host; null removes the default",
      example: "https://example.com/hooks/genqueue",
    }),
  })
  .strict()
  .openapi("PutProjectWebhookRequest");

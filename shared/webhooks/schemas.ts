// Request and response schemas of the webhook routes. Plain zod (`.meta` documents them in
// /openapi.json); the path parameters live in producer/src/schemas/.
import { z } from "zod";
import { webhookEventTypes } from "./payload";

const EXAMPLE_TIME = "2026-11-21T12:00:05.000Z";

export const WebhookAttemptSchema = z
  .object({
    attempt: z
      .number()
      .int()
      .meta({ description: "1-based, across every delivery of the event", example: 1 }),
    url: z.string().meta({ description: "Where it was sent", example: "https://example.com/hooks/genqueue" }),
    status_code: z.number().int().nullable().meta({
      description: "The receiver's HTTP status; null on a timeout or network error",
      example: 503,
    }),
    duration_ms: z
      .number()
      .int()
      .meta({ description: "Time until the answer (or the failure)", example: 87 }),
    error: z.string().nullable().meta({
      description: "Why the attempt did not count as delivered",
      example: "HTTP 503 Service Unavailable",
    }),
    next_attempt_at: z.string().nullable().meta({
      description: "When the next attempt is due; null when none is scheduled",
      example: EXAMPLE_TIME,
    }),
    created_at: z.string().meta({ description: "When the attempt was made", example: EXAMPLE_TIME }),
  })
  .meta({ id: "WebhookAttempt" });

export const WebhookEventSchema = z
  .object({
    id: z.string().meta({
      description: "The `webhook-id` header: the same on every attempt of this event",
      example: "msg_0a1b2c3d4e5f6g7h8i9j",
    }),
    object: z.literal("webhook_event"),
    // budget.threshold_reached is filed under the job whose cost crossed the threshold (shared/budgets).
    type: z.enum([...webhookEventTypes, "budget.threshold_reached"]).meta({ example: "job.succeeded" }),
    job_id: z.string().meta({ example: "job_0a1b2c3d4e5f6g7h8i9j" }),
    job_version: z.number().int().meta({
      description: "The job event (version) it reports; negative for a budget.threshold_reached event",
      example: 3,
    }),
    url: z.string().meta({ example: "https://example.com/hooks/genqueue" }),
    status: z.enum(["pending", "delivered", "failed", "gone"]).meta({
      description:
        "pending: being delivered or retried; delivered: a 2xx came back; failed: retries exhausted (or the URL " +
        "was refused); gone: the URL answered 410 Gone, nothing more is sent to it",
      example: "delivered",
    }),
    created_at: z.string().meta({ example: EXAMPLE_TIME }),
    delivered_at: z.string().nullable().meta({ example: EXAMPLE_TIME }),
    attempts: z.array(WebhookAttemptSchema).meta({ description: "Every attempt, oldest first" }),
  })
  .meta({ id: "WebhookEvent" });
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

export const WebhookEventListSchema = z
  .object({
    object: z.literal("list"),
    job_id: z.string().meta({ example: "job_0a1b2c3d4e5f6g7h8i9j" }),
    data: z.array(WebhookEventSchema).meta({ description: "The job's webhook events, newest first" }),
  })
  .meta({ id: "WebhookEventList" });
export type WebhookEventList = z.infer<typeof WebhookEventListSchema>;

export const ProjectWebhookSchema = z
  .object({
    project_id: z.string().meta({ example: "prj_0a1b2c3d4e5f6g7h8i9j" }),
    url: z.string().nullable().meta({
      description: "Default webhook URL of the project's jobs (a job's own `webhook_url` wins)",
      example: "https://example.com/hooks/genqueue",
    }),
    has_secret: z.boolean().meta({
      description:
        "Whether the project has a signing secret (it gets one with its first URL, or by a rotation)",
      example: true,
    }),
    secret_last4: z.string().nullable().meta({
      description: "The last 4 characters of the current secret, to tell secrets apart; null without one",
      example: "KYo=",
    }),
    secret: z
      .string()
      .optional()
      .meta({
        description:
          "The signing secret (Standard Webhooks): verify `webhook-signature` with it. Only in the answer that " +
          "made it (the first PUT of a URL, a rotation): it is stored encrypted and never shown again",
        example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo=",
      }),
    previous_secret_expires_at: z.string().nullable().meta({
      description: "After a rotation, the previous secret also signs until then; null otherwise",
      example: null,
    }),
  })
  .meta({ id: "ProjectWebhook" });

export const PutProjectWebhookBodySchema = z
  .object({
    url: z.string().min(1).max(2048).nullable().meta({
      description: "https URL of a public host; null removes the default",
      example: "https://example.com/hooks/genqueue",
    }),
  })
  .strict()
  .meta({ id: "PutProjectWebhookRequest" });

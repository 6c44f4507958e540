// Schemas the dead-letter routes share: the filter that both lists and replays select by.
import { z } from "@hono/zod-openapi";

export const DeadLetterFilterSchema = z.object({
  since: z.iso.datetime({ offset: true }).optional().openapi({
    description: "Only dead letters recorded at or after this time",
    example: "2026-11-20T00:00:00Z",
  }),
  error_code: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: "Only this error code", example: "provider_unavailable" }),
  provider: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: "Only jobs dead-lettered on this provider", example: "openai" }),
  project_id: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: "Only this project's jobs", example: "prj_0a1b2c3d4e5f6g7h8i9j" }),
});

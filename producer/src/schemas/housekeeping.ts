import { z } from "@hono/zod-openapi";

/**
 * What one housekeeping run did, a count per step (consumers/src/housekeeping.ts). Steps added
 * there later pass through as further counts.
 */
export const HousekeepingReportSchema = z
  .object({
    stale_jobs_resent: z.number().int().openapi({
      description: "Queued or running jobs whose message was lost, sent a fresh one",
      example: 0,
    }),
    idempotency_keys_purged: z.number().int().openapi({
      description: "Idempotency records past their 24 hours, deleted",
      example: 12,
    }),
  })
  .catchall(z.number().int())
  .openapi("HousekeepingReport", {
    description: "A count per housekeeping step; steps added later appear as further counts",
  });

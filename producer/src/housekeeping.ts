// The producer's way into the consumer's housekeeping (consumers/src/housekeeping-entrypoint.ts):
// the HOUSEKEEPING service binding, typed here because `wrangler types` leaves a binding to another
// Worker's entrypoint as a bare `Service`, and the `scheduled()` handler that forwards to it.
import type { z } from "@hono/zod-openapi";
import type { HousekeepingReportSchema } from "./schemas/housekeeping";

export type HousekeepingReport = z.infer<typeof HousekeepingReportSchema>;

/** The RPC surface of the consumer's Housekeeping entrypoint. */
export interface HousekeepingService {
  run(): Promise<HousekeepingReport>;
}

export function housekeepingService(env: ProducerEnv): HousekeepingService {
  return env.HOUSEKEEPING as unknown as HousekeepingService;
}

/**
 * Under `wrangler dev` only the first config's Worker (this one) is served, so wrangler's cron hint
 * (`curl .../cdn-cgi/local/scheduled`) and `npm start`'s timer land here: run the consumer's
 * housekeeping. Deployed, the producer has no cron of its own; the consumer's cron runs it there.
 */
export const forwardScheduled: ExportedHandlerScheduledHandler<ProducerEnv> = async (_controller, env) => {
  await housekeepingService(env).run();
};

// The consumer's periodic work as an RPC entrypoint, for the runs that are not its own cron: the
// producer's `scheduled()` (wrangler dev fires no cron, and only serves the first config's Worker,
// the producer, so `curl /cdn-cgi/local/scheduled` lands there), `npm start`'s timer, and
// `POST /v1/admin/housekeeping`. The producer reaches it through a service binding (HOUSEKEEPING).
import { WorkerEntrypoint } from "cloudflare:workers";
import { type HousekeepingReport, runHousekeeping } from "./housekeeping";
import { log } from "./log";

export class Housekeeping extends WorkerEntrypoint<ConsumerEnv> {
  /** Runs every housekeeping step once and answers what each did (also logged, like the cron's run). */
  async run(): Promise<HousekeepingReport> {
    const report = await runHousekeeping(this.env, Date.now());
    log("info", "housekeeping ran", { ...report });
    return report;
  }
}

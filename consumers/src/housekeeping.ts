// The consumer's periodic work, one function for every way it runs: the cron (`scheduled()`), and
// locally the Housekeeping entrypoint that `npm start` and `POST /v1/admin/housekeeping` call
// (wrangler dev fires no cron on its own). Each step is idempotent, so running it twice is harmless.
import { consumerConfig } from "../../shared/config";
import { createDb } from "../../shared/db/client";
import { purgeExpiredIdempotencyKeys } from "../../shared/jobs/idempotency";
import { removeExpiredImages } from "../../shared/jobs/retention";
import { masterKeyFrom } from "../../shared/providers/keys/master-key";
import { sealPlaintextWebhookSecrets } from "../../shared/webhooks/project-secrets";
import { log } from "./log";
import { sweepStaleJobs } from "./sweep";

/** What one run did, per step: logged, and answered by the admin route. */
export interface HousekeepingReport {
  stale_jobs_resent: number;
  idempotency_keys_purged: number;
  /** Succeeded jobs whose images outlived their instance's image_retention_days, removed (500 a run at most). */
  retention_jobs: number;
  /** R2 objects those jobs had. */
  retention_objects_deleted: number;
  /** Projects whose webhook secrets were still plaintext (from before encryption), sealed. */
  webhook_secrets_encrypted: number;
}

export async function runHousekeeping(env: ConsumerEnv, now: number): Promise<HousekeepingReport> {
  const db = createDb(env.DB);
  const staleJobsResent = await sweepStaleJobs(db, env.JOBS, consumerConfig(env), now);
  const idempotencyKeysPurged = await purgeExpiredIdempotencyKeys(db, now);
  // Without a (usable) master key there is nothing to seal with; the secrets keep signing as they are.
  const masterKey = await masterKeyFrom(env).catch(() => null);
  const webhookSecretsEncrypted = masterKey ? await sealPlaintextWebhookSecrets(db, masterKey) : 0;
  // Last: R2 being down fails this step alone, after the others ran (its next run retries it).
  const retention = await removeExpiredImages({ db, bucket: env.IMAGES, now });
  if (retention.jobs > 0) log("info", "retention removed images", { ...retention });
  return {
    stale_jobs_resent: staleJobsResent,
    idempotency_keys_purged: idempotencyKeysPurged,
    retention_jobs: retention.jobs,
    retention_objects_deleted: retention.objects,
    webhook_secrets_encrypted: webhookSecretsEncrypted,
  };
}

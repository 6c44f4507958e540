// The consumer's periodic work, one function for every way it runs: the cron (`scheduled()`), and
// locally the Housekeeping entrypoint that `npm start` and `POST /v1/admin/housekeeping` call
// (wrangler dev fires no cron on its own). Each step is idempotent, so running it twice is harmless.
import { consumerConfig } from "../../shared/config";
import { createDb } from "../../shared/db/client";
import { archiveDueJobs } from "../../shared/jobs/archive";
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
  /** Ended jobs past their instance's archive_after_days moved to R2 (1000 looked at a run at most). */
  archive_jobs: number;
  /** R2 objects written for them, their compressed bytes, and the JSON lines' bytes before compression. */
  archive_objects: number;
  archive_bytes: number;
  archive_raw_bytes: number;
  /** Webhook events and dead letters of those jobs, moved into the archive with them. */
  archive_webhook_events: number;
  archive_dead_letters: number;
  /** Jobs that changed while being archived, left live for a later run; groups that failed. */
  archive_skipped: number;
  archive_failed: number;
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
  // It never throws: a group R2 or D1 refused is counted in archive_failed and retried next run.
  // One line with its counts and sizes when it did anything (the run's report has them every time).
  const archive = await archiveDueJobs({ db, bucket: env.IMAGES, now });
  if (archive.jobs + archive.skipped + archive.failed > 0)
    log(archive.failed > 0 ? "error" : "info", "archive ran", { ...archive });
  return {
    stale_jobs_resent: staleJobsResent,
    idempotency_keys_purged: idempotencyKeysPurged,
    retention_jobs: retention.jobs,
    retention_objects_deleted: retention.objects,
    webhook_secrets_encrypted: webhookSecretsEncrypted,
    archive_jobs: archive.jobs,
    archive_objects: archive.objects,
    archive_bytes: archive.bytes,
    archive_raw_bytes: archive.rawBytes,
    archive_webhook_events: archive.webhookEvents,
    archive_dead_letters: archive.deadLetters,
    archive_skipped: archive.skipped,
    archive_failed: archive.failed,
  };
}

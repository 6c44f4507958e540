// The world every fuzz property runs in: two tenants, A (the one whose keys send the requests)
// and B (the victim, whose data must never show up in an answer to A and must never change).
// Each tenant has user / admin / instance-wide / revoked keys, a job in every status, an image,
// a dead letter, a provider key, a webhook event and a project webhook secret.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { displayPrefix } from "../../../shared/auth/keys";
import { createDb } from "../../../shared/db/client";
import { deadLetters, projects, webhookEvents } from "../../../shared/db/schema";
import { newId } from "../../../shared/ids";
import { jobStatuses } from "../../../shared/jobs/enums";
import { generateMasterKey, importMasterKey } from "../../../shared/providers/keys/crypto";
import { setKey } from "../../../shared/providers/keys/service";
import { type SeededTenant, seedJob, seedJobImage, seedProject, seedTenant } from "../../support/tenant";

export interface FuzzTenant extends SeededTenant {
  projectId: string;
  jobIds: string[];
  deadLetterIds: string[];
  providerKeyIds: string[];
  webhookEventIds: string[];
  /** Everything of this tenant that another tenant must never see (ids, keys, prefixes, secrets). */
  secrets: string[];
  /** The raw API keys: never in any response, whoever asks. */
  rawKeys: string[];
  /**
   * Another project of the same instance, with its own jobs: the instance's admin and instance-wide
   * keys see it, the tenant's project-bound `userKey` must not.
   */
  sibling: {
    projectId: string;
    userKey: string;
    jobIds: string[];
    webhookEventIds: string[];
    secrets: string[];
  };
}

export interface FuzzWorld {
  a: FuzzTenant;
  b: FuzzTenant;
  /** The bindings every request runs with: the test env plus a provider-key master key. */
  bindings: ProducerEnv;
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A job in every status in the project, an image and a webhook event, a dead letter. */
async function seedProjectJobs(t: SeededTenant, projectId: string, tag: string) {
  const db = createDb(env.DB);
  const jobIds: string[] = [];
  const deadLetterIds: string[] = [];
  const webhookEventIds: string[] = [];
  const requestIds: string[] = [];
  for (const status of jobStatuses) {
    const job = await seedJob(env.DB, t, {
      status,
      projectId,
      overrides: {
        metadata: { tenant: `${tag}-${projectId}` },
        webhookUrl: `https://hooks-${tag}.example.com/${projectId}`,
        ...(status === "dead_lettered" || status === "failed"
          ? { errorCode: "provider_unavailable", errorMessage: `upstream 503 for ${projectId}` }
          : {}),
      },
    });
    jobIds.push(job.id);
    requestIds.push(job.requestId);
    if (status === "succeeded") {
      await seedJobImage(env, job.id, { index: 0, bytes: PNG, contentType: "image/png" });
      const eventId = newId("msg");
      await db.insert(webhookEvents).values({
        id: eventId,
        jobId: job.id,
        instanceId: t.instanceId,
        projectId,
        type: "job.succeeded",
        jobVersion: 1,
        url: `https://hooks-${tag}.example.com/${projectId}`,
        body: JSON.stringify({ type: "job.succeeded", data: { id: job.id } }),
        status: "delivered",
        attempts: 1,
        createdAt: Date.now(),
        deliveredAt: Date.now(),
      });
      webhookEventIds.push(eventId);
    }
    if (status === "dead_lettered") {
      const id = newId("dl");
      await db.insert(deadLetters).values({
        id,
        jobId: job.id,
        instanceId: t.instanceId,
        projectId,
        provider: "demo",
        errorCode: "provider_unavailable",
        errorMessage: "upstream 503",
        attempts: 3,
        message: { v: 1, kind: "job", job_id: job.id, attempt: 3 },
        createdAt: Date.now(),
      });
      deadLetterIds.push(id);
    }
  }
  return { jobIds, deadLetterIds, webhookEventIds, requestIds };
}

async function seedFuzzTenant(masterKey: CryptoKey, tag: string): Promise<FuzzTenant> {
  const t = await seedTenant(env.DB);
  const projectId = t.projectId!;
  const db = createDb(env.DB);
  const { jobIds, deadLetterIds, webhookEventIds, requestIds } = await seedProjectJobs(t, projectId, tag);
  const other = await seedProject(env.DB, t);
  const siblingJobs = await seedProjectJobs(t, other.projectId, `${tag}-sibling`);
  const sibling = {
    projectId: other.projectId,
    userKey: other.userKey,
    jobIds: siblingJobs.jobIds,
    webhookEventIds: siblingJobs.webhookEventIds,
    secrets: [
      other.projectId,
      ...siblingJobs.jobIds,
      ...siblingJobs.requestIds,
      ...siblingJobs.deadLetterIds,
      ...siblingJobs.webhookEventIds,
      `hooks-${tag}-sibling.example.com`,
    ],
  };
  const webhookSecret = `whsec_${btoa(newId("msg", 32))}`;
  await db
    .update(projects)
    .set({ webhookUrl: `https://hooks-${tag}.example.com/${projectId}`, webhookSecret })
    .where(eq(projects.id, projectId));
  const providerKey = await setKey(db, masterKey, {
    instanceId: t.instanceId,
    provider: "ideogram",
    apiKey: `ideo_${tag}_${newId("msg", 32)}`,
    now: Date.now(),
  });
  const rawKeys = [t.userKey, t.adminKey, t.instanceWideKey, t.revokedKey, other.userKey];
  return {
    ...t,
    projectId,
    sibling,
    jobIds,
    deadLetterIds,
    providerKeyIds: [providerKey.id],
    webhookEventIds,
    rawKeys,
    secrets: [
      t.organizationId,
      t.instanceId,
      projectId,
      ...Object.values(t.keyIds),
      ...jobIds,
      ...requestIds,
      ...deadLetterIds,
      providerKey.id,
      ...webhookEventIds,
      webhookSecret,
      `hooks-${tag}.example.com`,
      ...sibling.secrets,
      ...rawKeys,
      ...rawKeys.map(displayPrefix),
    ],
  };
}

export async function seedWorld(): Promise<FuzzWorld> {
  const master = generateMasterKey();
  const masterKey = await importMasterKey(master);
  const a = await seedFuzzTenant(masterKey, "tenant-a");
  const b = await seedFuzzTenant(masterKey, "tenant-b");
  return { a, b, bindings: { ...env, PROVIDER_KEYS_MASTER_KEY: master } as ProducerEnv };
}

/**
 * What of a tenant a request could change: jobs, events, dead letters, provider keys, project,
 * webhook events, idempotency records, provider limits and fallback chain. Compared before and
 * after a property: B's never changes.
 */
export async function snapshotTenant(t: FuzzTenant): Promise<string> {
  const q = (sql: string, ...params: unknown[]) =>
    env.DB.prepare(sql)
      .bind(...params)
      .all()
      .then((r) => r.results);
  const parts = await Promise.all([
    q("SELECT * FROM jobs WHERE instance_id = ? ORDER BY id", t.instanceId),
    q("SELECT * FROM dead_letters WHERE instance_id = ? ORDER BY id", t.instanceId),
    q("SELECT * FROM provider_keys WHERE instance_id = ? ORDER BY id", t.instanceId),
    q("SELECT * FROM projects WHERE instance_id = ? ORDER BY id", t.instanceId),
    q("SELECT * FROM webhook_events WHERE instance_id = ? ORDER BY id", t.instanceId),
    q("SELECT * FROM provider_limits WHERE instance_id = ? ORDER BY provider", t.instanceId),
    q("SELECT fallback_providers FROM instances WHERE id = ?", t.instanceId),
    q(
      "SELECT api_key_id, key, fingerprint, job_id FROM idempotency_keys WHERE api_key_id IN (?, ?, ?, ?) ORDER BY api_key_id, key",
      ...Object.values(t.keyIds),
    ),
  ]);
  return JSON.stringify(parts);
}

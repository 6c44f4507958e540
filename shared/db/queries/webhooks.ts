// Webhook events (with their delivery attempts), gone URLs and the projects' webhook settings.
import { and, desc, eq, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../client";
import { SEALED_PREFIX } from "../../webhooks/sealed-secret";
import { goneWebhookUrls, jobs, projects, type WebhookAttempt, webhookEvents } from "../schema";

export type WebhookEventRow = typeof webhookEvents.$inferSelect;
export type { WebhookAttempt };
export type WebhookEventStatus = WebhookEventRow["status"];

export interface ProjectWebhookRow {
  id: string;
  instanceId: string;
  webhookUrl: string | null;
  webhookSecret: string | null;
  webhookSecretPrevious: string | null;
  webhookSecretRotatedAt: number | null;
}

const projectWebhookColumns = {
  id: projects.id,
  instanceId: projects.instanceId,
  webhookUrl: projects.webhookUrl,
  webhookSecret: projects.webhookSecret,
  webhookSecretPrevious: projects.webhookSecretPrevious,
  webhookSecretRotatedAt: projects.webhookSecretRotatedAt,
};

export async function getProjectWebhook(db: Db, projectId: string): Promise<ProjectWebhookRow | null> {
  return (
    (await db.select(projectWebhookColumns).from(projects).where(eq(projects.id, projectId)).get()) ?? null
  );
}

/** A project as its instance's admin sees it: another instance's project does not exist. */
export async function getProjectWebhookForInstance(
  db: Db,
  instanceId: string,
  projectId: string,
): Promise<ProjectWebhookRow | null> {
  return (
    (await db
      .select(projectWebhookColumns)
      .from(projects)
      .where(and(eq(projects.id, projectId), eq(projects.instanceId, instanceId)))
      .get()) ?? null
  );
}

/**
 * Sets the (sealed) secret only where there is none yet, so concurrent callers all end up with the
 * same one; true when this call's secret is the one stored.
 */
export async function setProjectSecretIfMissing(db: Db, projectId: string, sealed: string): Promise<boolean> {
  const rows = await secretIfMissing(db, projectId, sealed);
  return rows.length === 1;
}

function secretIfMissing(db: Db, projectId: string, sealed: string) {
  return db
    .update(projects)
    .set({ webhookSecret: sealed })
    .where(and(eq(projects.id, projectId), sql`${projects.webhookSecret} IS NULL`))
    .returning({ id: projects.id });
}

/**
 * Sets the project's default URL and, with `secretIfNone`, its first (sealed) secret where it has
 * none; `alongWith` (e.g. the audit record) runs in the same batch. True when that secret was stored.
 */
export async function setProjectWebhookUrl(
  db: Db,
  projectId: string,
  url: string | null,
  alongWith: BatchItem<"sqlite">[] = [],
  secretIfNone: string | null = null,
): Promise<boolean> {
  const update = db.update(projects).set({ webhookUrl: url }).where(eq(projects.id, projectId));
  if (secretIfNone === null) {
    await db.batch([update, ...alongWith]);
    return false;
  }
  const [set] = await db.batch([secretIfMissing(db, projectId, secretIfNone), update, ...alongWith]);
  return set.length === 1;
}

/**
 * Replaces the stored secrets by their sealed form, only while they are still the values `read`
 * (a rotation meanwhile wins). True when it applied.
 */
export async function sealStoredSecrets(
  db: Db,
  projectId: string,
  read: { current: string | null; previous: string | null },
  sealed: { current: string | null; previous: string | null },
): Promise<boolean> {
  const rows = await db
    .update(projects)
    .set({ webhookSecret: sealed.current, webhookSecretPrevious: sealed.previous })
    .where(
      and(
        eq(projects.id, projectId),
        sql`${projects.webhookSecret} IS ${read.current}`,
        sql`${projects.webhookSecretPrevious} IS ${read.previous}`,
      ),
    )
    .returning({ id: projects.id });
  return rows.length === 1;
}

/** Projects whose current or previous secret is still stored in plaintext (from before encryption). */
export async function projectsWithPlaintextSecrets(db: Db, limit: number): Promise<ProjectWebhookRow[]> {
  const plain = (column: typeof projects.webhookSecret | typeof projects.webhookSecretPrevious) =>
    sql`(${column} IS NOT NULL AND substr(${column}, 1, ${SEALED_PREFIX.length}) <> ${SEALED_PREFIX})`;
  return db
    .select(projectWebhookColumns)
    .from(projects)
    .where(or(plain(projects.webhookSecret), plain(projects.webhookSecretPrevious)))
    .limit(limit)
    .all();
}

/**
 * The current secret becomes the previous one; applies only if the current one is still `expected`.
 * `alongWith` runs in the same batch, whether or not the rotation applied (see hasWebhookSecret).
 */
export async function rotateProjectSecret(
  db: Db,
  projectId: string,
  expected: string | null,
  next: string,
  now: number,
  alongWith: BatchItem<"sqlite">[] = [],
): Promise<boolean> {
  const current =
    expected === null ? sql`${projects.webhookSecret} IS NULL` : eq(projects.webhookSecret, expected);
  const update = db
    .update(projects)
    .set({ webhookSecret: next, webhookSecretPrevious: expected, webhookSecretRotatedAt: now })
    .where(and(eq(projects.id, projectId), current))
    .returning({ id: projects.id });
  const [updated] = await db.batch([update, ...alongWith]);
  return updated.length === 1;
}

/** The condition "the project's current secret is `secret`": after a rotation to a fresh secret, that it applied. */
export function hasWebhookSecret(projectId: string, secret: string) {
  return sql`exists (select 1 from ${projects} where ${projects.id} = ${projectId} and ${projects.webhookSecret} = ${secret})`;
}

export async function hasWebhookEventOfType(db: Db, jobId: string, type: string): Promise<boolean> {
  const row = await db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.jobId, jobId), eq(webhookEvents.type, type)))
    .get();
  return row !== undefined;
}

/**
 * The webhook event of a state change, as a statement of that change's own D1 batch: it inserts
 * only when the change applied (the job carries the change's transition token) and the job has a
 * URL (its own, else its project's). The job version and the URL are taken from the rows, the
 * status from the gone list, so nothing has to be read first. Returns the row it inserted.
 */
export function insertWebhookEventForChange(
  db: Db,
  change: {
    jobId: string;
    transitionToken: string;
    eventId: string;
    type: string;
    body: string;
    now: number;
  },
) {
  const url = sql<string>`coalesce(${jobs.webhookUrl}, ${projects.webhookUrl})`;
  const gone = sql`exists (select 1 from ${goneWebhookUrls} where ${goneWebhookUrls.instanceId} = ${jobs.instanceId} and ${goneWebhookUrls.url} = ${url})`;
  // In the table's column order, which is the order drizzle names the columns of the insert.
  const row = db
    .select({
      id: sql`${change.eventId}`.as("id"),
      jobId: jobs.id,
      instanceId: jobs.instanceId,
      projectId: jobs.projectId,
      type: sql`${change.type}`.as("type"),
      jobVersion: jobs.version,
      url: url.as("url"),
      body: sql`${change.body}`.as("body"),
      status: sql`case when ${gone} then 'gone' else 'pending' end`.as("status"),
      attempts: sql`0`.as("attempts"),
      attemptLog: sql`'[]'`.as("attempt_log"),
      createdAt: sql`${change.now}`.as("created_at"),
      deliveredAt: sql`null`.as("delivered_at"),
    })
    .from(jobs)
    .leftJoin(projects, eq(projects.id, jobs.projectId))
    .where(
      and(
        eq(jobs.id, change.jobId),
        eq(jobs.transitionToken, change.transitionToken),
        sql`${url} is not null`,
      ),
    );
  return db.insert(webhookEvents).select(row).onConflictDoNothing().returning({
    id: webhookEvents.id,
    status: webhookEvents.status,
    url: webhookEvents.url,
    instanceId: webhookEvents.instanceId,
    projectId: webhookEvents.projectId,
  });
}

/** Inserts the event unless the job version already has one; true when this call inserted it. */
export async function insertWebhookEvent(db: Db, row: typeof webhookEvents.$inferInsert): Promise<boolean> {
  const inserted = await db
    .insert(webhookEvents)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: webhookEvents.id })
    .all();
  return inserted.length === 1;
}

/**
 * What one delivery attempt needs, in one read: the event, its project's webhook settings (null
 * when the project is gone) and whether its URL answered 410 Gone before.
 */
export async function getEventForDelivery(
  db: Db,
  eventId: string,
): Promise<{ event: WebhookEventRow; project: ProjectWebhookRow | null; urlGone: boolean } | null> {
  const urlGone = sql<number>`exists (select 1 from ${goneWebhookUrls} where ${goneWebhookUrls.instanceId} = ${webhookEvents.instanceId} and ${goneWebhookUrls.url} = ${webhookEvents.url})`;
  const row = await db
    .select({ event: webhookEvents, project: projectWebhookColumns, urlGone })
    .from(webhookEvents)
    .leftJoin(projects, eq(projects.id, webhookEvents.projectId))
    .where(eq(webhookEvents.id, eventId))
    .get();
  if (!row) return null;
  return { event: row.event, project: row.project?.id ? row.project : null, urlGone: Boolean(row.urlGone) };
}

/** Newest first: the latest job event's webhook leads. */
export async function listWebhookEventsForJob(db: Db, jobId: string): Promise<WebhookEventRow[]> {
  return db
    .select()
    .from(webhookEvents)
    .where(eq(webhookEvents.jobId, jobId))
    .orderBy(desc(webhookEvents.jobVersion), desc(webhookEvents.createdAt))
    .all();
}

export async function latestWebhookEventForJob(db: Db, jobId: string): Promise<WebhookEventRow | null> {
  return (
    (await db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.jobId, jobId))
      .orderBy(desc(webhookEvents.jobVersion), desc(webhookEvents.createdAt))
      .limit(1)
      .get()) ?? null
  );
}

/**
 * Records one delivery attempt (numbered here: the event's next) and, when `settle` is given,
 * moves a still-pending event to its final status, in one UPDATE. The attempt is recorded even
 * when the event was settled meanwhile (a duplicate delivery still happened).
 */
export function recordAttemptStatement(
  db: Db,
  eventId: string,
  attempt: Omit<WebhookAttempt, "attempt">,
  settle?: { status: Exclude<WebhookEventStatus, "pending">; deliveredAt?: number },
) {
  const pending = sql`${webhookEvents.status} = 'pending'`;
  const entry = sql`json_set(json(${JSON.stringify(attempt)}), '$.attempt', ${webhookEvents.attempts} + 1)`;
  return db
    .update(webhookEvents)
    .set({
      attempts: sql`${webhookEvents.attempts} + 1`,
      attemptLog: sql`json_insert(${webhookEvents.attemptLog}, '$[#]', ${entry})`,
      ...(settle
        ? {
            status: sql`case when ${pending} then ${settle.status} else ${webhookEvents.status} end`,
            ...(settle.deliveredAt !== undefined
              ? {
                  deliveredAt: sql`case when ${pending} then ${settle.deliveredAt} else ${webhookEvents.deliveredAt} end`,
                }
              : {}),
          }
        : {}),
    })
    .where(eq(webhookEvents.id, eventId))
    .returning({ attempts: webhookEvents.attempts });
}

/** Moves a pending event to its final status (a finished event never changes on its own). */
export function finishEventStatement(
  db: Db,
  eventId: string,
  status: Exclude<WebhookEventStatus, "pending">,
  deliveredAt: number | null = null,
) {
  return db
    .update(webhookEvents)
    .set({ status, ...(deliveredAt !== null ? { deliveredAt } : {}) })
    .where(and(eq(webhookEvents.id, eventId), eq(webhookEvents.status, "pending")));
}

/** Puts an event back to pending for a redelivery. */
export async function reopenEvent(db: Db, event: WebhookEventRow): Promise<void> {
  await db
    .update(webhookEvents)
    .set({ status: "pending", deliveredAt: null })
    .where(eq(webhookEvents.id, event.id));
}

/** Undoes `reopenEvent` when the redelivery could not be enqueued. */
export async function restoreEvent(db: Db, event: WebhookEventRow): Promise<void> {
  await db
    .update(webhookEvents)
    .set({ status: event.status, deliveredAt: event.deliveredAt })
    .where(eq(webhookEvents.id, event.id));
}

export async function isUrlGone(db: Db, instanceId: string, url: string): Promise<boolean> {
  const row = await db
    .select({ url: goneWebhookUrls.url })
    .from(goneWebhookUrls)
    .where(and(eq(goneWebhookUrls.instanceId, instanceId), eq(goneWebhookUrls.url, url)))
    .get();
  return row !== undefined;
}

export function markUrlGoneStatement(db: Db, instanceId: string, url: string, now: number) {
  return db.insert(goneWebhookUrls).values({ instanceId, url, createdAt: now }).onConflictDoNothing();
}

/** Deliveries to the URL may resume (its owner set it again or asked for a redelivery). */
export async function clearGoneUrl(db: Db, instanceId: string, url: string): Promise<void> {
  await db
    .delete(goneWebhookUrls)
    .where(and(eq(goneWebhookUrls.instanceId, instanceId), eq(goneWebhookUrls.url, url)));
}

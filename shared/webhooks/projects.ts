// A project's webhook settings: its default URL and its signing secret (with the previous one,
// which keeps signing for a day after a rotation so receivers can switch without losing events).
import type { Db } from "../db/client";
import type { Caller } from "../db/queries/api-keys";
import {
  clearGoneUrl,
  getProjectWebhook,
  getProjectWebhookForInstance,
  hasWebhookSecret,
  type ProjectWebhookRow,
  rotateProjectSecret,
  setProjectSecretIfMissing,
  setProjectWebhookUrl,
} from "../db/queries/webhooks";
import { ApiError } from "../errors";
import { type AuditEntry, auditInsert, type ChangeContext } from "../tenancy/audit";
import { auditInsertWhen } from "../tenancy/audit-when";
import { generateWebhookSecret } from "./secret";
import { checkWebhookUrl } from "./url-safety";
import { isoTimeOrNull } from "../time";

/** How long the previous secret keeps signing after a rotation. */
export const PREVIOUS_SECRET_TTL_MS = 24 * 60 * 60 * 1000;

export interface ProjectWebhookView {
  project_id: string;
  url: string | null;
  secret: string;
  previous_secret_expires_at: string | null;
}

function previousSecretExpiresAt(project: ProjectWebhookRow, now: number): number | null {
  if (!project.webhookSecretPrevious || project.webhookSecretRotatedAt === null) return null;
  const expiresAt = project.webhookSecretRotatedAt + PREVIOUS_SECRET_TTL_MS;
  return expiresAt > now ? expiresAt : null;
}

/** The secrets a delivery is signed with: the current one, plus the previous one during a rotation. */
export function signingSecrets(
  project: ProjectWebhookRow & { webhookSecret: string },
  now: number,
): string[] {
  return previousSecretExpiresAt(project, now) === null
    ? [project.webhookSecret]
    : [project.webhookSecret, project.webhookSecretPrevious!];
}

/**
 * Projects get their secret when they are created; one created before webhooks existed gets it on
 * first need. Re-read after the conditional write, so concurrent callers agree on one secret.
 */
export async function withWebhookSecret(
  db: Db,
  project: ProjectWebhookRow,
): Promise<ProjectWebhookRow & { webhookSecret: string }> {
  if (project.webhookSecret) return { ...project, webhookSecret: project.webhookSecret };
  await setProjectSecretIfMissing(db, project.id, generateWebhookSecret());
  const reread = await getProjectWebhook(db, project.id);
  if (!reread?.webhookSecret)
    throw new Error(`project ${project.id} has no webhook secret after setting one`);
  return { ...reread, webhookSecret: reread.webhookSecret };
}

function view(project: ProjectWebhookRow & { webhookSecret: string }, now: number): ProjectWebhookView {
  const expiresAt = previousSecretExpiresAt(project, now);
  return {
    project_id: project.id,
    url: project.webhookUrl,
    secret: project.webhookSecret,
    previous_secret_expires_at: isoTimeOrNull(expiresAt),
  };
}

export interface ProjectWebhookDeps {
  db: Db;
  now: () => number;
}

/** A change also needs who makes it and in which request, for its audit record. */
export interface ProjectWebhookChangeDeps extends ProjectWebhookDeps {
  caller: Caller;
  requestId: string;
}

/** The settings as audit records show them: the view without the secret. */
function auditView(settings: ProjectWebhookView): Record<string, unknown> {
  const { secret: _, ...shown } = settings;
  return shown;
}

function auditEntry(
  change: ChangeContext,
  action: string,
  before: ProjectWebhookView,
  after: ProjectWebhookView,
): AuditEntry {
  return {
    organizationId: change.caller.organizationId,
    action,
    resourceType: "project_webhook",
    resourceId: after.project_id,
    before: auditView(before),
    after: auditView(after),
  };
}

function changeOf(deps: ProjectWebhookChangeDeps, now: number): ChangeContext {
  return { db: deps.db, caller: deps.caller, requestId: deps.requestId, now };
}

async function projectOf(db: Db, instanceId: string, projectId: string) {
  const project = await getProjectWebhookForInstance(db, instanceId, projectId);
  if (!project) throw new ApiError("project_not_found", `No project ${projectId}`);
  return withWebhookSecret(db, project);
}

export async function getProjectWebhookSettings(
  deps: ProjectWebhookDeps,
  instanceId: string,
  projectId: string,
): Promise<ProjectWebhookView> {
  return view(await projectOf(deps.db, instanceId, projectId), deps.now());
}

/** Sets (or, with null, clears) the project's default URL; the URL passes the SSRF check first. */
export async function updateProjectWebhookUrl(
  deps: ProjectWebhookChangeDeps & { allowLocalhost: boolean },
  instanceId: string,
  projectId: string,
  url: string | null,
): Promise<ProjectWebhookView> {
  if (url !== null) {
    const check = checkWebhookUrl(url, { allowLocalhost: deps.allowLocalhost });
    if (!check.ok)
      throw new ApiError("webhook_url_invalid", check.message, [{ path: "url", message: check.code }]);
  }
  const project = await projectOf(deps.db, instanceId, projectId);
  const now = deps.now();
  const change = changeOf(deps, now);
  const before = view(project, now);
  const after = view({ ...project, webhookUrl: url }, now);
  const record = auditInsert(change, auditEntry(change, "project_webhook.update", before, after));
  await setProjectWebhookUrl(deps.db, project.id, url, [record]);
  // Setting a URL again is how its owner says it is back after answering 410 Gone.
  if (url !== null) await clearGoneUrl(deps.db, instanceId, url);
  return after;
}

/** A new current secret; the old one becomes the previous one and still signs for 24 h. */
/** The audit record is written only if this request's rotation is the one that applied. */
export async function rotateProjectWebhookSecret(
  deps: ProjectWebhookChangeDeps,
  instanceId: string,
  projectId: string,
): Promise<ProjectWebhookView> {
  const project = await projectOf(deps.db, instanceId, projectId);
  const next = generateWebhookSecret();
  const now = deps.now();
  const after = view(
    {
      ...project,
      webhookSecret: next,
      webhookSecretPrevious: project.webhookSecret,
      webhookSecretRotatedAt: now,
    },
    now,
  );
  const change = changeOf(deps, now);
  const record = auditInsertWhen(
    change,
    auditEntry(change, "project_webhook.rotate_secret", view(project, now), after),
    hasWebhookSecret(project.id, next),
  );
  if (!(await rotateProjectSecret(deps.db, project.id, project.webhookSecret, next, now, [record]))) {
    // A concurrent request rotated it first: that rotation is the one asked for (rotating again
    // would cut off the secret receivers still use), so answer the settings as they now are.
    return view(await projectOf(deps.db, instanceId, projectId), deps.now());
  }
  return after;
}

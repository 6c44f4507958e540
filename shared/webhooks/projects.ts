// A project's webhook settings as the admin API shows and changes them: its default URL and its
// signing secret. The secret is stored sealed (shared/webhooks/sealed-secret.ts) and shown once, in
// the answer that made it (the first PUT of a URL, a rotation); afterwards only its last 4
// characters. The previous secret keeps signing for a day after a rotation, so receivers can switch
// without losing events.
import type { Db } from "../db/client";
import type { Caller } from "../db/queries/api-keys";
import {
  clearGoneUrl,
  getProjectWebhookForInstance,
  hasWebhookSecret,
  rotateProjectSecret,
  setProjectWebhookUrl,
} from "../db/queries/webhooks";
import { ApiError } from "../errors";
import { type AuditEntry, auditInsert, type ChangeContext } from "../tenancy/audit";
import { auditInsertWhen } from "../tenancy/audit-when";
import { isoTimeOrNull } from "../time";
import { type OpenedProject, openProject, previousSecretExpiresAt } from "./project-secrets";
import { sealWebhookSecret } from "./sealed-secret";
import { generateWebhookSecret } from "./secret";
import { checkWebhookUrl } from "./url-safety";

export { PREVIOUS_SECRET_TTL_MS, signingSecrets } from "./project-secrets";

export interface ProjectWebhookView {
  project_id: string;
  url: string | null;
  has_secret: boolean;
  secret_last4: string | null;
  previous_secret_expires_at: string | null;
  /** Only in the answer that made the secret. */
  secret?: string;
}

function view(project: OpenedProject, now: number, shown?: string): ProjectWebhookView {
  return {
    project_id: project.row.id,
    url: project.row.webhookUrl,
    has_secret: project.current !== null,
    secret_last4: project.current?.slice(-4) ?? null,
    previous_secret_expires_at: isoTimeOrNull(previousSecretExpiresAt(project.row, now)),
    ...(shown === undefined ? {} : { secret: shown }),
  };
}

export interface ProjectWebhookDeps {
  db: Db;
  now: () => number;
  /** The master key of stored secrets (PROVIDER_KEYS_MASTER_KEY): these routes need it. */
  masterKey: CryptoKey;
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

/** The project, its secrets opened (a plaintext one from before encryption is sealed on the way). */
async function projectOf(deps: ProjectWebhookDeps, instanceId: string, projectId: string) {
  const row = await getProjectWebhookForInstance(deps.db, instanceId, projectId);
  if (!row) throw new ApiError("project_not_found", `No project ${projectId}`);
  return openProject(deps.db, deps.masterKey, row);
}

export async function getProjectWebhookSettings(
  deps: ProjectWebhookDeps,
  instanceId: string,
  projectId: string,
): Promise<ProjectWebhookView> {
  return view(await projectOf(deps, instanceId, projectId), deps.now());
}

/**
 * Sets (or, with null, clears) the project's default URL; the URL passes the SSRF check first. A
 * project without a secret gets one with its first URL, shown in this answer only.
 */
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
  const project = await projectOf(deps, instanceId, projectId);
  const now = deps.now();
  const fresh = url !== null && project.current === null ? generateWebhookSecret() : null;
  const sealed = fresh === null ? null : await sealWebhookSecret(deps.masterKey, project.row.id, fresh);
  const changed: OpenedProject = {
    row: { ...project.row, webhookUrl: url, webhookSecret: sealed ?? project.row.webhookSecret },
    current: fresh ?? project.current,
    previous: project.previous,
  };
  const change = changeOf(deps, now);
  const record = auditInsert(
    change,
    auditEntry(change, "project_webhook.update", view(project, now), view(changed, now)),
  );
  const secretSet = await setProjectWebhookUrl(deps.db, project.row.id, url, [record], sealed);
  // Setting a URL again is how its owner says it is back after answering 410 Gone.
  if (url !== null) await clearGoneUrl(deps.db, instanceId, url);
  // A concurrent first PUT stored its secret (and showed it) first: answer the settings as they are.
  if (fresh !== null && !secretSet) return view(await projectOf(deps, instanceId, projectId), deps.now());
  return view(changed, now, fresh ?? undefined);
}

/**
 * A new current secret, shown in this answer only; the old one becomes the previous one and still
 * signs for 24 h. The audit record is written only if this request's rotation is the one that applied.
 */
export async function rotateProjectWebhookSecret(
  deps: ProjectWebhookChangeDeps,
  instanceId: string,
  projectId: string,
): Promise<ProjectWebhookView> {
  const project = await projectOf(deps, instanceId, projectId);
  const next = generateWebhookSecret();
  const sealed = await sealWebhookSecret(deps.masterKey, project.row.id, next);
  const now = deps.now();
  const rotated: OpenedProject = {
    row: {
      ...project.row,
      webhookSecret: sealed,
      webhookSecretPrevious: project.row.webhookSecret,
      webhookSecretRotatedAt: now,
    },
    current: next,
    previous: project.current,
  };
  const change = changeOf(deps, now);
  const record = auditInsertWhen(
    change,
    auditEntry(change, "project_webhook.rotate_secret", view(project, now), view(rotated, now)),
    hasWebhookSecret(project.row.id, sealed),
  );
  const stored = project.row.webhookSecret;
  if (!(await rotateProjectSecret(deps.db, project.row.id, stored, sealed, now, [record]))) {
    // A concurrent request rotated it first: that rotation is the one asked for (rotating again
    // would cut off the secret receivers still use), and its answer showed the new secret. This
    // one answers the settings as they now are, without a secret.
    return view(await projectOf(deps, instanceId, projectId), deps.now());
  }
  return view(rotated, now, next);
}

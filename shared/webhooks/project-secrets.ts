// A project's signing secrets between D1 and memory: opened (decrypted) to sign or to show a hint,
// sealed where a plaintext one from before encryption remains, made when a project has none.
// Plaintext secrets exist only in memory; every stored value written here is sealed.
import type { Db } from "../db/client";
import {
  getProjectWebhook,
  type ProjectWebhookRow,
  projectsWithPlaintextSecrets,
  sealStoredSecrets,
  setProjectSecretIfMissing,
} from "../db/queries/webhooks";
import { isSealed, openWebhookSecret, sealWebhookSecret, WebhookSecretUnavailable } from "./sealed-secret";
import { generateWebhookSecret } from "./secret";

/** How long the previous secret keeps signing after a rotation. */
export const PREVIOUS_SECRET_TTL_MS = 24 * 60 * 60 * 1000;

/** A project's row as stored (after any sealing) and its secrets in plaintext. */
export interface OpenedProject {
  row: ProjectWebhookRow;
  current: string | null;
  previous: string | null;
}

/** When the previous secret stops signing; null when there is none or its 24 h are over. */
export function previousSecretExpiresAt(row: ProjectWebhookRow, now: number): number | null {
  if (!row.webhookSecretPrevious || row.webhookSecretRotatedAt === null) return null;
  const expiresAt = row.webhookSecretRotatedAt + PREVIOUS_SECRET_TTL_MS;
  return expiresAt > now ? expiresAt : null;
}

/** The secrets a delivery is signed with: the current one, plus the previous one during a rotation. */
export function signingSecrets(project: OpenedProject & { current: string }, now: number): string[] {
  return previousSecretExpiresAt(project.row, now) === null || project.previous === null
    ? [project.current]
    : [project.current, project.previous];
}

async function sealedForm(masterKey: CryptoKey, projectId: string, stored: string | null) {
  return stored === null || isSealed(stored) ? stored : sealWebhookSecret(masterKey, projectId, stored);
}

/**
 * Seals the row's plaintext secrets (if any), only while the row still holds what was read: a
 * rotation meanwhile wins and is sealed already. Returns the row as stored now, as far as known.
 */
export async function sealRow(
  db: Db,
  masterKey: CryptoKey,
  row: ProjectWebhookRow,
): Promise<ProjectWebhookRow> {
  const current = await sealedForm(masterKey, row.id, row.webhookSecret);
  const previous = await sealedForm(masterKey, row.id, row.webhookSecretPrevious);
  if (current === row.webhookSecret && previous === row.webhookSecretPrevious) return row;
  const read = { current: row.webhookSecret, previous: row.webhookSecretPrevious };
  if (!(await sealStoredSecrets(db, row.id, read, { current, previous }))) return row;
  return { ...row, webhookSecret: current, webhookSecretPrevious: previous };
}

/**
 * Opens the row's secrets; with a master key, a plaintext one left from before encryption is sealed
 * on the way. Throws WebhookSecretUnavailable when a sealed one cannot be opened.
 */
export async function openProject(
  db: Db,
  masterKey: CryptoKey | null,
  row: ProjectWebhookRow,
): Promise<OpenedProject> {
  const open = (stored: string | null) =>
    stored === null ? Promise.resolve(null) : openWebhookSecret(masterKey, row.id, stored);
  const [current, previous] = await Promise.all([open(row.webhookSecret), open(row.webhookSecretPrevious)]);
  return { row: masterKey ? await sealRow(db, masterKey, row) : row, current, previous };
}

/**
 * The project's secrets, with a current one: a project that has none (it never had a URL of its
 * own, only jobs that name one) gets one now, which nobody has seen; rotating shows a new one.
 * Re-read after the conditional write, so concurrent callers agree on one secret.
 */
export async function openProjectForSigning(
  db: Db,
  masterKey: CryptoKey | null,
  row: ProjectWebhookRow,
): Promise<OpenedProject & { current: string }> {
  const opened = await openProject(db, masterKey, row);
  if (opened.current !== null) return { ...opened, current: opened.current };
  if (!masterKey) {
    throw new WebhookSecretUnavailable(
      `project ${row.id} has no webhook secret, and PROVIDER_KEYS_MASTER_KEY is not set to store one`,
    );
  }
  await setProjectSecretIfMissing(
    db,
    row.id,
    await sealWebhookSecret(masterKey, row.id, generateWebhookSecret()),
  );
  const reread = await getProjectWebhook(db, row.id);
  if (!reread?.webhookSecret) throw new Error(`project ${row.id} has no webhook secret after setting one`);
  const again = await openProject(db, masterKey, reread);
  return { ...again, current: again.current! };
}

const PAGE = 100;
const MAX_PAGES = 20;

/**
 * The upgrade step (the consumer's housekeeping): seals every plaintext secret left from before
 * encryption, up to 2,000 projects a run. Returns how many rows it sealed.
 */
export async function sealPlaintextWebhookSecrets(db: Db, masterKey: CryptoKey): Promise<number> {
  let sealed = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const rows = await projectsWithPlaintextSecrets(db, PAGE);
    for (const row of rows) if ((await sealRow(db, masterKey, row)) !== row) sealed++;
    if (rows.length < PAGE) break;
  }
  return sealed;
}

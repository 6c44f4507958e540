// Webhook signing secrets at rest: `enc:v1:` + AES-GCM-256 under the master key of provider keys
// (PROVIDER_KEYS_MASTER_KEY, shared/providers/keys/crypto.ts), with the project id as additional
// authenticated data, so a value copied to another project's row does not decrypt. A stored value
// without the prefix is a plaintext `whsec_` from before encryption: it still signs, and is sealed
// on its next use with a master key at hand (or by the consumer's housekeeping).
// No message here contains a secret or a stored value: they end up in logs.
import { DecryptError, decryptSecret, encryptSecret } from "../providers/keys/crypto";

export const SEALED_PREFIX = "enc:v1:";

/** The stored value is encrypted (not a plaintext secret from before encryption). */
export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED_PREFIX);
}

/** Binds a sealed secret to its project: the current and previous columns share it (rotation moves one to the other). */
export function webhookSecretAad(projectId: string): string {
  return `project_webhook_secret:${projectId}`;
}

/** A stored secret that cannot be read: no master key, the wrong one, another project's value, or tampered. */
export class WebhookSecretUnavailable extends Error {
  override readonly name = "WebhookSecretUnavailable";
}

export async function sealWebhookSecret(
  masterKey: CryptoKey,
  projectId: string,
  secret: string,
): Promise<string> {
  return SEALED_PREFIX + (await encryptSecret(masterKey, secret, webhookSecretAad(projectId)));
}

/** The plaintext secret of a stored value (a plaintext one as it is). */
export async function openWebhookSecret(
  masterKey: CryptoKey | null,
  projectId: string,
  stored: string,
): Promise<string> {
  if (!isSealed(stored)) return stored;
  if (!masterKey) {
    throw new WebhookSecretUnavailable(
      `project ${projectId}: its webhook secret is encrypted and PROVIDER_KEYS_MASTER_KEY is not set`,
    );
  }
  try {
    return await decryptSecret(masterKey, stored.slice(SEALED_PREFIX.length), webhookSecretAad(projectId));
  } catch (error) {
    if (!(error instanceof DecryptError)) throw error;
    throw new WebhookSecretUnavailable(
      `project ${projectId}: its webhook secret does not decrypt (wrong PROVIDER_KEYS_MASTER_KEY, another project's value, or tampered)`,
    );
  }
}

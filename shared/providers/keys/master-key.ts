// The master key of provider-key encryption comes from the Worker secret PROVIDER_KEYS_MASTER_KEY.
// Secrets are not in wrangler.toml, so the generated Env types do not declare it: this is the one
// typed accessor both Workers read it through.
import { importMasterKey } from "./crypto";

export interface MasterKeyEnv {
  PROVIDER_KEYS_MASTER_KEY?: string;
}

/** The secret's value when it is set and non-empty. */
export function masterKeySecret(env: object): string | undefined {
  const value = (env as MasterKeyEnv).PROVIDER_KEYS_MASTER_KEY;
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

const imported = new WeakMap<object, CryptoKey>();

/**
 * The imported master key, or null when the secret is not set. Throws MasterKeyError when it is
 * set but malformed. Imported once per env object (the runtime reuses it across invocations).
 */
export async function masterKeyFrom(env: object): Promise<CryptoKey | null> {
  const cached = imported.get(env);
  if (cached) return cached;
  const secret = masterKeySecret(env);
  if (!secret) return null;
  const key = await importMasterKey(secret);
  imported.set(env, key);
  return key;
}

// Which API key a provider call uses: the instance's own keys first (primary, then the others
// newest first), else the Worker secret <PROVIDER>_API_KEY (callProvider's fallback when no key
// is passed). Decrypted keys are cached per isolate for 30 s; no key is ever logged, only row ids.
import type { Db } from "../../shared/db/client";
import type { ProviderName } from "../../shared/jobs/enums";
import { ProviderError } from "../../shared/providers/errors";
import { MasterKeyError } from "../../shared/providers/keys/crypto";
import { masterKeyFrom } from "../../shared/providers/keys/master-key";
import { hasInstanceKeys, type ResolvedKey, resolveInstanceKeys } from "../../shared/providers/keys/service";
import { getProvider } from "../../shared/providers/registry";
import { TtlCache } from "../../shared/ttl-cache";
import { log } from "./log";
import type { Gate, GrantedGate } from "./pacing";

export const INSTANCE_KEYS_TTL_MS = 30_000;
const cache = new TtlCache<readonly ResolvedKey[]>(INSTANCE_KEYS_TTL_MS);

export interface ProviderKeyDeps {
  env: object;
  db: Db;
  now(): number;
}

export interface KeyTarget {
  instanceId: string;
  provider: ProviderName;
}

async function usableMasterKey(env: object): Promise<CryptoKey | null> {
  try {
    return await masterKeyFrom(env);
  } catch (error) {
    if (!(error instanceof MasterKeyError)) throw error;
    log("error", "provider keys master key unusable", { error: error.message });
    return null;
  }
}

/**
 * The instance's keys for the provider, in the order to try them; [] when it has none (the Worker
 * secret applies). An instance that has keys none of which decrypt (no or wrong master key) gets
 * provider_not_configured rather than a silent fallback to the Worker secret, which would bill
 * the operator's account for the tenant's jobs.
 */
export async function instanceProviderKeys(
  deps: ProviderKeyDeps,
  target: KeyTarget,
): Promise<readonly ResolvedKey[]> {
  const { instanceId, provider } = target;
  if (!getProvider(provider).requiresKey) return [];
  const cacheKey = `${instanceId}:${provider}`;
  const now = deps.now();
  const hit = cache.get(cacheKey, now);
  if (hit) return hit;

  const masterKey = await usableMasterKey(deps.env);
  let undecryptable = 0;
  const keys = masterKey
    ? await resolveInstanceKeys(deps.db, masterKey, instanceId, provider, {
        onUndecryptable: (keyId) => {
          undecryptable++;
          log("error", "provider key does not decrypt", { instance_id: instanceId, provider, key_id: keyId });
        },
      })
    : [];
  if (
    keys.length === 0 &&
    (undecryptable > 0 || (!masterKey && (await hasInstanceKeys(deps.db, instanceId, provider))))
  ) {
    throw new ProviderError({
      code: "provider_not_configured",
      provider,
      message: `${provider}: the instance's API keys cannot be decrypted (check PROVIDER_KEYS_MASTER_KEY of the consumer)`,
    });
  }
  cache.set(cacheKey, keys, now);
  return keys;
}

/**
 * Runs a provider call with the instance's key (or none: the Worker secret). When the key is
 * rejected (provider_auth_failed) and the instance has another, the call is tried again with the
 * next one, on a fresh pacing slot. The first slot is released if the keys cannot be resolved.
 */
export async function runWithInstanceKeys<T>(
  deps: ProviderKeyDeps,
  target: KeyTarget,
  firstGate: GrantedGate,
  gateFor: () => Promise<Gate>,
  run: (apiKey: string | undefined, gate: GrantedGate) => Promise<T>,
): Promise<T> {
  let keys: readonly ResolvedKey[];
  try {
    keys = await instanceProviderKeys(deps, target);
  } catch (error) {
    await firstGate.release("not_called");
    throw error;
  }
  if (keys.length === 0) return run(undefined, firstGate);

  let gate = firstGate;
  for (let i = 0; ; i++) {
    const key = keys[i]!;
    try {
      return await run(key.apiKey, gate);
    } catch (error) {
      const next = keys[i + 1];
      if (!next || !(error instanceof ProviderError) || error.code !== "provider_auth_failed") throw error;
      log("warn", "provider key rejected, trying the instance's next key", {
        instance_id: target.instanceId,
        provider: target.provider,
        key_id: key.id,
        next_key_id: next.id,
      });
      const nextGate = await gateFor();
      if (nextGate.kind === "denied") throw error;
      gate = nextGate;
    }
  }
}

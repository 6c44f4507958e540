// The provider-key and project-webhook routes need the master key (Worker secret PROVIDER_KEYS_MASTER_KEY): without
// a usable one they answer 503 encryption_not_configured. The secret's value is never logged.
import { ApiError } from "../../shared/errors";
import { log } from "../../shared/observability/log";
import { MasterKeyError } from "../../shared/providers/keys/crypto";
import { masterKeyFrom } from "../../shared/providers/keys/master-key";

/** `what`: what cannot work without it, for the problem's detail (provider keys, webhook secrets). */
export async function requireMasterKey(env: object, what = "Provider keys"): Promise<CryptoKey> {
  let key: CryptoKey | null;
  try {
    key = await masterKeyFrom(env);
  } catch (error) {
    if (!(error instanceof MasterKeyError)) throw error;
    // For the operator: the message says what is wrong with the secret, never what it holds.
    log("error", "provider keys disabled", { error: error.message });
    throw new ApiError(
      "encryption_not_configured",
      "The encryption secret PROVIDER_KEYS_MASTER_KEY is not valid",
    );
  }
  if (!key) {
    throw new ApiError(
      "encryption_not_configured",
      `${what} cannot be stored or used: the Worker secret PROVIDER_KEYS_MASTER_KEY is not set`,
    );
  }
  return key;
}

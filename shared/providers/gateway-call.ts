// The gateway a provider call goes through, resolved in the consumer just before the call: the
// instance's stored settings with the token unsealed (master key of provider keys), the origin
// (AI_GATEWAY_BASE_URL, else Cloudflare's) and who the call is for. Async only for the token.
import { ProviderError } from "./errors";
import {
  AI_GATEWAY_ORIGIN_VAR,
  DEFAULT_AI_GATEWAY_ORIGIN,
  type GatewayCall,
  gatewayFor,
  gatewayMetadata,
  gatewayTokenAad,
  type StoredAiGateway,
} from "./gateway";
import { DecryptError, decryptSecret } from "./keys/crypto";
import { masterKeyFrom } from "./keys/master-key";

/** What the consumer knows of a job's gateway before a call: the stored settings and the ids. */
export interface GatewaySource {
  stored: StoredAiGateway | null;
  instanceId: string;
  projectId: string;
  jobId: string;
  requestId?: string;
}

export function gatewayOrigin(env: Record<string, unknown>): string {
  const v = env[AI_GATEWAY_ORIGIN_VAR];
  return typeof v === "string" && v.trim() !== "" ? v.trim() : DEFAULT_AI_GATEWAY_ORIGIN;
}

/**
 * The call's gateway, or null when the provider goes direct. A token that cannot be unsealed
 * fails the call as not configured: sending it without would only meet the gateway's 401.
 */
export async function resolveGatewayCall(
  env: Record<string, unknown>,
  source: GatewaySource | undefined,
  provider: string,
): Promise<GatewayCall | null> {
  const stored = gatewayFor(source?.stored ?? null, provider);
  if (!source || !stored) return null;
  let token: string | undefined;
  if (stored.tokenCiphertext !== null) {
    const fail = (why: string) =>
      new ProviderError({
        code: "provider_not_configured",
        provider,
        message: `${provider}: the instance's AI Gateway token ${why}; set it again (PUT /v1/admin/ai-gateway)`,
      });
    const masterKey = await masterKeyFrom(env).catch(() => null);
    if (!masterKey) throw fail("cannot be read: PROVIDER_KEYS_MASTER_KEY is missing or malformed");
    try {
      token = await decryptSecret(masterKey, stored.tokenCiphertext, gatewayTokenAad(source.instanceId));
    } catch (e) {
      if (e instanceof DecryptError) throw fail("does not decrypt with the current master key");
      throw e;
    }
  }
  return {
    origin: gatewayOrigin(env),
    accountId: stored.accountId,
    gatewayId: stored.gatewayId,
    ...(token ? { token } : {}),
    cacheTtlSeconds: stored.cacheTtlSeconds,
    skipCache: stored.skipCache,
    metadata: gatewayMetadata({
      instance_id: source.instanceId,
      project_id: source.projectId,
      job_id: source.jobId,
      request_id: source.requestId,
    }),
  };
}

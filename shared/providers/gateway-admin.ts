// An instance's AI Gateway as the admin API manages it: read, replace, remove. The token is sealed
// under the provider-key master key and never leaves as plaintext or ciphertext: views and audit
// records say only whether one is set. Every change writes its audit record in the same batch.
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { instances } from "../db/schema";
import { auditInsert, type ChangeContext } from "../tenancy/audit";
import { type GatewayProvider, gatewayTokenAad, type StoredAiGateway } from "./gateway";
import { encryptSecret } from "./keys/crypto";

export interface AiGatewayView {
  account_id: string;
  gateway_id: string;
  providers: GatewayProvider[];
  cache_ttl_seconds: number | null;
  skip_cache: boolean;
  token_set: boolean;
}

export interface AiGatewayInput {
  accountId: string;
  gatewayId: string;
  providers: GatewayProvider[];
  cacheTtlSeconds: number | null;
  skipCache: boolean;
  /** A new token; null removes the one set; undefined keeps it. */
  token?: string | null;
}

export function aiGatewayView(stored: StoredAiGateway | null): AiGatewayView | null {
  if (!stored) return null;
  return {
    account_id: stored.accountId,
    gateway_id: stored.gatewayId,
    providers: stored.providers,
    cache_ttl_seconds: stored.cacheTtlSeconds,
    skip_cache: stored.skipCache,
    token_set: stored.tokenCiphertext !== null,
  };
}

export async function getInstanceAiGateway(db: Db, instanceId: string): Promise<StoredAiGateway | null> {
  const row = await db
    .select({ aiGateway: instances.aiGateway })
    .from(instances)
    .where(eq(instances.id, instanceId))
    .get();
  return row?.aiGateway ?? null;
}

function audit(
  change: ChangeContext,
  action: string,
  instanceId: string,
  before: StoredAiGateway | null,
  after: StoredAiGateway | null,
) {
  return auditInsert(change, {
    organizationId: change.caller.organizationId,
    action,
    resourceType: "ai_gateway",
    resourceId: instanceId,
    before: { instance_id: instanceId, ai_gateway: aiGatewayView(before) },
    after: { instance_id: instanceId, ai_gateway: aiGatewayView(after) },
  });
}

/**
 * Replaces the instance's gateway settings. `masterKey` is asked for only when a new token is
 * given (so an instance without the secret can still use an unauthenticated gateway).
 */
export async function setInstanceAiGateway(
  change: ChangeContext,
  instanceId: string,
  input: AiGatewayInput,
  masterKey: () => Promise<CryptoKey>,
): Promise<AiGatewayView> {
  const before = await getInstanceAiGateway(change.db, instanceId);
  const tokenCiphertext =
    input.token === undefined
      ? (before?.tokenCiphertext ?? null)
      : input.token === null
        ? null
        : await encryptSecret(await masterKey(), input.token, gatewayTokenAad(instanceId));
  const after: StoredAiGateway = {
    accountId: input.accountId,
    gatewayId: input.gatewayId,
    providers: input.providers,
    cacheTtlSeconds: input.cacheTtlSeconds,
    skipCache: input.skipCache,
    tokenCiphertext,
  };
  const update = change.db.update(instances).set({ aiGateway: after }).where(eq(instances.id, instanceId));
  await change.db.batch([update, audit(change, "ai_gateway.update", instanceId, before, after)]);
  return aiGatewayView(after)!;
}

/** Back to calling providers directly; an instance with no gateway is left as it is (no record). */
export async function clearInstanceAiGateway(change: ChangeContext, instanceId: string): Promise<void> {
  const before = await getInstanceAiGateway(change.db, instanceId);
  if (!before) return;
  const update = change.db.update(instances).set({ aiGateway: null }).where(eq(instances.id, instanceId));
  await change.db.batch([update, audit(change, "ai_gateway.delete", instanceId, before, null)]);
}

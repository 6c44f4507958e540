import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { ApiKeyRole } from "../../jobs/enums";
import type { Db } from "../client";
import { apiKeys } from "../schema";

/** Who is calling: everything a handler needs to scope its queries to one tenant. */
export interface Principal {
  keyId: string;
  instanceId: string;
  projectId: string | null;
  role: ApiKeyRole;
}

export async function findActiveKeyByHash(db: Db, keyHash: string): Promise<Principal | null> {
  const row = await db
    .select({
      keyId: apiKeys.id,
      instanceId: apiKeys.instanceId,
      projectId: apiKeys.projectId,
      role: apiKeys.role,
    })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .get();
  return row ?? null;
}

const LAST_USED_RESOLUTION_MS = 60_000;

/** Records use at most once a minute per key, so a busy key does not cost a D1 write per request. */
export async function touchKeyLastUsed(db: Db, keyId: string, now: number): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.id, keyId),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - LAST_USED_RESOLUTION_MS)),
      ),
    );
}

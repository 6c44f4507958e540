// GET /v1/me: who the calling key is — the key, its owner, organization, instance and project.
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Caller } from "../db/queries/api-keys";
import { apiKeys, instances, organizations, projects, users } from "../db/schema";
import { ApiError } from "../errors";
import type { Role } from "../jobs/enums";
import { isoTimeOrNull } from "../time";

export interface MeView {
  object: "me";
  /** `role` is the key's effective role: the role it was made with, narrowed to its owner's current one. */
  key: { id: string; prefix: string; role: Role; expires_at: string | null };
  user: { id: string; email: string; name: string; role: Role } | null;
  organization: { id: string; name: string };
  instance: { id: string; name: string } | null;
  project: { id: string; name: string } | null;
}

export async function getMe(db: Db, caller: Caller): Promise<MeView> {
  const row = await db
    .select({
      key: { id: apiKeys.id, prefix: apiKeys.prefix, expiresAt: apiKeys.expiresAt },
      user: { id: users.id, email: users.email, name: users.name, role: users.role },
      organization: { id: organizations.id, name: organizations.name },
      instance: { id: instances.id, name: instances.name },
      project: { id: projects.id, name: projects.name },
    })
    .from(apiKeys)
    .innerJoin(organizations, eq(organizations.id, apiKeys.organizationId))
    .leftJoin(users, eq(users.id, apiKeys.userId))
    .leftJoin(instances, eq(instances.id, apiKeys.instanceId))
    .leftJoin(projects, eq(projects.id, apiKeys.projectId))
    .where(eq(apiKeys.id, caller.keyId))
    .get();
  // The key authenticated this request; it can only be gone if it was deleted since.
  if (!row) throw new ApiError("unauthorized", "Unknown, revoked or expired API key");
  return {
    object: "me",
    key: {
      id: row.key.id,
      prefix: row.key.prefix,
      role: caller.role,
      expires_at: isoTimeOrNull(row.key.expiresAt),
    },
    user: row.user,
    organization: row.organization,
    instance: row.instance,
    project: row.project,
  };
}

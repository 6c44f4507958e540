import { and, eq } from "drizzle-orm";
import type { Db } from "../client";
import { projects } from "../schema";

/** The project of the instance, if there is one: whether it is archived (archived projects take no jobs). */
export async function projectOfInstance(
  db: Db,
  projectId: string,
  instanceId: string,
): Promise<{ archived: boolean } | null> {
  const row = await db
    .select({ archivedAt: projects.archivedAt })
    .from(projects)
    .where(and(eq(projects.id, projectId), eq(projects.instanceId, instanceId)))
    .get();
  return row ? { archived: row.archivedAt !== null } : null;
}

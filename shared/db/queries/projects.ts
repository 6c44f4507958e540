import { and, eq } from "drizzle-orm";
import type { Db } from "../client";
import { projects } from "../schema";

export async function projectBelongsToInstance(
  db: Db,
  projectId: string,
  instanceId: string,
): Promise<boolean> {
  const row = await db
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.id, projectId), eq(projects.instanceId, instanceId)))
    .get();
  return row !== undefined;
}

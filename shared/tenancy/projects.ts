// Projects: light metadata inside an instance (a name, a webhook target). A caller sees the
// projects of the instances it reaches (shared/tenancy/reach.ts); users may create them there, admins
// also rename and archive them. An archived project is never deleted: its jobs stay readable, and a
// change to it is 409 archived. Every change writes its audit record in the same batch.
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Caller } from "../db/queries/api-keys";
import { afterCursor, newestFirst, toPage } from "../db/pages";
import { instances, projects } from "../db/schema";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { isoTime } from "../time";
import { type AuditEntry, type ChangeContext, auditInsert } from "./audit";
import { auditInsertWhen } from "./audit-when";
import { PREVIOUS_STATEMENT_CHANGED } from "./changed";
import type { ListPage } from "./organizations";
import { type PageRequest, pageCursor } from "./page-cursor";
import { instanceFilter, organizationFilter, reachableInstance } from "./reach";

export const projectStatuses = ["active", "archived"] as const;
export type ProjectStatus = (typeof projectStatuses)[number];

/** A project as the API shows it (never its webhook secret: see shared/webhooks/projects.ts). */
export interface ProjectView {
  id: string;
  object: "project";
  instance_id: string;
  name: string;
  status: ProjectStatus;
  webhook_url: string | null;
  created_at: string;
}

/** The columns a project view needs, with its instance's organization. */
const projectColumns = {
  id: projects.id,
  instanceId: projects.instanceId,
  name: projects.name,
  webhookUrl: projects.webhookUrl,
  archivedAt: projects.archivedAt,
  createdAt: projects.createdAt,
  organizationId: instances.organizationId,
};
type ProjectViewRow = Pick<
  typeof projects.$inferSelect,
  "id" | "instanceId" | "name" | "webhookUrl" | "archivedAt" | "createdAt"
>;
type ProjectRow = ProjectViewRow & { organizationId: string };

export function projectView(row: ProjectViewRow): ProjectView {
  return {
    id: row.id,
    object: "project",
    instance_id: row.instanceId,
    name: row.name,
    status: row.archivedAt === null ? "active" : "archived",
    webhook_url: row.webhookUrl,
    created_at: isoTime(row.createdAt),
  };
}

async function instanceOr404(db: Db, caller: Caller, instanceId: string) {
  const instance = await reachableInstance(db, caller, instanceId);
  if (!instance) throw new ApiError("instance_not_found", `No instance ${instanceId}`);
  return instance;
}

/** The projects of the instances the caller reaches (optionally of one of them), newest first. */
export async function listProjects(
  db: Db,
  caller: Caller,
  query: PageRequest & { instanceId?: string },
): Promise<ListPage<ProjectView>> {
  const cursor = pageCursor(query.cursor);
  if (query.instanceId !== undefined) await instanceOr404(db, caller, query.instanceId);
  const rows = await db
    .select(projectColumns)
    .from(projects)
    .innerJoin(instances, eq(instances.id, projects.instanceId))
    .where(
      and(
        organizationFilter(caller, instances.organizationId),
        await instanceFilter(db, caller, projects.instanceId),
        query.instanceId === undefined ? undefined : eq(projects.instanceId, query.instanceId),
        afterCursor(projects, cursor),
      ),
    )
    .orderBy(...newestFirst(projects))
    .limit(query.limit + 1)
    .all();
  const { rows: data, nextCursor } = toPage(rows, query.limit);
  return { object: "list", data: data.map(projectView), next_cursor: nextCursor };
}

/** The project if the caller reaches its instance; 404 project_not_found otherwise. */
async function projectOr404(db: Db, caller: Caller, projectId: string): Promise<ProjectRow> {
  const row = await db
    .select(projectColumns)
    .from(projects)
    .innerJoin(instances, eq(instances.id, projects.instanceId))
    .where(
      and(
        eq(projects.id, projectId),
        organizationFilter(caller, instances.organizationId),
        await instanceFilter(db, caller, projects.instanceId),
      ),
    )
    .get();
  if (!row) throw new ApiError("project_not_found", `No project ${projectId}`);
  return row;
}

async function activeProjectOr4xx(db: Db, caller: Caller, projectId: string): Promise<ProjectRow> {
  const row = await projectOr404(db, caller, projectId);
  if (row.archivedAt !== null) throw new ApiError("archived", `Project ${projectId} is archived`);
  return row;
}

export async function getProject(db: Db, caller: Caller, projectId: string): Promise<ProjectView> {
  return projectView(await projectOr404(db, caller, projectId));
}

export interface NewProject {
  name: string;
  /** Default: the calling key's instance (an organization-wide key must name one). */
  instanceId?: string;
}

/**
 * A new project in an instance the caller reaches (a user: one it is assigned to). An instance out
 * of reach is 404, an archived one 409 archived. No webhook secret yet: a project's secret is made
 * by the admin who sets its URL (or rotates), the one answer that shows it.
 */
export async function createProject(ctx: ChangeContext, input: NewProject): Promise<ProjectView> {
  const { db, caller } = ctx;
  const instanceId = input.instanceId ?? caller.instanceId;
  if (instanceId === null) {
    throw new ApiError("validation_failed", "An organization-wide key must name the project's instance", [
      { path: "instance_id", message: "Required for an organization-wide key" },
    ]);
  }
  const instance = await instanceOr404(db, caller, instanceId);
  if (instance.archivedAt !== null) {
    throw new ApiError("archived", `Instance ${instanceId} is archived: it takes no new projects`);
  }
  const row = {
    id: newId("prj"),
    instanceId,
    name: input.name,
    webhookUrl: null,
    archivedAt: null,
    createdAt: ctx.now,
  };
  const view = projectView(row);
  await db.batch([
    db.insert(projects).values(row),
    auditInsert(ctx, {
      organizationId: instance.organizationId,
      action: "project.create",
      resourceType: "project",
      resourceId: row.id,
      after: { ...view },
    }),
  ]);
  return view;
}

/**
 * Applies `set` to the project if it is still active, with its audit record only if it did (a
 * concurrent archive wins: then 409 archived and no record).
 */
async function changeActiveProject(
  ctx: ChangeContext,
  projectId: string,
  set: { name?: string; archivedAt?: number },
  entry: AuditEntry,
): Promise<void> {
  const { db } = ctx;
  const [result] = await db.batch([
    db
      .update(projects)
      .set(set)
      .where(and(eq(projects.id, projectId), isNull(projects.archivedAt))),
    auditInsertWhen(ctx, entry, PREVIOUS_STATEMENT_CHANGED),
  ]);
  if ((result as D1Result).meta.changes !== 1)
    throw new ApiError("archived", `Project ${projectId} is archived`);
}

/** Renames a project; an archived one is 409 archived. */
export async function updateProject(
  ctx: ChangeContext,
  projectId: string,
  patch: { name?: string },
): Promise<ProjectView> {
  const row = await activeProjectOr4xx(ctx.db, ctx.caller, projectId);
  const before = projectView(row);
  const after = projectView({ ...row, name: patch.name ?? row.name });
  await changeActiveProject(
    ctx,
    projectId,
    { name: after.name },
    {
      organizationId: row.organizationId,
      action: "project.update",
      resourceType: "project",
      resourceId: projectId,
      before: { ...before },
      after: { ...after },
    },
  );
  return after;
}

/** Archives a project (its jobs stay readable; changes to it become 409). Archiving twice is 409 archived. */
export async function archiveProject(ctx: ChangeContext, projectId: string): Promise<ProjectView> {
  const row = await activeProjectOr4xx(ctx.db, ctx.caller, projectId);
  const before = projectView(row);
  const after = projectView({ ...row, archivedAt: ctx.now });
  await changeActiveProject(
    ctx,
    projectId,
    { archivedAt: ctx.now },
    {
      organizationId: row.organizationId,
      action: "project.archive",
      resourceType: "project",
      resourceId: projectId,
      before: { ...before },
      after: { ...after },
    },
  );
  return after;
}

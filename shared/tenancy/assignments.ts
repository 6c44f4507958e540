// Assignments: which instances a `user` may use (admins manage every instance of their
// organization anyway). An admin assigns the users of its organization to the instances of that
// same organization it reaches; a user reads its own assignments. Assigning twice and unassigning
// what is not assigned are both no-ops (no audit record); every real change writes one in the
// same batch.
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Caller } from "../db/queries/api-keys";
import { afterCursor, newestFirst, toPage } from "../db/pages";
import { apiKeys, userInstances } from "../db/schema";
import { ApiError } from "../errors";
import { isoTime } from "../time";
import type { ChangeContext } from "./audit";
import { auditInsertWhen } from "./audit-when";
import { forgetKeys } from "./key-cache";
import { PREVIOUS_STATEMENT_CHANGED } from "./changed";
import type { ListPage } from "./organizations";
import { type PageRequest, pageCursor } from "./page-cursor";
import { type InstanceRow, reachableInstance } from "./reach";
import { activeUserOr4xx, type UserRow, userOr404 } from "./users";

type AssignmentRow = typeof userInstances.$inferSelect;

/** An assignment as the API shows it. */
export interface AssignmentView {
  object: "assignment";
  user_id: string;
  instance_id: string;
  created_at: string;
}

export function assignmentView(row: AssignmentRow): AssignmentView {
  return {
    object: "assignment",
    user_id: row.userId,
    instance_id: row.instanceId,
    created_at: isoTime(row.createdAt),
  };
}

/** Pages over (created_at, instance_id): an assignment's key within one user. */
const pageColumns = { createdAt: userInstances.createdAt, id: userInstances.instanceId };

/** The user's assignments, newest first (a user: only its own). */
export async function listAssignments(
  db: Db,
  caller: Caller,
  userId: string,
  page: PageRequest,
): Promise<ListPage<AssignmentView>> {
  const cursor = pageCursor(page.cursor);
  await userOr404(db, caller, userId);
  const rows = await db
    .select()
    .from(userInstances)
    .where(and(eq(userInstances.userId, userId), afterCursor(pageColumns, cursor)))
    .orderBy(...newestFirst(pageColumns))
    .limit(page.limit + 1)
    .all();
  const { rows: data, nextCursor } = toPage(
    rows.map((row) => ({ ...row, id: row.instanceId })),
    page.limit,
  );
  return { object: "list", data: data.map(assignmentView), next_cursor: nextCursor };
}

/** An instance of the user's own organization that the caller reaches; 404 instance_not_found otherwise. */
async function instanceForUserOr404(
  db: Db,
  caller: Caller,
  user: UserRow,
  instanceId: string,
): Promise<InstanceRow> {
  const instance = await reachableInstance(db, caller, instanceId);
  if (!instance || instance.organizationId !== user.organizationId) {
    throw new ApiError("instance_not_found", `No instance ${instanceId} in the user's organization`);
  }
  return instance;
}

async function findAssignment(db: Db, userId: string, instanceId: string) {
  return db
    .select()
    .from(userInstances)
    .where(and(eq(userInstances.userId, userId), eq(userInstances.instanceId, instanceId)))
    .get();
}

const resourceId = (userId: string, instanceId: string) => `${userId}:${instanceId}`;

/**
 * Assigns the user to the instance (idempotent: an existing assignment is answered as it is). The
 * user must be active and the instance not archived (409 archived).
 */
export async function assignInstance(
  ctx: ChangeContext,
  userId: string,
  instanceId: string,
): Promise<AssignmentView> {
  const { db, caller } = ctx;
  const user = await activeUserOr4xx(db, caller, userId);
  const instance = await instanceForUserOr404(db, caller, user, instanceId);
  const existing = await findAssignment(db, userId, instanceId);
  if (existing) return assignmentView(existing);
  if (instance.archivedAt !== null) throw new ApiError("archived", `Instance ${instanceId} is archived`);
  const row: AssignmentRow = { userId, instanceId, createdAt: ctx.now };
  const view = assignmentView(row);
  await db.batch([
    db.insert(userInstances).values(row).onConflictDoNothing(),
    auditInsertWhen(
      ctx,
      {
        organizationId: user.organizationId,
        action: "assignment.create",
        resourceType: "assignment",
        resourceId: resourceId(userId, instanceId),
        after: { ...view },
      },
      PREVIOUS_STATEMENT_CHANGED,
    ),
  ]);
  // The user's cached keys learn the assignment at once in this isolate (others within the TTL).
  await forgetKeys(db, eq(apiKeys.userId, userId));
  // A concurrent assign may have won: answer the assignment as stored.
  const stored = await findAssignment(db, userId, instanceId);
  return stored ? assignmentView(stored) : view;
}

/** Removes the assignment; one that does not exist is a no-op (the route answers 204 either way). */
export async function unassignInstance(
  ctx: ChangeContext,
  userId: string,
  instanceId: string,
): Promise<void> {
  const { db, caller } = ctx;
  const user = await userOr404(db, caller, userId);
  await instanceForUserOr404(db, caller, user, instanceId);
  const existing = await findAssignment(db, userId, instanceId);
  if (!existing) return;
  await db.batch([
    db
      .delete(userInstances)
      .where(and(eq(userInstances.userId, userId), eq(userInstances.instanceId, instanceId))),
    auditInsertWhen(
      ctx,
      {
        organizationId: user.organizationId,
        action: "assignment.delete",
        resourceType: "assignment",
        resourceId: resourceId(userId, instanceId),
        before: { ...assignmentView(existing) },
      },
      PREVIOUS_STATEMENT_CHANGED,
    ),
  ]);
  await forgetKeys(db, eq(apiKeys.userId, userId));
}

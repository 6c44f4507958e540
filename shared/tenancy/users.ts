// Users: the people (or service accounts) of an organization; their role bounds what their keys
// may do. A super_admin manages everyone, an admin the users of its organization, a user sees only
// itself. A role is given only by a caller that could hold it (canGrant), nobody changes its own
// role, and a user is disabled, never deleted: its keys stop at once in this isolate (the key
// lookup refuses them everywhere within its cache TTL). Every change writes its audit record in
// the same batch.
import { and, eq, isNull, type SQL, sql } from "drizzle-orm";
import { canGrant } from "../auth/policy";
import type { Db } from "../db/client";
import type { Caller } from "../db/queries/api-keys";
import { afterCursor, newestFirst, toPage } from "../db/pages";
import { apiKeys, users } from "../db/schema";
import { ApiError } from "../errors";
import { newId } from "../ids";
import type { Role } from "../jobs/enums";
import { isoTime } from "../time";
import { type AuditEntry, type ChangeContext, auditInsert } from "./audit";
import { auditInsertWhen } from "./audit-when";
import { PREVIOUS_STATEMENT_CHANGED } from "./changed";
import { forgetKeys } from "./key-cache";
import { type ListPage, reachableOrganization } from "./organizations";
import { type PageRequest, pageCursor } from "./page-cursor";
import { organizationFilter } from "./reach";

export const userStatuses = ["active", "disabled"] as const;
export type UserStatus = (typeof userStatuses)[number];

export type UserRow = typeof users.$inferSelect;

/** A user as the API shows it. */
export interface UserView {
  id: string;
  object: "user";
  organization_id: string;
  email: string;
  name: string;
  role: Role;
  status: UserStatus;
  created_at: string;
}

export function userView(row: UserRow): UserView {
  return {
    id: row.id,
    object: "user",
    organization_id: row.organizationId,
    email: row.email,
    name: row.name,
    role: row.role,
    status: row.disabledAt === null ? "active" : "disabled",
    created_at: isoTime(row.createdAt),
  };
}

/** Emails are compared and stored in lower case. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The users a caller reaches: its organization's (all, for a super_admin); a user only itself. */
function userScope(caller: Caller): SQL | undefined {
  const self = caller.role !== "user" ? undefined : caller.userId ? eq(users.id, caller.userId) : sql`false`;
  return and(organizationFilter(caller, users.organizationId), self);
}

/** The user if the caller reaches it; 404 user_not_found otherwise. */
export async function userOr404(db: Db, caller: Caller, userId: string): Promise<UserRow> {
  const row = await db
    .select()
    .from(users)
    .where(and(eq(users.id, userId), userScope(caller)))
    .get();
  if (!row) throw new ApiError("user_not_found", `No user ${userId}`);
  return row;
}

/** The user if the caller reaches it and it is active; a disabled one is 409 archived. */
export async function activeUserOr4xx(db: Db, caller: Caller, userId: string): Promise<UserRow> {
  const row = await userOr404(db, caller, userId);
  if (row.disabledAt !== null) throw new ApiError("archived", `User ${userId} is disabled`);
  return row;
}

/** A caller manages only users whose role it could grant (an admin does not manage a super_admin). */
function requireManageable(caller: Caller, target: UserRow): void {
  if (!canGrant(caller.role, target.role)) {
    throw new ApiError("forbidden", `A ${caller.role} key may not change a ${target.role}`);
  }
}

function requireGrantable(caller: Caller, role: Role): void {
  if (!canGrant(caller.role, role)) {
    throw new ApiError("forbidden", `A ${caller.role} key may not give the role ${role}`);
  }
}

/** The users the caller reaches (optionally of one organization), newest first. */
export async function listUsers(
  db: Db,
  caller: Caller,
  query: PageRequest & { organizationId?: string },
): Promise<ListPage<UserView>> {
  const cursor = pageCursor(query.cursor);
  if (
    query.organizationId !== undefined &&
    !(await reachableOrganization(db, caller, query.organizationId))
  ) {
    throw new ApiError("organization_not_found", `No organization ${query.organizationId}`);
  }
  const rows = await db
    .select()
    .from(users)
    .where(
      and(
        userScope(caller),
        query.organizationId === undefined ? undefined : eq(users.organizationId, query.organizationId),
        afterCursor(users, cursor),
      ),
    )
    .orderBy(...newestFirst(users))
    .limit(query.limit + 1)
    .all();
  const { rows: data, nextCursor } = toPage(rows, query.limit);
  return { object: "list", data: data.map(userView), next_cursor: nextCursor };
}

export async function getUser(db: Db, caller: Caller, userId: string): Promise<UserView> {
  return userView(await userOr404(db, caller, userId));
}

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  /** Only a super_admin may name another organization than its own; default the caller's. */
  organizationId?: string;
}

async function emailTaken(db: Db, email: string): Promise<boolean> {
  const row = await db
    .select({ id: users.id })
    .from(users)
    .where(sql`lower(${users.email}) = ${email}`)
    .get();
  return row !== undefined;
}

const isUniqueViolation = (err: unknown) => /UNIQUE constraint failed/i.test(String(err));

/**
 * A new user of the caller's organization (a super_admin: of any organization) with a role the
 * caller could hold itself. The email is unique system-wide, compared in lower case.
 */
export async function createUser(ctx: ChangeContext, input: NewUser): Promise<UserView> {
  const { db, caller } = ctx;
  const organizationId = input.organizationId ?? caller.organizationId;
  if (organizationId !== caller.organizationId && caller.role !== "super_admin") {
    throw new ApiError("forbidden", "Only a super_admin may create a user in another organization");
  }
  requireGrantable(caller, input.role);
  const organization = await reachableOrganization(db, caller, organizationId);
  if (!organization) throw new ApiError("organization_not_found", `No organization ${organizationId}`);
  if (organization.disabledAt !== null) {
    throw new ApiError("archived", `Organization ${organizationId} is disabled`);
  }
  const email = normalizeEmail(input.email);
  const taken = () => new ApiError("email_taken", `A user with the email ${email} already exists`);
  if (await emailTaken(db, email)) throw taken();
  const row: UserRow = {
    id: newId("usr"),
    organizationId,
    email,
    name: input.name,
    role: input.role,
    disabledAt: null,
    createdAt: ctx.now,
  };
  const view = userView(row);
  try {
    await db.batch([
      db.insert(users).values(row),
      auditInsert(ctx, {
        organizationId,
        action: "user.create",
        resourceType: "user",
        resourceId: row.id,
        after: { ...view },
      }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw taken(); // a concurrent create with the same email won
    throw err;
  }
  return view;
}

/**
 * Applies `set` to the user if it is still active, with its audit record only if it did (a
 * concurrent disable wins: then 409 archived and no record).
 */
async function changeActiveUser(
  ctx: ChangeContext,
  userId: string,
  set: { name?: string; role?: Role; disabledAt?: number },
  entry: AuditEntry,
): Promise<void> {
  const { db } = ctx;
  const [result] = await db.batch([
    db
      .update(users)
      .set(set)
      .where(and(eq(users.id, userId), isNull(users.disabledAt))),
    auditInsertWhen(ctx, entry, PREVIOUS_STATEMENT_CHANGED),
  ]);
  if ((result as D1Result).meta.changes !== 1) throw new ApiError("archived", `User ${userId} is disabled`);
}

export interface UserPatch {
  name?: string;
  role?: Role;
}

/**
 * Renames a user or changes its role. The caller must be able to grant both the user's current
 * role and the new one, and may not change its own role. A disabled user is 409 archived. A role
 * change drops the user's keys from this isolate's key cache, so their rights follow at once.
 */
export async function updateUser(ctx: ChangeContext, userId: string, patch: UserPatch): Promise<UserView> {
  const { db, caller } = ctx;
  const row = await activeUserOr4xx(db, caller, userId);
  requireManageable(caller, row);
  const role = patch.role ?? row.role;
  if (role !== row.role) {
    if (row.id === caller.userId) throw new ApiError("forbidden", "A key may not change its own user's role");
    requireGrantable(caller, role);
  }
  const next: UserRow = { ...row, name: patch.name ?? row.name, role };
  const before = userView(row);
  const after = userView(next);
  await changeActiveUser(
    ctx,
    userId,
    { name: next.name, role: next.role },
    {
      organizationId: row.organizationId,
      action: "user.update",
      resourceType: "user",
      resourceId: userId,
      before: { ...before },
      after: { ...after },
    },
  );
  if (before.role !== after.role) await forgetKeys(db, eq(apiKeys.userId, userId));
  return after;
}

/**
 * Disables a user: its keys stop working (the key lookup refuses a disabled user's keys; this
 * isolate forgets them at once, others within the key cache's TTL). Its keys, assignments and
 * history stay. A key may not disable its own user; disabling twice is 409 archived.
 */
export async function disableUser(ctx: ChangeContext, userId: string): Promise<UserView> {
  const { db, caller } = ctx;
  const row = await activeUserOr4xx(db, caller, userId);
  requireManageable(caller, row);
  if (row.id === caller.userId) {
    throw new ApiError("forbidden", "A key may not disable its own user (it would lock itself out)");
  }
  const before = userView(row);
  const after = userView({ ...row, disabledAt: ctx.now });
  await changeActiveUser(
    ctx,
    userId,
    { disabledAt: ctx.now },
    {
      organizationId: row.organizationId,
      action: "user.disable",
      resourceType: "user",
      resourceId: userId,
      before: { ...before },
      after: { ...after },
    },
  );
  await forgetKeys(db, eq(apiKeys.userId, userId));
  return after;
}

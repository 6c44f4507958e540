// Organizations: the top of the tenancy tree. A super_admin (organization-wide key) sees and
// creates all of them; every other key sees only its own. Disabling one stops all its keys (the
// key lookup refuses them); its data stays. Every change writes its audit record in the same batch.
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Caller } from "../db/queries/api-keys";
import { afterCursor, newestFirst, toPage } from "../db/pages";
import { apiKeys, organizations } from "../db/schema";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { isoTime } from "../time";
import { type ChangeContext, auditInsert } from "./audit";
import { forgetKeys } from "./key-cache";
import { type PageRequest, pageCursor } from "./page-cursor";

export const organizationStatuses = ["active", "disabled"] as const;
export type OrganizationStatus = (typeof organizationStatuses)[number];

export type OrganizationRow = typeof organizations.$inferSelect;

/** An organization as the API shows it. */
export interface OrganizationView {
  id: string;
  object: "organization";
  name: string;
  status: OrganizationStatus;
  created_at: string;
}

/** A page of an admin list, as the API answers it. */
export interface ListPage<T> {
  object: "list";
  data: T[];
  next_cursor: string | null;
}

export function organizationView(row: OrganizationRow): OrganizationView {
  return {
    id: row.id,
    object: "organization",
    name: row.name,
    status: row.disabledAt === null ? "active" : "disabled",
    created_at: isoTime(row.createdAt),
  };
}

/** An organization-wide super_admin key reaches every organization; any other key only its own. */
function seesAllOrganizations(caller: Caller): boolean {
  return caller.role === "super_admin" && caller.instanceId === null;
}

export function reachesOrganizationRow(caller: Caller, organizationId: string): boolean {
  return seesAllOrganizations(caller) || caller.organizationId === organizationId;
}

/** Organization-level changes need an organization-wide key: a key narrowed to an instance manages that instance only. */
export function requireOrganizationWideKey(caller: Caller, doing: string): void {
  if (caller.instanceId !== null) {
    throw new ApiError(
      "forbidden",
      `A key narrowed to an instance may not ${doing}: use an organization-wide key`,
    );
  }
}

export async function listOrganizations(
  db: Db,
  caller: Caller,
  page: PageRequest,
): Promise<ListPage<OrganizationView>> {
  const cursor = pageCursor(page.cursor);
  const scope = seesAllOrganizations(caller) ? undefined : eq(organizations.id, caller.organizationId);
  const rows = await db
    .select()
    .from(organizations)
    .where(and(scope, afterCursor(organizations, cursor)))
    .orderBy(...newestFirst(organizations))
    .limit(page.limit + 1)
    .all();
  const { rows: data, nextCursor } = toPage(rows, page.limit);
  return { object: "list", data: data.map(organizationView), next_cursor: nextCursor };
}

/** The organization if it exists and the caller reaches it; null otherwise (answer 404). */
export async function reachableOrganization(
  db: Db,
  caller: Caller,
  organizationId: string,
): Promise<OrganizationRow | null> {
  if (!reachesOrganizationRow(caller, organizationId)) return null;
  return (await db.select().from(organizations).where(eq(organizations.id, organizationId)).get()) ?? null;
}

async function organizationOr404(db: Db, caller: Caller, organizationId: string): Promise<OrganizationRow> {
  const row = await reachableOrganization(db, caller, organizationId);
  if (!row) throw new ApiError("organization_not_found", `No organization ${organizationId}`);
  return row;
}

export async function getOrganization(
  db: Db,
  caller: Caller,
  organizationId: string,
): Promise<OrganizationView> {
  return organizationView(await organizationOr404(db, caller, organizationId));
}

/** A new organization (super_admin only, by policy). Its audit record is system-wide (no organization). */
export async function createOrganization(
  ctx: ChangeContext,
  input: { name: string },
): Promise<OrganizationView> {
  requireOrganizationWideKey(ctx.caller, "create organizations");
  const row: OrganizationRow = { id: newId("org"), name: input.name, disabledAt: null, createdAt: ctx.now };
  const view = organizationView(row);
  await ctx.db.batch([
    ctx.db.insert(organizations).values(row),
    auditInsert(ctx, {
      organizationId: null,
      action: "organization.create",
      resourceType: "organization",
      resourceId: row.id,
      after: { ...view },
    }),
  ]);
  return view;
}

export interface OrganizationPatch {
  name?: string;
  status?: OrganizationStatus;
}

/**
 * Renames an organization (its admins) or enables / disables it (super_admin only, and never the
 * caller's own, which would lock the caller out). A status change drops the organization's keys
 * from this isolate's key cache, so they stop (or start) working here at once.
 */
export async function updateOrganization(
  ctx: ChangeContext,
  organizationId: string,
  patch: OrganizationPatch,
): Promise<OrganizationView> {
  const { db, caller } = ctx;
  const row = await organizationOr404(db, caller, organizationId);
  requireOrganizationWideKey(caller, "change the organization");
  if (patch.status !== undefined && caller.role !== "super_admin") {
    throw new ApiError("forbidden", "Only a super_admin may enable or disable an organization");
  }
  if (patch.status === "disabled" && organizationId === caller.organizationId) {
    throw new ApiError("forbidden", "A key may not disable its own organization (it would lock itself out)");
  }
  const disabledAt =
    patch.status === undefined
      ? row.disabledAt
      : patch.status === "disabled"
        ? (row.disabledAt ?? ctx.now)
        : null;
  const next: OrganizationRow = { ...row, name: patch.name ?? row.name, disabledAt };
  const before = organizationView(row);
  const after = organizationView(next);
  await db.batch([
    db
      .update(organizations)
      .set({ name: next.name, disabledAt: next.disabledAt })
      .where(eq(organizations.id, organizationId)),
    auditInsert(ctx, {
      organizationId,
      action: "organization.update",
      resourceType: "organization",
      resourceId: organizationId,
      before: { ...before },
      after: { ...after },
    }),
  ]);
  if (before.status !== after.status) await forgetKeys(db, eq(apiKeys.organizationId, organizationId));
  return after;
}

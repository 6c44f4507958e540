// Instances: the unit of resources inside an organization (provider keys, pacing limits, fallback
// chain, R2 prefix, budget). Admins create and change them; users read the ones they are assigned
// to. An instance is archived, never deleted: its jobs stay readable, its keys stop working.
// Every change writes its audit record in the same batch.
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Caller } from "../db/queries/api-keys";
import { afterCursor, newestFirst, toPage } from "../db/pages";
import { apiKeys, instances } from "../db/schema";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { isoTime } from "../time";
import { type ChangeContext, auditInsert } from "./audit";
import { forgetKeys } from "./key-cache";
import { forgetImageUrlTtl } from "../images/job-urls";
import { DEFAULT_ARCHIVE_AFTER_DAYS } from "../jobs/archive";
import { type ListPage, reachableOrganization, requireOrganizationWideKey } from "./organizations";
import { type PageRequest, pageCursor } from "./page-cursor";
import { type InstanceRow, instanceFilter, organizationFilter, reachableInstance } from "./reach";

export const instanceStatuses = ["active", "archived"] as const;
export type InstanceStatus = (typeof instanceStatuses)[number];

/** An instance as the API shows it. */
export interface InstanceView {
  id: string;
  object: "instance";
  organization_id: string;
  name: string;
  status: InstanceStatus;
  monthly_budget_usd: number | null;
  fallback_providers: string[] | null;
  r2_prefix: string;
  /** Lifetime of the signed image URLs the job views hand out; null: the default (shared/images/signed-url.ts). */
  image_url_ttl_seconds: number | null;
  /** Days a succeeded job's images are kept (the housekeeping cron removes them after); null: forever. */
  image_retention_days: number | null;
  /** Days after which an ended job moves to the R2 archive (shared/jobs/archive.ts). */
  archive_after_days: number;
  created_at: string;
}

export const MIN_IMAGE_RETENTION_DAYS = 1;
export const MAX_IMAGE_RETENTION_DAYS = 3650;

/**
 * The R2 key prefix of the instance's images: the consumer stores them as
 * `{instance}/{project}/{job}/{n}.{ext}` (consumers/src/store-images.ts), so this is `{instance}/`.
 */
export function instanceR2Prefix(instanceId: string): string {
  return `${instanceId}/`;
}

export function instanceView(row: InstanceRow): InstanceView {
  return {
    id: row.id,
    object: "instance",
    organization_id: row.organizationId,
    name: row.name,
    status: row.archivedAt === null ? "active" : "archived",
    monthly_budget_usd: row.monthlyBudgetUsd,
    fallback_providers: row.fallbackProviders,
    r2_prefix: instanceR2Prefix(row.id),
    image_url_ttl_seconds: row.imageUrlTtlSeconds,
    image_retention_days: row.imageRetentionDays,
    archive_after_days: row.archiveAfterDays,
    created_at: isoTime(row.createdAt),
  };
}

async function organizationOr404(db: Db, caller: Caller, organizationId: string): Promise<void> {
  if (!(await reachableOrganization(db, caller, organizationId)))
    throw new ApiError("organization_not_found", `No organization ${organizationId}`);
}

/** The instances the caller reaches (optionally of one organization), newest first. */
export async function listInstances(
  db: Db,
  caller: Caller,
  query: PageRequest & { organizationId?: string },
): Promise<ListPage<InstanceView>> {
  const cursor = pageCursor(query.cursor);
  if (query.organizationId !== undefined) await organizationOr404(db, caller, query.organizationId);
  const rows = await db
    .select()
    .from(instances)
    .where(
      and(
        organizationFilter(caller, instances.organizationId),
        await instanceFilter(db, caller, instances.id),
        query.organizationId === undefined ? undefined : eq(instances.organizationId, query.organizationId),
        afterCursor(instances, cursor),
      ),
    )
    .orderBy(...newestFirst(instances))
    .limit(query.limit + 1)
    .all();
  const { rows: data, nextCursor } = toPage(rows, query.limit);
  return { object: "list", data: data.map(instanceView), next_cursor: nextCursor };
}

async function instanceOr404(db: Db, caller: Caller, instanceId: string): Promise<InstanceRow> {
  const row = await reachableInstance(db, caller, instanceId);
  if (!row) throw new ApiError("instance_not_found", `No instance ${instanceId}`);
  return row;
}

async function activeInstanceOr4xx(db: Db, caller: Caller, instanceId: string): Promise<InstanceRow> {
  const row = await instanceOr404(db, caller, instanceId);
  if (row.archivedAt !== null) throw new ApiError("archived", `Instance ${instanceId} is archived`);
  return row;
}

export async function getInstance(db: Db, caller: Caller, instanceId: string): Promise<InstanceView> {
  return instanceView(await instanceOr404(db, caller, instanceId));
}

export interface NewInstance {
  name: string;
  /** Only a super_admin may name another organization than its own; default the caller's. */
  organizationId?: string;
  monthlyBudgetUsd?: number | null;
}

/** A new instance (admins, by policy) in the caller's organization, or any organization for a super_admin. */
export async function createInstance(ctx: ChangeContext, input: NewInstance): Promise<InstanceView> {
  const { db, caller } = ctx;
  requireOrganizationWideKey(caller, "create instances");
  const organizationId = input.organizationId ?? caller.organizationId;
  if (organizationId !== caller.organizationId && caller.role !== "super_admin") {
    throw new ApiError("forbidden", "Only a super_admin may create an instance in another organization");
  }
  await organizationOr404(db, caller, organizationId);
  const row: InstanceRow = {
    id: newId("ins"),
    organizationId,
    name: input.name,
    fallbackProviders: null,
    monthlyBudgetUsd: input.monthlyBudgetUsd ?? null,
    imageUrlTtlSeconds: null,
    imageRetentionDays: null,
    archiveAfterDays: DEFAULT_ARCHIVE_AFTER_DAYS,
    aiGateway: null,
    archivedAt: null,
    createdAt: ctx.now,
  };
  const view = instanceView(row);
  await db.batch([
    db.insert(instances).values(row),
    auditInsert(ctx, {
      organizationId,
      action: "instance.create",
      resourceType: "instance",
      resourceId: row.id,
      after: { ...view },
    }),
  ]);
  return view;
}

export interface InstancePatch {
  name?: string;
  /** null clears the budget (no cap). */
  monthlyBudgetUsd?: number | null;
  /** null: back to the default TTL. Bounds are the route's (MIN/MAX_IMAGE_URL_TTL_SECONDS). */
  imageUrlTtlSeconds?: number | null;
  /** null: keep images forever. */
  imageRetentionDays?: number | null;
  /** Bounds are the route's (MIN/MAX_ARCHIVE_AFTER_DAYS). */
  archiveAfterDays?: number;
}

/** `patch[field]` when given (null included), else the current value. */
function patched<T>(given: T | undefined, current: T): T {
  return given === undefined ? current : given;
}

/** Renames an instance or changes its budget or image settings; an archived instance is 409 archived. */
export async function updateInstance(
  ctx: ChangeContext,
  instanceId: string,
  patch: InstancePatch,
): Promise<InstanceView> {
  const { db } = ctx;
  const row = await activeInstanceOr4xx(db, ctx.caller, instanceId);
  const next: InstanceRow = {
    ...row,
    name: patch.name ?? row.name,
    monthlyBudgetUsd: patched(patch.monthlyBudgetUsd, row.monthlyBudgetUsd),
    imageUrlTtlSeconds: patched(patch.imageUrlTtlSeconds, row.imageUrlTtlSeconds),
    imageRetentionDays: patched(patch.imageRetentionDays, row.imageRetentionDays),
    archiveAfterDays: patch.archiveAfterDays ?? row.archiveAfterDays,
  };
  const after = instanceView(next);
  await db.batch([
    db
      .update(instances)
      .set({
        name: next.name,
        monthlyBudgetUsd: next.monthlyBudgetUsd,
        imageUrlTtlSeconds: next.imageUrlTtlSeconds,
        imageRetentionDays: next.imageRetentionDays,
        archiveAfterDays: next.archiveAfterDays,
      })
      .where(eq(instances.id, instanceId)),
    auditInsert(ctx, {
      organizationId: row.organizationId,
      action: "instance.update",
      resourceType: "instance",
      resourceId: instanceId,
      before: { ...instanceView(row) },
      after: { ...after },
    }),
  ]);
  // This isolate hands out URLs with the new TTL at once; others within their cache's minute.
  forgetImageUrlTtl(instanceId);
  return after;
}

/**
 * Archives an instance: its keys stop working (the key lookup refuses keys of an archived
 * instance; this isolate forgets them at once, others within the key cache's TTL), its jobs,
 * images and settings stay. Archiving twice is 409 archived.
 */
export async function archiveInstance(ctx: ChangeContext, instanceId: string): Promise<InstanceView> {
  const { db } = ctx;
  const row = await activeInstanceOr4xx(db, ctx.caller, instanceId);
  const after = instanceView({ ...row, archivedAt: ctx.now });
  await db.batch([
    db.update(instances).set({ archivedAt: ctx.now }).where(eq(instances.id, instanceId)),
    auditInsert(ctx, {
      organizationId: row.organizationId,
      action: "instance.archive",
      resourceType: "instance",
      resourceId: instanceId,
      before: { ...instanceView(row) },
      after: { ...after },
    }),
  ]);
  await forgetKeys(db, eq(apiKeys.instanceId, instanceId));
  return after;
}

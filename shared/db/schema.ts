// The single source of the data model: drizzle-kit generates migrations/ from this file.
// Times are integer milliseconds since the epoch; the API renders them as ISO strings.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { ImageInput } from "../jobs/schemas";
import { apiKeyRoles, jobEventTypes, jobStatuses, jobTypes } from "../jobs/enums";

const createdAt = () =>
  integer("created_at", { mode: "number" })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

export const organizations = sqliteTable("organizations", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: createdAt(),
});

export const instances = sqliteTable(
  "instances",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("instances_org_idx").on(t.organizationId)],
);

export const projects = sqliteTable(
  "projects",
  {
    id: text("id").primaryKey(),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("projects_instance_idx").on(t.instanceId)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id),
    projectId: text("project_id").references(() => projects.id),
    role: text("role", { enum: apiKeyRoles }).notNull(),
    name: text("name").notNull(),
    /** SHA-256 of the whole key, hex: the key itself is never stored. */
    keyHash: text("key_hash").notNull(),
    /** The first characters of the key, safe to display. */
    prefix: text("prefix").notNull(),
    createdAt: createdAt(),
    revokedAt: integer("revoked_at", { mode: "number" }),
    lastUsedAt: integer("last_used_at", { mode: "number" }),
  },
  (t) => [uniqueIndex("api_keys_hash_idx").on(t.keyHash)],
);

export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    apiKeyId: text("api_key_id").notNull(),
    type: text("type", { enum: jobTypes }).notNull(),
    status: text("status", { enum: jobStatuses }).notNull(),
    /** Provider requested by the client, or null for the instance default. */
    requestedProvider: text("requested_provider"),
    /** Provider that ran (or is running) the job. */
    provider: text("provider"),
    /** The validated job input document, as JSON. */
    input: text("input", { mode: "json" }).$type<ImageInput>().notNull(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>(),
    webhookUrl: text("webhook_url"),
    requestId: text("request_id").notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** Bumped by every state change; job_events.version mirrors it. */
    version: integer("version").notNull().default(1),
    /** Random token of the last state change: the batch's later statements apply only if it is ours. */
    transitionToken: text("transition_token"),
    leaseToken: text("lease_token"),
    leaseExpiresAt: integer("lease_expires_at", { mode: "number" }),
    cancelRequestedAt: integer("cancel_requested_at", { mode: "number" }),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    model: text("model"),
    revisedPrompt: text("revised_prompt"),
    costUsd: real("cost_usd"),
    createdAt: createdAt(),
    startedAt: integer("started_at", { mode: "number" }),
    completedAt: integer("completed_at", { mode: "number" }),
    updatedAt: integer("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("jobs_instance_created_idx").on(t.instanceId, t.createdAt, t.id),
    index("jobs_instance_status_created_idx").on(t.instanceId, t.status, t.createdAt, t.id),
  ],
);

export const jobEvents = sqliteTable(
  "job_events",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    type: text("type", { enum: jobEventTypes }).notNull(),
    status: text("status", { enum: jobStatuses }).notNull(),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.version] })],
);

export const jobImages = sqliteTable(
  "job_images",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    index: integer("idx").notNull(),
    r2Key: text("r2_key").notNull(),
    contentType: text("content_type").notNull(),
    width: integer("width").notNull(),
    height: integer("height").notNull(),
    bytes: integer("bytes").notNull(),
    seed: integer("seed"),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.index] })],
);

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    apiKeyId: text("api_key_id").notNull(),
    key: text("key").notNull(),
    /** SHA-256 of the canonical request body: same key + other body is a 422. */
    fingerprint: text("fingerprint").notNull(),
    jobId: text("job_id"),
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    expiresAt: integer("expires_at", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.apiKeyId, t.key] }), index("idempotency_expires_idx").on(t.expiresAt)],
);

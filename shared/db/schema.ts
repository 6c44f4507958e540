// The single source of the data model: drizzle-kit generates migrations/ from this file.
// Times are integer milliseconds since the epoch; the API renders them as ISO strings.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { apiKeyRoles, type JobEventType, type JobStatus, jobStatuses, jobTypes, roles } from "../jobs/enums";
import type { JobInput } from "../jobs/job-input";
import type { TokenUsage } from "../providers/types";
import type { StoredAiGateway } from "../providers/gateway";

const createdAt = () =>
  integer("created_at", { mode: "number" }).notNull().default(sql`(unixepoch('subsec') * 1000)`);

export const organizations = sqliteTable("organizations", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** A disabled organization's keys stop working; its data stays. */
  disabledAt: integer("disabled_at", { mode: "number" }),
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
    /** Providers to try, in order, when a job names no fallback chain of its own. */
    fallbackProviders: text("fallback_providers", { mode: "json" }).$type<string[]>(),
    /** Monthly spend cap in USD (estimated provider cost); null: no cap. */
    monthlyBudgetUsd: real("monthly_budget_usd"),
    /** How long a signed image URL stays valid, in seconds; null: the default (jobs/image-urls). */
    imageUrlTtlSeconds: integer("image_url_ttl_seconds"),
    /** Days after a job's creation when the cron removes its images; null: kept until deleted. */
    imageRetentionDays: integer("image_retention_days"),
    /** Cloudflare AI Gateway the instance routes providers through; null: providers called directly. */
    aiGateway: text("ai_gateway", { mode: "json" }).$type<StoredAiGateway>(),
    /** Days after which the cron moves an ended job's content and history to R2 (shared/jobs/archive.ts). */
    archiveAfterDays: integer("archive_after_days").notNull().default(30),
    /** An instance with history is archived, never deleted: its keys stop, its jobs stay readable. */
    archivedAt: integer("archived_at", { mode: "number" }),
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
    /** Default webhook target for the project's jobs (a job may override it). */
    webhookUrl: text("webhook_url"),
    /** Standard Webhooks signing secret (whsec_...); during a rotation the previous one signs too. */
    webhookSecret: text("webhook_secret"),
    webhookSecretPrevious: text("webhook_secret_previous"),
    webhookSecretRotatedAt: integer("webhook_secret_rotated_at", { mode: "number" }),
    /** Archived projects take no new jobs; their jobs stay readable. */
    archivedAt: integer("archived_at", { mode: "number" }),
    createdAt: createdAt(),
  },
  (t) => [index("projects_instance_idx").on(t.instanceId)],
);

/** People (or service accounts) of an organization; their role bounds the keys they own. */
export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role", { enum: roles }).notNull(),
    /** A disabled user's keys stop working. */
    disabledAt: integer("disabled_at", { mode: "number" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email_idx").on(t.email), index("users_org_idx").on(t.organizationId)],
);

/** Which instances a `user` may use (admins manage every instance of their organization). */
export const userInstances = sqliteTable(
  "user_instances",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.instanceId] }),
    index("user_instances_instance_idx").on(t.instanceId),
  ],
);

/** Every admin change: who, what, before/after, and the request it came with. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    /** The organization the change belongs to (null for system-wide changes, e.g. a new organization). */
    organizationId: text("organization_id"),
    actorKeyId: text("actor_key_id"),
    actorUserId: text("actor_user_id"),
    /** e.g. "instance.create", "api_key.revoke". */
    action: text("action").notNull(),
    resourceType: text("resource_type").notNull(),
    resourceId: text("resource_id").notNull(),
    before: text("before", { mode: "json" }).$type<Record<string, unknown>>(),
    after: text("after", { mode: "json" }).$type<Record<string, unknown>>(),
    requestId: text("request_id").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("audit_log_org_created_idx").on(t.organizationId, t.createdAt),
    index("audit_log_resource_idx").on(t.resourceType, t.resourceId),
  ],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    organizationId: text("organization_id")
      .notNull()
      .references(() => organizations.id),
    /** The one instance the key is narrowed to; null: an organization-wide admin key. */
    instanceId: text("instance_id").references(() => instances.id),
    projectId: text("project_id").references(() => projects.id),
    /** The owning user; null for a project's service key. */
    userId: text("user_id").references(() => users.id),
    role: text("role", { enum: apiKeyRoles }).notNull(),
    name: text("name").notNull(),
    /** SHA-256 of the whole key, hex: the key itself is never stored. */
    keyHash: text("key_hash").notNull(),
    /** The first characters of the key, safe to display. */
    prefix: text("prefix").notNull(),
    /** After a rotation, the previous secret's hash, valid until `previousExpiresAt`. */
    previousKeyHash: text("previous_key_hash"),
    previousExpiresAt: integer("previous_expires_at", { mode: "number" }),
    expiresAt: integer("expires_at", { mode: "number" }),
    createdAt: createdAt(),
    revokedAt: integer("revoked_at", { mode: "number" }),
    lastUsedAt: integer("last_used_at", { mode: "number" }),
  },
  (t) => [
    uniqueIndex("api_keys_hash_idx").on(t.keyHash),
    index("api_keys_previous_hash_idx").on(t.previousKeyHash),
    index("api_keys_org_idx").on(t.organizationId),
  ],
);

/** One state change of a job, as stored in `jobs.events`. */
export interface JobEvent {
  version: number;
  type: JobEventType;
  status: JobStatus;
  data: Record<string, unknown> | null;
  createdAt: number;
}

/** One stored image of a succeeded job, as stored in `jobs.images`. */
export interface JobImage {
  index: number;
  r2Key: string;
  contentType: string;
  width: number;
  height: number;
  bytes: number;
  seed: number | null;
}

/** A succeeded text job's output, as stored in `jobs.output`. */
export interface JobOutput {
  /** The text itself when it is short; null when it lives in R2 under `r2Key`. */
  text: string | null;
  r2Key: string | null;
  chars: number;
  bytes: number;
  /** Why generation stopped: "stop", "length" (max_tokens reached), "content_filter"… */
  finishReason: string;
  usage: TokenUsage | null;
}

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
    input: text("input", { mode: "json" }).$type<JobInput>().notNull(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>(),
    /** Providers to move to, in order, when the current one is down or out of quota. */
    fallbackProviders: text("fallback_providers", { mode: "json" }).$type<string[]>(),
    webhookUrl: text("webhook_url"),
    /** Webhook event filter; null means the default set. */
    webhookEvents: text("webhook_events", { mode: "json" }).$type<string[]>(),
    requestId: text("request_id").notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** Bumped by every state change: the number of the newest event in `events`. */
    version: integer("version").notNull().default(1),
    /** Random token of the last state change: the batch's later statements apply only if it is ours. */
    transitionToken: text("transition_token"),
    leaseToken: text("lease_token"),
    leaseExpiresAt: integer("lease_expires_at", { mode: "number" }),
    cancelRequestedAt: integer("cancel_requested_at", { mode: "number" }),
    /**
     * When the job's one pending re-sent message falls due (epoch ms). A delivery that finds it
     * still ahead is a duplicate copy whose successor is already on its way (jobs/resend.ts).
     */
    resendDueAt: integer("resend_due_at", { mode: "number" }),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    model: text("model"),
    revisedPrompt: text("revised_prompt"),
    costUsd: real("cost_usd"),
    /**
     * The job's history, oldest first: every state change appends its numbered event in the same
     * UPDATE that changes the state (jobs/transitions.ts), so history and state cannot disagree,
     * and the history costs no row of its own (D1 bills rows written; see docs/cost.md). It is
     * only ever read whole, per job, and stays small (one event per state change).
     */
    events: text("events", { mode: "json" }).$type<JobEvent[]>().notNull().default(sql`'[]'`),
    /** The stored images of a succeeded job, in order; written with the success. */
    images: text("images", { mode: "json" }).$type<JobImage[]>(),
    /** The text of a succeeded text job (inline, or its R2 key when long) and its token usage. */
    output: text("output", { mode: "json" }).$type<JobOutput>(),
    /** Images removed from R2 (by DELETE /v1/jobs/{id} or the retention cron); the row stays. */
    imagesRemovedAt: integer("images_removed_at", { mode: "number" }),
    /** Deleted by its owner: a tombstone keeping status and history, nothing else of the input. */
    deletedAt: integer("deleted_at", { mode: "number" }),
    /**
     * Moved to R2 by the archive cron: the row is a tombstone (no input, no events) and the whole
     * row is the gzip member at [archive_offset, +archive_length) of the object archive_key.
     */
    archivedAt: integer("archived_at", { mode: "number" }),
    archiveKey: text("archive_key"),
    archiveOffset: integer("archive_offset"),
    archiveLength: integer("archive_length"),
    /** Until when a stream or a `Prefer: wait` watches the job (epoch ms): its changes are announced. */
    watchedUntil: integer("watched_until", { mode: "number" }),
    /** The workflow the job belongs to (shared/workflows/); null for a job on its own. */
    workflowId: text("workflow_id"),
    createdAt: createdAt(),
    startedAt: integer("started_at", { mode: "number" }),
    completedAt: integer("completed_at", { mode: "number" }),
    updatedAt: integer("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [
    // The one index of the hottest table: every index is a row written on insert, and an index on
    // a column that changes (status) is written again at each state change. A status filter
    // walks this index within the instance instead (docs/cost.md).
    index("jobs_instance_created_idx").on(t.instanceId, t.createdAt, t.id),
    // Partial: a job outside a workflow writes no entry here, so it costs nothing (migration 0011).
    index("jobs_workflow_idx").on(t.workflowId, t.createdAt).where(sql`${t.workflowId} is not null`),
  ],
);

/**
 * A named group of jobs (shared/workflows/). Its live state (counts per status, numbered versions,
 * completion) is kept by its WorkflowState object; this row is who owns it and what it was made with.
 */
export const workflows = sqliteTable(
  "workflows",
  {
    id: text("id").primaryKey(),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    apiKeyId: text("api_key_id").notNull(),
    name: text("name").notNull(),
    /** Higher runs first when jobs of one instance wait for the same provider's tokens. */
    priority: integer("priority").notNull().default(0),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>(),
    /** Where `workflow.completed` goes; null: the project's webhook URL. */
    webhookUrl: text("webhook_url"),
    requestId: text("request_id").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (t) => [index("workflows_instance_created_idx").on(t.instanceId, t.createdAt)],
);

/**
 * A workflow's jobs at one version: which jobs, their inputs and outcomes. The jobs themselves are
 * a JSON object in R2 (shared/workflows/snapshot.ts): a few hundred prompts can pass D1's row size.
 */
export const workflowSnapshots = sqliteTable(
  "workflow_snapshots",
  {
    id: text("id").primaryKey(),
    workflowId: text("workflow_id")
      .notNull()
      .references(() => workflows.id),
    /** The workflow version the snapshot was taken at. */
    version: integer("version").notNull(),
    jobCount: integer("job_count").notNull(),
    /** Failed or dead-lettered jobs in it: what a re-run would submit again. */
    failedCount: integer("failed_count").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (t) => [index("workflow_snapshots_workflow_idx").on(t.workflowId, t.createdAt)],
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

export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    instanceId: text("instance_id").notNull(),
    projectId: text("project_id").notNull(),
    provider: text("provider"),
    errorCode: text("error_code").notNull(),
    errorMessage: text("error_message").notNull(),
    attempts: integer("attempts").notNull(),
    /** The queue message as it reached the dead-letter queue. */
    message: text("message", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    replayedAt: integer("replayed_at", { mode: "number" }),
    replayCount: integer("replay_count").notNull().default(0),
  },
  (t) => [
    index("dead_letters_instance_created_idx").on(t.instanceId, t.createdAt),
    index("dead_letters_job_idx").on(t.jobId),
  ],
);

/** Pacing per instance and provider; absent rows fall back to the adapter's defaults. */
export const providerLimits = sqliteTable(
  "provider_limits",
  {
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id),
    provider: text("provider").notNull(),
    ratePerSecond: real("rate_per_second").notNull(),
    burst: integer("burst").notNull(),
    maxInFlight: integer("max_in_flight").notNull(),
    /** Text jobs: prompt + completion tokens per minute; null: the adapter's default (if any). */
    tokensPerMinute: integer("tokens_per_minute"),
    updatedAt: integer("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.provider] })],
);

/**
 * An instance's own price per image for a provider (what its contract bills), used by provider
 * selection in place of the adapter's list price; absent rows: the list price.
 */
export const providerPrices = sqliteTable(
  "provider_prices",
  {
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id),
    provider: text("provider").notNull(),
    perImageUsd: real("per_image_usd").notNull(),
    updatedAt: integer("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.provider] })],
);

/** An instance's own provider API keys, AES-GCM encrypted with the Worker's master key. */
export const providerKeys = sqliteTable(
  "provider_keys",
  {
    id: text("id").primaryKey(),
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id),
    provider: text("provider").notNull(),
    /** base64 of IV || ciphertext. */
    ciphertext: text("ciphertext").notNull(),
    last4: text("last4").notNull(),
    /** The primary key is used; older keys stay usable until removed (rotation). */
    isPrimary: integer("is_primary", { mode: "boolean" }).notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (t) => [index("provider_keys_instance_provider_idx").on(t.instanceId, t.provider)],
);

/** One webhook event of a job; every delivery attempt of it shares its id (webhook-id). */
/**
 * One delivery attempt of a webhook event, as stored in `webhook_events.attempt_log`: the attempt
 * is recorded by the same UPDATE that settles the event, so a delivery is one statement.
 */
export interface WebhookAttempt {
  attempt: number;
  url: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  nextAttemptAt: number | null;
  createdAt: number;
}

// WITHOUT ROWID (migration 0006; drizzle cannot declare it): an insert writes the row and one index
// entry, not a row, its primary-key index entry and the unique index's.
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    instanceId: text("instance_id").notNull(),
    projectId: text("project_id").notNull(),
    type: text("type").notNull(),
    /** The job version (event number) this webhook reports: one webhook event per job event. */
    jobVersion: integer("job_version").notNull(),
    url: text("url").notNull(),
    body: text("body").notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed", "gone"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** Every attempt, oldest first (`attempts` entries). */
    attemptLog: text("attempt_log", { mode: "json" }).$type<WebhookAttempt[]>().notNull().default(sql`'[]'`),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    deliveredAt: integer("delivered_at", { mode: "number" }),
  },
  (t) => [
    // Also serves every per-job lookup (job_id leads): no second index on job_id.
    uniqueIndex("webhook_events_job_version_idx").on(t.jobId, t.jobVersion),
  ],
);

/** URLs that answered 410 Gone: no further deliveries go to them. */
export const goneWebhookUrls = sqliteTable(
  "gone_webhook_urls",
  {
    instanceId: text("instance_id").notNull(),
    url: text("url").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.url] })],
);

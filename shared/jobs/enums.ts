// Enum tuples defined once: reused by the drizzle columns, the zod schemas and the OpenAPI doc.
export const jobStatuses = ["queued", "running", "succeeded", "failed", "canceled", "dead_lettered"] as const;
export type JobStatus = (typeof jobStatuses)[number];
export const terminalStatuses: readonly JobStatus[] = ["succeeded", "failed", "canceled", "dead_lettered"];

export const jobTypes = ["image.generate", "text.generate"] as const;
export type JobType = (typeof jobTypes)[number];

export const aspectRatios = [
  "1x1",
  "16x9",
  "9x16",
  "4x3",
  "3x4",
  "3x2",
  "2x3",
  "16x10",
  "10x16",
  "3x1",
  "1x3",
  "2x1",
  "1x2",
] as const;
export type AspectRatio = (typeof aspectRatios)[number];

// Defined beside the provider registry, which checks its entries against it.
export { type ProviderName, providerNames } from "../providers/names";

/** Roles, most powerful first: a key's rights are its owner's role (policy.ts decides what each may do). */
export const roles = ["super_admin", "admin", "user"] as const;
export type Role = (typeof roles)[number];
/** A key's stored role: its owner's role when it was made (a user's current role can only narrow it). */
export const apiKeyRoles = roles;
export type ApiKeyRole = Role;

export const jobEventTypes = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "canceled",
  "dead_lettered",
  "retry_scheduled",
  "replayed",
  "cancel_requested",
  "provider_fallback",
  "provider_selected",
] as const;
export type JobEventType = (typeof jobEventTypes)[number];

// The one error module: stable codes, their HTTP status, and RFC 9457 problem bodies. Plain
// TypeScript: the HTTP layer (the problem+json schema, OpenAPI responses) is producer/src/problem.ts.
// The OpenAPI document declares exactly these codes (a test compares it with what the runtime sends).

export const errorCodes = [
  "unauthorized",
  "forbidden",
  "route_not_found",
  "method_not_allowed",
  "job_not_found",
  "image_not_found",
  "image_url_invalid",
  "image_url_expired",
  "images_removed",
  "output_not_found",
  "project_not_found",
  "webhook_event_not_found",
  "workflow_not_found",
  "workflow_snapshot_not_found",
  "organization_not_found",
  "instance_not_found",
  "user_not_found",
  "api_key_not_found",
  "audit_record_not_found",
  "validation_failed",
  "malformed_json",
  "unsupported_media_type",
  "payload_too_large",
  "rate_limited",
  "budget_exceeded",
  "idempotency_key_invalid",
  "idempotency_key_reused",
  "idempotency_key_in_progress",
  "job_not_cancelable",
  "job_not_terminal",
  "job_deleted",
  "email_taken",
  "archived",
  "webhook_url_invalid",
  "provider_unknown",
  "provider_key_not_found",
  "encryption_not_configured",
  "queue_unavailable",
  "service_unavailable",
  "configuration_invalid",
  "internal_error",
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const statusForCode = {
  unauthorized: 401,
  forbidden: 403,
  route_not_found: 404,
  method_not_allowed: 405,
  job_not_found: 404,
  image_not_found: 404,
  image_url_invalid: 403,
  image_url_expired: 403,
  images_removed: 410,
  project_not_found: 404,
  output_not_found: 404,
  webhook_event_not_found: 404,
  workflow_not_found: 404,
  workflow_snapshot_not_found: 404,
  organization_not_found: 404,
  instance_not_found: 404,
  user_not_found: 404,
  api_key_not_found: 404,
  audit_record_not_found: 404,
  validation_failed: 400,
  malformed_json: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  rate_limited: 429,
  budget_exceeded: 402,
  idempotency_key_invalid: 400,
  idempotency_key_reused: 422,
  idempotency_key_in_progress: 409,
  job_not_cancelable: 409,
  job_not_terminal: 409,
  job_deleted: 409,
  email_taken: 409,
  archived: 409,
  webhook_url_invalid: 400,
  provider_unknown: 400,
  provider_key_not_found: 404,
  encryption_not_configured: 503,
  queue_unavailable: 503,
  service_unavailable: 503,
  configuration_invalid: 500,
  internal_error: 500,
} as const satisfies Record<ErrorCode, number>;
export type ErrorStatus = (typeof statusForCode)[ErrorCode];

export const titles: Record<ErrorCode, string> = {
  unauthorized: "Missing, malformed or revoked API key",
  forbidden: "This API key may not do that",
  route_not_found: "No such route",
  method_not_allowed: "Method not allowed on this route",
  job_not_found: "Job not found",
  image_not_found: "Image not found",
  image_url_invalid: "The image URL's signature is not valid",
  image_url_expired: "The image URL has expired",
  images_removed: "The job's images were removed",
  output_not_found: "The job has no text output (not a succeeded text job, or deleted)",
  project_not_found: "Project not found",
  webhook_event_not_found: "This job has no webhook event",
  workflow_not_found: "Workflow not found",
  workflow_snapshot_not_found: "Workflow snapshot not found",
  organization_not_found: "Organization not found",
  instance_not_found: "Instance not found",
  user_not_found: "User not found",
  api_key_not_found: "API key not found",
  audit_record_not_found: "Audit record not found",
  validation_failed: "The request is not valid",
  malformed_json: "The request body is not valid JSON",
  unsupported_media_type: "The request body must be application/json",
  payload_too_large: "The request body is too large",
  rate_limited: "Too many requests with this API key",
  budget_exceeded: "The monthly budget would be exceeded",
  idempotency_key_invalid: "The Idempotency-Key header is not valid",
  idempotency_key_reused: "This Idempotency-Key was used with a different request",
  idempotency_key_in_progress: "A request with this Idempotency-Key is still being processed",
  job_not_cancelable: "The job has already ended",
  job_not_terminal: "The job has not ended yet: cancel it first",
  job_deleted: "The job was deleted",
  email_taken: "A user with this email already exists",
  archived: "The resource is archived (or disabled) and cannot be changed or used",
  webhook_url_invalid: "The webhook URL is not allowed",
  provider_unknown: "Unknown or unavailable provider",
  provider_key_not_found: "Provider key not found",
  encryption_not_configured: "Encryption of stored secrets is not configured (PROVIDER_KEYS_MASTER_KEY)",
  queue_unavailable: "The job could not be enqueued; nothing was created, try again",
  service_unavailable: "A dependency is unavailable",
  configuration_invalid: "The service is misconfigured (a Worker variable has a bad value)",
  internal_error: "Internal error",
};

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail ?? titles[code]);
  }
  get status(): ErrorStatus {
    return statusForCode[this.code];
  }
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** An RFC 9457 problem body as the API sends it (its schema: producer/src/problem.ts). */
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ErrorCode;
  request_id: string;
  errors?: FieldError[];
};

export function problemBody(
  code: ErrorCode,
  requestId: string,
  detail?: string,
  errors?: FieldError[],
): Problem {
  return {
    type: `urn:genqueue:error:${code}`,
    title: titles[code],
    status: statusForCode[code],
    detail: detail ?? titles[code],
    code,
    request_id: requestId,
    ...(errors?.length ? { errors } : {}),
  };
}

// The one error module: stable codes, their HTTP status, and RFC 9457 problem bodies.
// The OpenAPI document declares exactly these codes (a test compares it with what the runtime sends).
import { z } from "@hono/zod-openapi";

export const errorCodes = [
  "unauthorized",
  "forbidden",
  "route_not_found",
  "method_not_allowed",
  "job_not_found",
  "image_not_found",
  "project_not_found",
  "webhook_event_not_found",
  "validation_failed",
  "malformed_json",
  "unsupported_media_type",
  "payload_too_large",
  "idempotency_key_invalid",
  "idempotency_key_reused",
  "idempotency_key_in_progress",
  "job_not_cancelable",
  "webhook_url_invalid",
  "provider_unknown",
  "provider_key_not_found",
  "encryption_not_configured",
  "queue_unavailable",
  "service_unavailable",
  "configuration_invalid",
  "internal_error",
] as const;
export const ErrorCode = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const statusForCode = {
  unauthorized: 401,
  forbidden: 403,
  route_not_found: 404,
  method_not_allowed: 405,
  job_not_found: 404,
  image_not_found: 404,
  project_not_found: 404,
  webhook_event_not_found: 404,
  validation_failed: 400,
  malformed_json: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  idempotency_key_invalid: 400,
  idempotency_key_reused: 422,
  idempotency_key_in_progress: 409,
  job_not_cancelable: 409,
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

const titles: Record<ErrorCode, string> = {
  unauthorized: "Missing, malformed or revoked API key",
  forbidden: "This API key may not do that",
  route_not_found: "No such route",
  method_not_allowed: "Method not allowed on this route",
  job_not_found: "Job not found",
  image_not_found: "Image not found",
  project_not_found: "Project not found",
  webhook_event_not_found: "This job has no webhook event",
  validation_failed: "The request is not valid",
  malformed_json: "The request body is not valid JSON",
  unsupported_media_type: "The request body must be application/json",
  payload_too_large: "The request body is too large",
  idempotency_key_invalid: "The Idempotency-Key header is not valid",
  idempotency_key_reused: "This Idempotency-Key was used with a different request",
  idempotency_key_in_progress: "A request with this Idempotency-Key is still being processed",
  job_not_cancelable: "The job has already ended",
  webhook_url_invalid: "The webhook URL is not allowed",
  provider_unknown: "Unknown or unavailable provider",
  provider_key_not_found: "Provider key not found",
  encryption_not_configured: "Provider key encryption is not configured (PROVIDER_KEYS_MASTER_KEY)",
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

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "urn:genqueue:error:validation_failed" }),
    title: z.string().openapi({ example: titles.validation_failed }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().optional().openapi({ example: "input.prompt: Too small" }),
    code: ErrorCode.openapi({ description: "Stable, machine-readable error code" }),
    request_id: z.string().openapi({ example: "req_3k9x0a1b2c3d4e5f6g7h" }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: "Per-field problems on validation errors" }),
  })
  .openapi("Problem");
export type Problem = z.infer<typeof ProblemSchema>;

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

export function problemResponse(
  code: ErrorCode,
  requestId: string,
  detail?: string,
  errors?: FieldError[],
  headers?: Record<string, string>,
): Response {
  return new Response(JSON.stringify(problemBody(code, requestId, detail, errors)), {
    status: statusForCode[code],
    headers: { "content-type": PROBLEM_CONTENT_TYPE, "x-request-id": requestId, ...headers },
  });
}

// What the producer's middleware can answer, named once so each route declares it the same way.
/** Any /v1 route: the API key check. */
export const authErrors = ["unauthorized"] as const satisfies readonly ErrorCode[];
/** /v1/admin routes: a user key is authenticated but not allowed. */
export const adminErrors = ["unauthorized", "forbidden"] as const satisfies readonly ErrorCode[];
/** POST/PUT/PATCH routes: the body middleware (JSON only, size limit). */
export const bodyErrors = [
  "unsupported_media_type",
  "payload_too_large",
] as const satisfies readonly ErrorCode[];
/** Routes that parse and validate a JSON body. */
export const jsonBodyErrors = [...bodyErrors, "malformed_json", "validation_failed"] as const;

/** The OpenAPI response entry for a set of error codes (used by every route definition). */
export function problemResponses(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes)
    byStatus.set(statusForCode[code], [...(byStatus.get(statusForCode[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      {
        description: `Problem: ${list.join(", ")}`,
        content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
        "x-error-codes": list,
      },
    ]),
  );
}

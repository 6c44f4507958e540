// The HTTP side of shared/errors.ts: the problem+json schema as /openapi.json declares it, the
// Response the API sends, and the error sets each route declares.
import { z } from "@hono/zod-openapi";
import {
  type ErrorCode,
  errorCodes,
  type FieldError,
  PROBLEM_CONTENT_TYPE,
  type Problem,
  problemBody,
  statusForCode,
  titles,
} from "../../shared/errors";

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "urn:genqueue:error:validation_failed" }),
    title: z.string().openapi({ example: titles.validation_failed }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().optional().openapi({ example: "input.prompt: Too small" }),
    code: z.enum(errorCodes).openapi({ description: "Stable, machine-readable error code" }),
    request_id: z.string().openapi({ example: "req_3k9x0a1b2c3d4e5f6g7h" }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: "Per-field problems on validation errors" }),
  })
  .openapi("Problem") satisfies z.ZodType<Problem>;

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
/** Any /v1 route: the API key check, and the key's rate limit. */
export const authErrors = ["unauthorized", "rate_limited"] as const satisfies readonly ErrorCode[];
/** The job API: the key check, and a key not narrowed to an instance (an organization-wide one) is refused. */
export const jobApiErrors = [...authErrors, "forbidden"] as const satisfies readonly ErrorCode[];
/** /v1/admin routes: a user key is authenticated but not allowed. */
export const adminErrors = [...authErrors, "forbidden"] as const satisfies readonly ErrorCode[];
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

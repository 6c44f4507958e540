// Maps everything a request can throw to a problem+json response with a stable code.
import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { ConfigurationError } from "../../shared/config";
import { ApiError, type ErrorCode, type FieldError } from "../../shared/errors";
import { log } from "../../shared/observability/log";
import { problemResponse } from "./problem";
import type { AppEnv } from "./env";

function requestIdOf(c: Context<AppEnv>): string {
  return c.get("requestId") ?? "req_unknown";
}

export function fieldErrors(error: ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join(".") || "(body)",
    message: issue.message,
  }));
}

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const requestId = requestIdOf(c);
  if (err instanceof ApiError)
    return problemResponse(err.code, requestId, err.detail, err.errors, err.headers);
  if (err instanceof HTTPException) {
    const code = codeForHttpException(err);
    if (code) return problemResponse(code, requestId, err.message || undefined);
  }
  if (err instanceof ConfigurationError) {
    log("error", "invalid configuration", { request_id: requestId, error: err.message });
    return problemResponse("configuration_invalid", requestId, err.message);
  }
  log("error", "unhandled error", {
    request_id: requestId,
    error: String(err),
    stack: (err as Error)?.stack,
  });
  return problemResponse(
    "internal_error",
    requestId,
    "Something went wrong on our side; the request id helps us find it",
  );
};

/**
 * The stable code for an HTTPException thrown by hono or a middleware: each status keeps its own
 * code. A status with no code of ours falls through to internal_error (and is logged).
 */
function codeForHttpException(err: HTTPException): ErrorCode | undefined {
  if (err.status === 400) return /json/i.test(err.message) ? "malformed_json" : "validation_failed";
  return httpExceptionCodes[err.status];
}

const httpExceptionCodes: Partial<Record<number, ErrorCode>> = {
  401: "unauthorized",
  403: "forbidden",
  404: "route_not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type", // @hono/zod-openapi's media-type gate on routes with a body
  503: "service_unavailable",
};

/** The OpenAPI validation hook: zod failures become 400 validation_failed with per-field errors. */
export function validationHook(
  result: { success: true; target?: string } | { success: false; error: ZodError; target: string },
  c: Context<AppEnv>,
) {
  if (result.target === "json" && c.get("bodyNotUtf8")) {
    return problemResponse(
      "malformed_json",
      requestIdOf(c),
      "The request body is not valid UTF-8 (JSON must be UTF-8)",
    );
  }
  if (result.success) return;
  // A required JSON body that is absent or empty is the same 400 whatever the Content-Type said
  // (with a JSON type, hono's own parser already answers malformed_json). Routes may also put
  // `requireBody` first; this covers those that do not.
  if (result.target === "json" && (c.req.raw.body === null || c.req.header("content-length") === "0")) {
    return problemResponse("malformed_json", requestIdOf(c), "The request body is empty: send a JSON object");
  }
  const prefix = result.target === "json" ? undefined : result.target;
  return problemResponse(
    "validation_failed",
    requestIdOf(c),
    summarize(result.error),
    fieldErrors(result.error, prefix),
  );
}

function summarize(error: ZodError): string {
  const first = error.issues[0];
  if (!first) return "The request is not valid";
  const path = first.path.map(String).join(".");
  return path ? `${path}: ${first.message}` : first.message;
}

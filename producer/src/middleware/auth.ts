import { createMiddleware } from "hono/factory";
import { callerForKeyHash } from "../../../shared/auth/caller-cache";
import { isWellFormedApiKey, sha256Hex } from "../../../shared/auth/keys";
import { type Action, can, type Resource } from "../../../shared/auth/policy";
import { isInstanceCaller, touchKeyLastUsed } from "../../../shared/db/queries/api-keys";
import { ApiError } from "../../../shared/errors";
import type { AppEnv } from "../env";

/** `Authorization: Bearer <key>` -> the caller (and, for a key narrowed to an instance, the principal); 401 otherwise. */
export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const key = match?.[1];
  if (!key || !isWellFormedApiKey(key)) {
    throw new ApiError("unauthorized", "Send `Authorization: Bearer <api key>`", undefined, {
      "www-authenticate": 'Bearer realm="genqueue"',
    });
  }
  const db = c.get("db");
  const now = Date.now();
  const caller = await callerForKeyHash(db, await sha256Hex(key), now);
  if (!caller) {
    throw new ApiError("unauthorized", "Unknown, revoked or expired API key", undefined, {
      "www-authenticate": 'Bearer realm="genqueue", error="invalid_token"',
    });
  }
  c.set("caller", caller);
  if (isInstanceCaller(caller) && caller.instanceAssigned) c.set("principal", caller);
  c.executionCtx.waitUntil(touchKeyLastUsed(db, caller.keyId, now).catch(() => undefined));
  await next();
});

/** Routes that work inside one instance (the job API, an instance's settings): the key must name one. */
export const requireInstanceKey = createMiddleware<AppEnv>(async (c, next) => {
  const caller = c.get("caller");
  if (!isInstanceCaller(caller)) {
    throw new ApiError(
      "forbidden",
      "This route works inside one instance: use a key narrowed to an instance (an organization-wide key manages the organization)",
    );
  }
  if (!caller.instanceAssigned) {
    throw new ApiError("forbidden", "The key's user is not assigned to the key's instance (any more)");
  }
  await next();
});

const actionForMethod: Record<string, Action> = {
  GET: "read",
  HEAD: "read",
  POST: "create",
  PUT: "update",
  PATCH: "update",
  DELETE: "delete",
};

/**
 * The policy's answer (shared/auth/policy.ts) for the caller's role on `resource`, the action
 * taken from the method (GET read, POST create, PUT/PATCH update, DELETE delete); a denied action
 * is 403. Which rows the caller reaches is the handler's query (another organization's: 404).
 */
export function authorize(resource: Resource) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const { role } = c.get("caller");
    const action = actionForMethod[c.req.method] ?? "update";
    if (!can(role, action, resource)) {
      throw new ApiError("forbidden", `A ${role} key may not ${action} ${resource.replace("_", " ")}s`);
    }
    await next();
  });
}

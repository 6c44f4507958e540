import { createMiddleware } from "hono/factory";
import { isWellFormedApiKey, sha256Hex } from "../../../shared/auth/keys";
import { findActiveKeyByHash, touchKeyLastUsed } from "../../../shared/db/queries/api-keys";
import { ApiError } from "../../../shared/errors";
import type { AppEnv } from "../env";

/** `Authorization: Bearer <key>` -> the principal (instance, project, role); 401 otherwise. */
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
  const principal = await findActiveKeyByHash(db, await sha256Hex(key));
  if (!principal) {
    throw new ApiError("unauthorized", "Unknown or revoked API key", undefined, {
      "www-authenticate": 'Bearer realm="genqueue", error="invalid_token"',
    });
  }
  c.set("principal", principal);
  c.executionCtx.waitUntil(touchKeyLastUsed(db, principal.keyId, Date.now()).catch(() => undefined));
  await next();
});

/** Admin routes: a user key is authenticated but not allowed (403). */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("principal").role !== "admin") throw new ApiError("forbidden", "This route needs an admin key");
  await next();
});

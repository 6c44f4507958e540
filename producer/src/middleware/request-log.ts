import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { inScope } from "../../../shared/observability/context";
import { log } from "../../../shared/observability/log";
import { recordRequest } from "../../../shared/observability/metrics";
import { metricsWriter } from "../../../shared/observability/metrics-writer";
import type { AppEnv } from "../env";

/**
 * Runs the request in an observability scope: every log line written while it runs, here or deep
 * in shared/, carries its request id and, once the key is known, its instance id; data points go
 * to the ANALYTICS dataset. Every request is one `request` data point; a failed (4xx, 5xx) or
 * slow one is also one `request` log line.
 */
/** A request taking longer than this is logged even when it succeeds. */
export const SLOW_REQUEST_MS = 1000;

export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  const fields = () => ({
    request_id: c.get("requestId"),
    instance_id: c.get("caller")?.instanceId ?? undefined,
  });
  await inScope({ fields, metrics: metricsWriter(c.env.ANALYTICS) }, async () => {
    await next();
    const durationMs = Date.now() - started;
    const { status } = c.res;
    // The route's pattern, not the path: job ids would make every data point's blob distinct.
    const route = routePath(c, -1);
    recordRequest({
      instanceId: c.get("caller")?.instanceId ?? null,
      method: c.req.method,
      route,
      status,
      durationMs,
    });
    // Workers Logs has every invocation already: a line of our own only for what needs a look.
    if (status < 400 && durationMs < SLOW_REQUEST_MS) return;
    log(status >= 500 ? "error" : status >= 400 ? "warn" : "info", "request", {
      method: c.req.method,
      path: c.req.path,
      route,
      status,
      duration_ms: durationMs,
    });
  });
});

import { createMiddleware } from "hono/factory";
import { ApiError } from "../../../shared/errors";
import type { AppEnv } from "../env";

/**
 * Requests per API key, counted by the Workers Rate Limiting binding (after authentication, so an
 * unknown key costs no count). Every answer names the policy in the IETF RateLimit-Policy field;
 * a refused one is a 429 with Retry-After and RateLimit. The binding answers only yes or no, so
 * the remaining quota of an allowed request is not known and not sent.
 */
export const limitPerKey = createMiddleware<AppEnv>(async (c, next) => {
  const limiter = c.env.API_KEY_RATE_LIMITER;
  if (!limiter) return next();
  const { API_RATE_LIMIT: limit, API_RATE_LIMIT_PERIOD_SECONDS: period } = c.get("config");
  const policy = `"per-key";q=${limit};w=${period}`;
  const { success } = await limiter.limit({ key: c.get("caller").keyId });
  if (!success) {
    throw new ApiError(
      "rate_limited",
      `More than ${limit} requests in ${period} s with this API key`,
      undefined,
      {
        "retry-after": String(period),
        "ratelimit-policy": policy,
        ratelimit: `"per-key";r=0;t=${period}`,
      },
    );
  }
  await next();
  c.res.headers.set("ratelimit-policy", policy);
});

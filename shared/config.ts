// Deployment configuration (wrangler vars and secrets), validated once at each Worker's entry.
import * as z from "./zod-mini";

const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z._default(z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max)), fallback);

export const ConsumerConfigSchema = z.object({
  ENVIRONMENT: z._default(z.string(), "production"),
  /** Provider attempts (failures, not deferrals) before a job goes to the dead-letter queue. */
  JOB_MAX_ATTEMPTS: int(4, 1, 50),
  /** First queue-level retry delay; doubles each attempt (with jitter). */
  JOB_RETRY_BASE_SECONDS: int(2, 0, 3600),
  JOB_RETRY_MAX_SECONDS: int(900, 1, 43_200),
  /** How long a consumer holds a running job before another delivery may take it over. */
  JOB_LEASE_SECONDS: int(300, 5, 43_200),
  /** Whole provider call budget, and each HTTP request within it. */
  PROVIDER_CALL_TIMEOUT_MS: int(120_000, 1_000, 900_000),
  PROVIDER_REQUEST_TIMEOUT_MS: int(60_000, 500, 300_000),
  /** Longest in-process wait for a pacing slot before the message goes back to the queue. */
  PACING_MAX_INLINE_WAIT_MS: int(3_000, 0, 30_000),
  JOBS_QUEUE_NAME: z._default(z.string(), "genqueue-jobs"),
  JOBS_DLQ_NAME: z._default(z.string(), "genqueue-jobs-dlq"),
  WEBHOOKS_QUEUE_NAME: z._default(z.string(), "genqueue-webhooks"),
  WEBHOOKS_DLQ_NAME: z._default(z.string(), "genqueue-webhooks-dlq"),
  /** Budget of one webhook delivery attempt. */
  WEBHOOK_TIMEOUT_MS: int(15_000, 1_000, 60_000),
});
export type ConsumerConfig = z.infer<typeof ConsumerConfigSchema>;

export const ProducerConfigSchema = z.object({
  ENVIRONMENT: z._default(z.string(), "production"),
  /** Largest request body accepted (413 above). */
  MAX_BODY_BYTES: int(64 * 1024, 1024, 10 * 1024 * 1024),
  /**
   * The API_KEY_RATE_LIMITER binding's own `simple.limit` and `simple.period`, which a Worker cannot
   * read back: the 429's Retry-After and the RateLimit-Policy field are stated from these
   * (test/scripts/rate-limit-config.test.ts keeps the two equal in every config).
   */
  API_RATE_LIMIT: int(10_000, 1),
  API_RATE_LIMIT_PERIOD_SECONDS: int(60, 10, 60),
});
export type ProducerConfig = z.infer<typeof ProducerConfigSchema>;

/** A Worker variable with a bad value; the message names each variable and what is wrong. */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
}

/**
 * A parser for one Worker's configuration that validates once per env object (the runtime hands
 * the same env to every invocation of an isolate) and fails with every bad variable named.
 */
function configParser<S extends z.ZodMiniType<object>>(schema: S, worker: string) {
  const cache = new WeakMap<object, z.infer<S>>();
  return (env: object): z.infer<S> => {
    const cached = cache.get(env);
    if (cached) return cached;
    const parsed = schema.safeParse(env);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
      throw new ConfigurationError(`${worker} configuration is invalid: ${problems.join("; ")}`);
    }
    cache.set(env, parsed.data);
    return parsed.data;
  };
}

export const consumerConfig = configParser(ConsumerConfigSchema, "consumer");
export const producerConfig = configParser(ProducerConfigSchema, "producer");

/** Local development and tests (not a deployment): relaxes only what must work on localhost. */
export function isLocal(env: { ENVIRONMENT?: string }): boolean {
  return env.ENVIRONMENT === "development" || env.ENVIRONMENT === "test";
}

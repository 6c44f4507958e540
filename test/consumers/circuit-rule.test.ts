// The circuit breaker's rule as a user sees it (README, docs/pacing.md): it counts provider
// *calls*, not job attempts. A job attempt that meets a timeout or network error makes up to 3
// calls (1 + 2 quick retries), one that meets a 5xx makes 1 (a 5xx is worth a fallback, not a quick
// retry); the 10th consecutive retryable failure opens the circuit, and the next call is refused.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bucketName } from "../../consumers/src/pacing";
import { PACING_DEFAULTS } from "../../consumers/src/token-bucket";
import { jobs } from "../../shared/db/schema";
import type { JobMessage } from "../../shared/jobs/message";
import { demoProvider } from "../../shared/providers/demo";
import { seedJob, seedTenant } from "../support/tenant";
import { bucketState } from "./bucket-state";
import { deliverBatch, jobRow, messageFor, spyEnv, testDb } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

async function failingJob(code: string) {
  const tenant = await seedTenant(env.DB);
  const job = await seedJob(env.DB, tenant, {
    overrides: { input: { prompt: `outage [demo:fail=${code}]`, aspect_ratio: "1x1", num_images: 1 } },
  });
  const stub = env.TOKEN_BUCKET.getByName(bucketName(tenant.instanceId, "demo"));
  return { tenant, job, stub };
}

/**
 * Runs one job attempt (one queue delivery) and returns how many provider calls it made. The retry
 * the consumer schedules is a delayed message: here its delay is taken as elapsed (resend_due_at
 * cleared) and the message it sent is the next one delivered.
 */
async function attempt(job: Awaited<ReturnType<typeof failingJob>>["job"], calls: () => number) {
  const before = calls();
  const next = pending.get(job.id) ?? messageFor(await jobRow(job.id));
  await testDb.update(jobs).set({ resendDueAt: null }).where(eq(jobs.id, job.id));
  const target = spyEnv();
  await deliverBatch(env.JOBS_QUEUE_NAME, [next], target.env);
  const sent = target.JOBS.send.mock.calls.at(-1)?.[0];
  if (sent) pending.set(job.id, sent);
  return calls() - before;
}

const pending = new Map<string, JobMessage>();

describe("circuit breaker: the rule in calls", () => {
  it("opens on the 10th consecutive failed call: 3 calls per attempt on network errors, so during the 4th attempt", async () => {
    expect(PACING_DEFAULTS.failureThreshold).toBe(10);
    const generate = vi.spyOn(demoProvider, "generate");
    const { job, stub } = await failingJob("provider_network_error");

    const perAttempt: number[] = [];
    for (let i = 0; i < 3; i++) perAttempt.push(await attempt(job, () => generate.mock.calls.length));
    expect(perAttempt).toEqual([3, 3, 3]);
    expect((await bucketState(stub)).circuit).toMatchObject({ status: "closed", failures: 9 });

    // The 4th attempt's first call is the 10th failure: the circuit opens, its quick retry is refused.
    expect(await attempt(job, () => generate.mock.calls.length)).toBe(1);
    expect((await bucketState(stub)).circuit.status).toBe("open");
    expect(generate).toHaveBeenCalledTimes(10);
  }, 60_000);

  it("counts one call per attempt on a 5xx (provider_unavailable), across the instance's jobs", async () => {
    const generate = vi.spyOn(demoProvider, "generate");
    const first = await failingJob("provider_unavailable");
    const calls = () => generate.mock.calls.length;
    // Ten attempts over several jobs of the same instance (a job has JOB_MAX_ATTEMPTS of its own).
    const jobs = [first.job];
    for (let i = 1; i < 5; i++) {
      jobs.push(
        await seedJob(env.DB, first.tenant, {
          overrides: {
            input: { prompt: "outage [demo:fail=provider_unavailable]", aspect_ratio: "1x1", num_images: 1 },
          },
        }),
      );
    }
    const made: number[] = [];
    for (const job of jobs) for (let i = 0; i < 2; i++) made.push(await attempt(job, calls));
    expect(made).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect((await bucketState(first.stub)).circuit.status).toBe("open");
  }, 60_000);

  it("does not count 429s: a rate-limited provider is slow, not down", async () => {
    const generate = vi.spyOn(demoProvider, "generate");
    const { job, stub } = await failingJob("provider_rate_limited");
    for (let i = 0; i < 4; i++) await attempt(job, () => generate.mock.calls.length);
    expect(generate.mock.calls.length).toBeGreaterThanOrEqual(4);
    expect((await bucketState(stub)).circuit).toMatchObject({ status: "closed", failures: 0 });
  }, 60_000);
});

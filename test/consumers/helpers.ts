// Driving the consumer Worker inside workerd: batches built with createMessageBatch and handed to
// the Worker's own queue() (exports.default.queue() would be treated as RPC). JOBS / JOBS_DLQ are
// spies, so what the consumer sends is observed and no local queue delivers it back mid-test.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { vi } from "vitest";
import worker from "../../consumers/src/index";
import { createDb } from "../../shared/db/client";
import type { JobRow } from "../../shared/db/queries/jobs";
import { jobs } from "../../shared/db/schema";
import type { JobMessage } from "../../shared/jobs/message";

export const testDb = createDb(env.DB);

export function queueSpy() {
  return {
    send: vi.fn(async (_body: JobMessage, _options?: QueueSendOptions) => {}),
    sendBatch: vi.fn(async (_messages: Iterable<MessageSendRequest<JobMessage>>) => {}),
  };
}

/** The real env with spies in place of the job queues' producer bindings. */
export function spyEnv() {
  const JOBS = queueSpy();
  const JOBS_DLQ = queueSpy();
  return { env: { ...env, JOBS, JOBS_DLQ } as unknown as ConsumerEnv, JOBS, JOBS_DLQ };
}

export function messageFor(job: JobRow, attempt = 0): JobMessage {
  return {
    v: 1,
    kind: "job",
    job_id: job.id,
    instance_id: job.instanceId,
    project_id: job.projectId,
    request_id: job.requestId,
    attempt,
  };
}

/**
 * Hands one batch of `bodies` from `queue` to the consumer and returns what it did with each.
 * Message ids are `ids[i]` when given (to assert on), else random.
 */
export async function deliverBatch(
  queue: string,
  bodies: unknown[],
  target: ConsumerEnv,
  ids: string[] = [],
) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({
      id: ids[i] ?? crypto.randomUUID(),
      timestamp: new Date(),
      attempts: 1,
      body,
    })),
  );
  const ctx = createExecutionContext();
  await (worker as ExportedHandler<ConsumerEnv>).queue!(batch, target, ctx);
  return getQueueResult(batch, ctx);
}

export const jobRow = async (id: string) => (await testDb.select().from(jobs).where(eq(jobs.id, id)).get())!;

export const eventTypes = async (id: string) => (await jobRow(id)).events.map((e) => e.type);

/** Waits (real time, a few seconds at most) until the job reaches `status`. */
export async function untilStatus(id: string, status: JobRow["status"]) {
  for (let i = 0; i < 200 && (await jobRow(id)).status !== status; i++) await scheduler.wait(10);
}

// A queue batch's jobs are read in one D1 statement before its messages run, not one read each.
// The D1 binding is wrapped to record every statement the consumer prepares.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedJob, seedTenant } from "../support/tenant";
import { deliverBatch, jobRow, messageFor, spyEnv } from "./helpers";

function recordingD1(db: D1Database) {
  const statements: string[] = [];
  const recording = new Proxy(db, {
    get(target, key) {
      if (key === "prepare")
        return (query: string) => {
          statements.push(query);
          return target.prepare(query);
        };
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { recording, statements };
}

const readsOneJob = (q: string) => /^select .* from "jobs" where "jobs"\."id" = \?/i.test(q);
const readsManyJobs = (q: string) => /^select .* from "jobs" where "jobs"\."id" in \(/i.test(q);

describe("one read for a batch's jobs", () => {
  it("reads three jobs of one batch in one statement, and each still succeeds", async () => {
    const tenant = await seedTenant(env.DB);
    const seeded = await Promise.all(
      [1, 2, 3].map(() =>
        seedJob(env.DB, tenant, {
          overrides: { input: { prompt: "batch", aspect_ratio: "1x1", num_images: 1 } },
        }),
      ),
    );
    const { env: target } = spyEnv();
    const d1 = recordingD1(env.DB);
    const result = await deliverBatch(
      env.JOBS_QUEUE_NAME,
      seeded.map((job) => messageFor(job)),
      { ...target, DB: d1.recording } as ConsumerEnv,
    );

    expect(result.explicitAcks).toHaveLength(3);
    for (const job of seeded) expect((await jobRow(job.id)).status).toBe("succeeded");
    expect(d1.statements.filter(readsManyJobs)).toHaveLength(1);
    expect(d1.statements.filter(readsOneJob)).toHaveLength(0);
  });

  it("a batch of one reads its job as before; a message whose job is gone is acked", async () => {
    const tenant = await seedTenant(env.DB);
    const job = await seedJob(env.DB, tenant, {
      overrides: { input: { prompt: "alone", aspect_ratio: "1x1", num_images: 1 } },
    });
    const { env: target } = spyEnv();
    const d1 = recordingD1(env.DB);
    const gone = { ...messageFor(job), job_id: "job_doesnotexist000000" };
    const single = await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(job)], {
      ...target,
      DB: d1.recording,
    } as ConsumerEnv);
    expect(single.explicitAcks).toHaveLength(1);
    expect(d1.statements.filter(readsOneJob)).toHaveLength(1);
    expect(d1.statements.filter(readsManyJobs)).toHaveLength(0);

    const other = await seedJob(env.DB, tenant, {
      overrides: { input: { prompt: "with a gone one", aspect_ratio: "1x1", num_images: 1 } },
    });
    const pair = await deliverBatch(env.JOBS_QUEUE_NAME, [gone, messageFor(other)], target);
    expect(pair.explicitAcks).toHaveLength(2);
    expect((await jobRow(other.id)).status).toBe("succeeded");
  });
});

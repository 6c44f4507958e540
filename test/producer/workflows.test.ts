// Workflows on the Workers runtime: the routes through the real producer, the WorkflowState object
// bound to its copy in the test Worker. A job's ending is simulated as its change would be: the row
// updated, then the object told through notifyWorkflow (what the announce hook does after
// transition()); test/consumers/workflows.test.ts runs the real path through the consumer.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { JobStatus } from "../../shared/jobs/enums";
import type { Job } from "../../shared/jobs/schemas";
import { notifyWorkflow } from "../../shared/workflows/notify";
import { seedProject, seedTenant, type SeededTenant } from "../support/tenant";
import { call, expectProblem, getInit, jobBody, postInit, rows } from "./helpers";

interface Submission {
  workflow: {
    id: string;
    status: string;
    done: boolean;
    version: number;
    total: number;
    counts: Record<JobStatus, number>;
    priority: number;
    completed_at: string | null;
  };
  jobs: Job[];
  rejected: { index: number; code: string; detail: string }[];
}

async function createWorkflow(key: string, body: Record<string, unknown>): Promise<Submission> {
  const res = await call("/v1/workflows", postInit(key, body));
  expect(res.status, await res.clone().text()).toBe(201);
  const answer = (await res.json()) as Submission;
  expect(res.headers.get("location")).toBe(`/v1/workflows/${answer.workflow.id}`);
  return answer;
}

/** Ends a job as the consumer would leave it, and tells its workflow (as the announce hook does). */
async function endJob(job: Job, status: JobStatus, workflowId: string, error?: string) {
  const [row] = await rows<{ version: number }>(
    "UPDATE jobs SET status = ?, version = version + 1, error_code = ?, error_message = ?, completed_at = ? WHERE id = ? RETURNING version",
    status,
    error ?? null,
    error ? `${error} (test)` : null,
    Date.now(),
    job.id,
  );
  return notifyWorkflow(env.WORKFLOW_STATE, { id: job.id, status, version: row!.version, workflowId });
}

async function getJson<T>(key: string, path: string): Promise<T> {
  const res = await call(path, getInit(key));
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

const twoJobs = () => [jobBody(), jobBody({ input: { prompt: "a second lighthouse", num_images: 1 } })];

describe("POST /v1/workflows", () => {
  it("creates the workflow and its jobs as POST /v1/jobs would, each row carrying the workflow id", async () => {
    const t = await seedTenant(env.DB);
    const { workflow, jobs, rejected } = await createWorkflow(t.userKey, {
      name: "catalog",
      priority: 5,
      metadata: { batch: "b-1" },
      jobs: twoJobs(),
    });
    expect(workflow).toMatchObject({ status: "active", done: false, version: 1, total: 2, priority: 5 });
    expect(workflow.counts.queued).toBe(2);
    expect(rejected).toEqual([]);
    expect(jobs.map((j) => j.status)).toEqual(["queued", "queued"]);
    const stored = await rows<{ workflow_id: string; project_id: string }>(
      "SELECT workflow_id, project_id FROM jobs WHERE instance_id = ? ORDER BY created_at",
      t.instanceId,
    );
    expect(stored).toEqual(jobs.map(() => ({ workflow_id: workflow.id, project_id: t.projectId })));
  });

  it("leaves a job outside any workflow with no workflow id and never asks a workflow object", async () => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", postInit(t.userKey, jobBody()));
    expect(res.status).toBe(202);
    const job = (await res.json()) as Job;
    const [row] = await rows<{ workflow_id: string | null }>(
      "SELECT workflow_id FROM jobs WHERE id = ?",
      job.id,
    );
    expect(row?.workflow_id).toBeNull();
    // The notification hook returns before touching the binding: this namespace throws if used.
    const untouchable = new Proxy(
      {},
      {
        get: () => {
          throw new Error("workflow object asked");
        },
      },
    );
    expect(
      await notifyWorkflow(untouchable, { id: job.id, status: "succeeded", version: 2, workflowId: null }),
    ).toBeNull();
  });

  it("lists an item POST /v1/jobs would refuse in `rejected` and creates the others", async () => {
    const t = await seedTenant(env.DB);
    const { workflow, jobs, rejected } = await createWorkflow(t.userKey, {
      name: "mixed",
      jobs: [jobBody(), jobBody({ webhook_url: "http://169.254.169.254/latest" })],
    });
    expect(jobs).toHaveLength(1);
    expect(rejected).toEqual([{ index: 1, code: "webhook_url_invalid", detail: expect.any(String) }]);
    expect(workflow.total).toBe(1);
  });

  it("refuses an item in another project with 400 and creates nothing", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedProject(env.DB, t);
    const res = await call(
      "/v1/workflows",
      postInit(t.instanceWideKey, {
        name: "two projects",
        project_id: t.projectId,
        jobs: [jobBody(), jobBody({ project_id: other.projectId })],
      }),
    );
    const problem = await expectProblem(res, 400, "validation_failed");
    expect(problem.errors).toEqual([{ path: "jobs.1.project_id", message: expect.any(String) }]);
    expect(await rows("SELECT id FROM jobs WHERE instance_id = ?", t.instanceId)).toEqual([]);
    expect(await rows("SELECT id FROM workflows WHERE instance_id = ?", t.instanceId)).toEqual([]);
  });

  it("refuses an item that is not a valid job body with 400 validation_failed", async () => {
    const t = await seedTenant(env.DB);
    const res = await call(
      "/v1/workflows",
      postInit(t.userKey, { name: "bad", jobs: [{ type: "image.generate" }] }),
    );
    await expectProblem(res, 400, "validation_failed");
  });
});

describe("POST /v1/workflows with Idempotency-Key", () => {
  it("answers a retry with the first answer and creates nothing more", async () => {
    const t = await seedTenant(env.DB);
    const body = { name: "once", jobs: twoJobs() };
    const first = await createWorkflow(t.userKey, body);
    const init = postInit(t.userKey, body, { "idempotency-key": "wf-order-7" });
    // The first request above had no key: this one creates, the next replays.
    const keyed = await call("/v1/workflows", init);
    expect(keyed.status).toBe(201);
    const created = (await keyed.json()) as Submission;
    const again = await call("/v1/workflows", postInit(t.userKey, body, { "idempotency-key": "wf-order-7" }));
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(`/v1/workflows/${created.workflow.id}`);
    expect(await again.json()).toEqual(created);
    const made = await rows("SELECT id FROM workflows WHERE instance_id = ?", t.instanceId);
    expect(made.map((r) => r.id).sort()).toEqual([first.workflow.id, created.workflow.id].sort());
    expect(await rows("SELECT id FROM jobs WHERE instance_id = ?", t.instanceId)).toHaveLength(4);
  });

  it("answers 422 idempotency_key_reused for the same key with another body", async () => {
    const t = await seedTenant(env.DB);
    const key = { "idempotency-key": "wf-order-8" };
    expect((await call("/v1/workflows", postInit(t.userKey, { name: "a" }, key))).status).toBe(201);
    await expectProblem(
      await call("/v1/workflows", postInit(t.userKey, { name: "b" }, key)),
      422,
      "idempotency_key_reused",
    );
  });
});

describe("GET /v1/workflows/{id} and POST /v1/workflows/{id}/jobs", () => {
  it("starts empty, counts the jobs added later, and is done once every job has ended", async () => {
    const t = await seedTenant(env.DB);
    const { workflow } = await createWorkflow(t.userKey, { name: "filled later" });
    expect(workflow).toMatchObject({ status: "empty", total: 0, version: 1, done: false });

    const res = await call(`/v1/workflows/${workflow.id}/jobs`, postInit(t.userKey, { jobs: twoJobs() }));
    expect(res.status, await res.clone().text()).toBe(202);
    const added = (await res.json()) as Submission;
    expect(added.workflow).toMatchObject({ status: "active", total: 2, version: 2 });

    await endJob(added.jobs[0]!, "succeeded", workflow.id);
    let now = await getJson<Submission["workflow"]>(t.userKey, `/v1/workflows/${workflow.id}`);
    expect(now).toMatchObject({ status: "active", done: false, version: 3 });
    expect(now.counts).toMatchObject({ queued: 1, succeeded: 1 });

    const last = await endJob(added.jobs[1]!, "failed", workflow.id, "provider_error");
    expect(last).toEqual({ version: 4, done: true, completed: true });
    now = await getJson<Submission["workflow"]>(t.userKey, `/v1/workflows/${workflow.id}`);
    expect(now).toMatchObject({ status: "done", done: true, version: 4 });
    expect(now.counts).toMatchObject({ queued: 0, succeeded: 1, failed: 1 });
    expect(now.completed_at).toEqual(expect.any(String));
  });

  it("hears of a job canceled through the API (the producer's transition announces it)", async () => {
    const t = await seedTenant(env.DB);
    const { workflow, jobs } = await createWorkflow(t.userKey, { name: "cancel", jobs: [jobBody()] });
    const res = await call(`/v1/jobs/${jobs[0]!.id}/cancel`, postInit(t.userKey, {}));
    expect(res.status, await res.clone().text()).toBe(202);
    const now = await getJson<Submission["workflow"]>(t.userKey, `/v1/workflows/${workflow.id}`);
    expect(now).toMatchObject({ status: "done", version: 2, counts: { canceled: 1, queued: 0 } });
  });

  it("answers 404 workflow_not_found for another instance's workflow, and another project's", async () => {
    const t = await seedTenant(env.DB);
    const { workflow } = await createWorkflow(t.userKey, { name: "mine" });
    const stranger: SeededTenant = await seedTenant(env.DB);
    await expectProblem(
      await call(`/v1/workflows/${workflow.id}`, getInit(stranger.userKey)),
      404,
      "workflow_not_found",
    );
    const neighbour = await seedProject(env.DB, t);
    await expectProblem(
      await call(`/v1/workflows/${workflow.id}`, getInit(neighbour.userKey)),
      404,
      "workflow_not_found",
    );
    const add = await call(
      `/v1/workflows/${workflow.id}/jobs`,
      postInit(stranger.userKey, { jobs: [jobBody()] }),
    );
    await expectProblem(add, 404, "workflow_not_found");
  });

  it("answers 401 without a key", async () => {
    await expectProblem(await call("/v1/workflows/wf_nothing"), 401, "unauthorized");
  });
});

describe("GET /v1/workflows/{id}/history", () => {
  it("numbers a version per jobs added and per job ended, and pages with `after`", async () => {
    const t = await seedTenant(env.DB);
    const { workflow, jobs } = await createWorkflow(t.userKey, { name: "history", jobs: twoJobs() });
    await endJob(jobs[0]!, "succeeded", workflow.id);
    // An older notification (a redelivered one) makes no version.
    await notifyWorkflow(env.WORKFLOW_STATE, {
      id: jobs[0]!.id,
      status: "running",
      version: 1,
      workflowId: workflow.id,
    });
    await endJob(jobs[1]!, "canceled", workflow.id);

    type History = {
      data: { version: number; type: string; job_ids: string[]; done: boolean; data: unknown }[];
      next_after: number | null;
    };
    const all = await getJson<History>(t.userKey, `/v1/workflows/${workflow.id}/history`);
    expect(all.data.map((v) => [v.version, v.type, v.done])).toEqual([
      [1, "created", false],
      [2, "job_ended", false],
      [3, "job_ended", true],
    ]);
    expect(all.data[0]!.job_ids).toEqual(jobs.map((j) => j.id));
    expect(all.data[2]!.data).toEqual({ status: "canceled" });
    expect(all.next_after).toBeNull();

    const first = await getJson<History>(t.userKey, `/v1/workflows/${workflow.id}/history?limit=2`);
    expect(first.data.map((v) => v.version)).toEqual([1, 2]);
    expect(first.next_after).toBe(2);
    const rest = await getJson<History>(t.userKey, `/v1/workflows/${workflow.id}/history?after=2`);
    expect(rest.data.map((v) => v.version)).toEqual([3]);
  });
});

describe("snapshots and re-run", () => {
  it("snapshots the jobs with their requests and outcomes, and re-runs the failed ones as new jobs", async () => {
    const t = await seedTenant(env.DB);
    const { workflow, jobs } = await createWorkflow(t.userKey, {
      name: "rerun",
      jobs: [...twoJobs(), jobBody({ metadata: { sku: "42" } })],
    });
    await endJob(jobs[0]!, "succeeded", workflow.id);
    await endJob(jobs[1]!, "canceled", workflow.id);
    await endJob(jobs[2]!, "dead_lettered", workflow.id, "provider_unavailable");

    const res = await call(`/v1/workflows/${workflow.id}/snapshots`, postInit(t.userKey, {}));
    expect(res.status, await res.clone().text()).toBe(201);
    type Snapshot = {
      id: string;
      version: number;
      job_count: number;
      failed_count: number;
      jobs: {
        id: string;
        status: string;
        request: { metadata: unknown } | null;
        outcome: { error: unknown };
      }[];
    };
    const snapshot = (await res.json()) as Snapshot;
    expect(snapshot).toMatchObject({ version: 4, job_count: 3, failed_count: 1 });
    // Jobs of one request share their creation time: the snapshot lists them by (created_at, id).
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect(snapshot.jobs.map((j) => [j.id, j.status])).toEqual(
      [
        [jobs[0]!.id, "succeeded"],
        [jobs[1]!.id, "canceled"],
        [jobs[2]!.id, "dead_lettered"],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    expect([...snapshot.jobs].sort(byId)).toEqual(snapshot.jobs);
    expect(snapshot.jobs.find((j) => j.id === jobs[2]!.id)).toMatchObject({
      request: { metadata: { sku: "42" } },
      outcome: { error: { code: "provider_unavailable", message: "provider_unavailable (test)" } },
    });
    expect(
      await getJson<Snapshot>(t.userKey, `/v1/workflows/${workflow.id}/snapshots/${snapshot.id}`),
    ).toEqual(snapshot);

    const rerun = await call(
      `/v1/workflows/${workflow.id}/rerun`,
      postInit(t.userKey, { snapshot_id: snapshot.id }),
    );
    expect(rerun.status, await rerun.clone().text()).toBe(202);
    const answer = (await rerun.json()) as Submission & {
      replaces: Record<string, string>;
      snapshot_id: string;
    };
    expect(answer.jobs).toHaveLength(1);
    const fresh = answer.jobs[0]!;
    expect(fresh).toMatchObject({ status: "queued", metadata: { sku: "42" }, input: jobs[2]!.input });
    expect(answer.replaces).toEqual({ [fresh.id]: jobs[2]!.id });
    expect(answer.workflow).toMatchObject({ status: "active", done: false, total: 4, version: 5 });
    const [row] = await rows<{ workflow_id: string }>("SELECT workflow_id FROM jobs WHERE id = ?", fresh.id);
    expect(row?.workflow_id).toBe(workflow.id);

    // The re-run job's ending completes the workflow again, at a new version.
    expect(await endJob(fresh, "succeeded", workflow.id)).toEqual({
      version: 6,
      done: true,
      completed: true,
    });
  });

  it("repairs the counts a lost notification left behind when it takes a snapshot", async () => {
    const t = await seedTenant(env.DB);
    const { workflow, jobs } = await createWorkflow(t.userKey, { name: "lost", jobs: [jobBody()] });
    // The job ended, but its workflow never heard of it.
    await rows("UPDATE jobs SET status = 'succeeded', version = version + 1 WHERE id = ?", jobs[0]!.id);
    const before = await getJson<Submission["workflow"]>(t.userKey, `/v1/workflows/${workflow.id}`);
    expect(before).toMatchObject({ status: "active", version: 1 });

    const res = await call(`/v1/workflows/${workflow.id}/snapshots`, postInit(t.userKey, {}));
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ version: 2, job_count: 1 });
    const after = await getJson<Submission["workflow"]>(t.userKey, `/v1/workflows/${workflow.id}`);
    expect(after).toMatchObject({ status: "done", version: 2, counts: { succeeded: 1, queued: 0 } });
  });

  it("answers 404 workflow_snapshot_not_found for a snapshot of another workflow", async () => {
    const t = await seedTenant(env.DB);
    const a = await createWorkflow(t.userKey, { name: "a" });
    const b = await createWorkflow(t.userKey, { name: "b" });
    const res = await call(`/v1/workflows/${a.workflow.id}/snapshots`, postInit(t.userKey, {}));
    const { id } = (await res.json()) as { id: string };
    const wrong = await call(`/v1/workflows/${b.workflow.id}/snapshots/${id}`, getInit(t.userKey));
    await expectProblem(wrong, 404, "workflow_snapshot_not_found");
    const rerun = await call(
      `/v1/workflows/${b.workflow.id}/rerun`,
      postInit(t.userKey, { snapshot_id: id }),
    );
    await expectProblem(rerun, 404, "workflow_snapshot_not_found");
  });
});

describe("GET /v1/workflows/{id}/stream", () => {
  /** Reads the event stream to its end: each event's id, type and data. */
  async function readEvents(res: Response) {
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const text = await res.text();
    return text
      .split("\n\n")
      .filter((block) => block.startsWith("id: "))
      .map((block) => {
        const [id, event, data] = block.split("\n");
        return {
          id: Number(id!.slice(4)),
          event: event!.slice(7),
          data: JSON.parse(data!.slice(6)) as { type: string; done: boolean },
        };
      });
  }

  it("sends each version as it is made and ends after the one that completes the workflow", async () => {
    const t = await seedTenant(env.DB);
    const { workflow, jobs } = await createWorkflow(t.userKey, { name: "live", jobs: twoJobs() });
    const res = await call(`/v1/workflows/${workflow.id}/stream`, getInit(t.userKey));
    // The jobs end while the stream is open: the object wakes the waiting stream.
    const reading = readEvents(res);
    await scheduler.wait(50);
    await endJob(jobs[0]!, "succeeded", workflow.id);
    await endJob(jobs[1]!, "succeeded", workflow.id);
    const events = await reading;
    expect(events.map((e) => [e.id, e.event, e.data.type, e.data.done])).toEqual([
      [1, "workflow.version", "created", false],
      [2, "workflow.version", "job_ended", false],
      [3, "workflow.version", "job_ended", true],
    ]);
  });

  it("resumes after Last-Event-ID", async () => {
    const t = await seedTenant(env.DB);
    const { workflow, jobs } = await createWorkflow(t.userKey, { name: "resume", jobs: [jobBody()] });
    await endJob(jobs[0]!, "failed", workflow.id, "provider_error");
    const res = await call(`/v1/workflows/${workflow.id}/stream`, {
      headers: { ...getInit(t.userKey).headers, "last-event-id": "1" },
    });
    expect((await readEvents(res)).map((e) => [e.id, e.data.done])).toEqual([[2, true]]);
  });

  it("answers 404 workflow_not_found for another instance's workflow", async () => {
    const t = await seedTenant(env.DB);
    const { workflow } = await createWorkflow(t.userKey, { name: "private" });
    const stranger = await seedTenant(env.DB);
    const res = await call(`/v1/workflows/${workflow.id}/stream`, getInit(stranger.userKey));
    await expectProblem(res, 404, "workflow_not_found");
  });
});

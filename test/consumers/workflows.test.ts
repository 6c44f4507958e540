// The WorkflowState object and `workflow.completed` on the Workers runtime: completion decided once
// however the endings interleave, an ending that arrives before its job was added, a replayed job
// reopening the workflow, and the completion webhook signed with the project's secret as job events
// are (verified with the standardwebhooks library, as a customer's receiver would).
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { deliverWebhook } from "../../consumers/src/deliver-webhook";
import { createDb } from "../../shared/db/client";
import { projects, webhookEvents, workflows } from "../../shared/db/schema";
import { newId } from "../../shared/ids";
import type { JobStatus } from "../../shared/jobs/enums";
import { generateMasterKey, importMasterKey } from "../../shared/providers/keys/crypto";
import { webhookDeliveryMessage } from "../../shared/webhooks/message";
import { sealWebhookSecret } from "../../shared/webhooks/sealed-secret";
import { generateWebhookSecret } from "../../shared/webhooks/secret";
import { notifyWorkflow } from "../../shared/workflows/notify";
import { workflowStateOf } from "../../shared/workflows/object";
import { completionJobVersion } from "../../shared/workflows/webhook";
import { type SeededTenant, seedJob, seedTenant } from "../support/tenant";
import { deliverBatch, jobRow, messageFor, spyEnv } from "./helpers";

const db = createDb(env.DB);
const HOOK_URL = "https://hooks.example.com/workflows";
const MASTER = generateMasterKey();
const masterKey = await importMasterKey(MASTER);

/** A tenant whose project has a webhook URL and a secret (stored sealed, as the admin API stores it). */
async function tenantWithHook(): Promise<{ t: SeededTenant; secret: string }> {
  const t = await seedTenant(env.DB);
  const secret = generateWebhookSecret();
  await db
    .update(projects)
    .set({ webhookUrl: HOOK_URL, webhookSecret: await sealWebhookSecret(masterKey, t.projectId!, secret) })
    .where(eq(projects.id, t.projectId!));
  return { t, secret };
}

/** A workflow row and `n` queued jobs in it; its object opened with the first `opened` of them. */
async function workflowWith(t: SeededTenant, n: number, opened = n) {
  const id = newId("wf");
  const now = Date.now();
  await db.insert(workflows).values({
    id,
    instanceId: t.instanceId,
    projectId: t.projectId!,
    apiKeyId: t.keyIds.user,
    name: "test workflow",
    requestId: newId("req"),
    createdAt: now,
  });
  const jobs = [];
  for (let i = 0; i < n; i++) jobs.push(await seedJob(env.DB, t, { overrides: { workflowId: id } }));
  const state = workflowStateOf(env.WORKFLOW_STATE, id);
  const meta = {
    workflowId: id,
    instanceId: t.instanceId,
    projectId: t.projectId!,
    name: "test workflow",
    metadata: { run: "1" },
    webhookUrl: null,
  };
  const tracked = jobs.map((j) => ({ jobId: j.id, status: j.status, version: j.version }));
  await state.open(meta, tracked.slice(0, opened), null);
  return { id, jobs, state, tracked };
}

const ended = (jobId: string, status: JobStatus, version = 2) => ({ jobId, status, version });

async function completionEvents(workflowJobIds: string[]) {
  const rows = await db
    .select()
    .from(webhookEvents)
    .where(eq(webhookEvents.type, "workflow.completed"))
    .all();
  return rows.filter((r) => workflowJobIds.includes(r.jobId));
}

describe("WorkflowState", () => {
  it("completes exactly once when the last jobs end at the same moment", async () => {
    const { t } = await tenantWithHook();
    const { state, jobs } = await workflowWith(t, 3);
    const answers = await Promise.all(
      jobs.map((j, i) => state.jobChanged(ended(j.id, i === 0 ? "failed" : "succeeded"))),
    );
    expect(answers.filter((a) => a.completed)).toHaveLength(1);
    expect(answers.map((a) => a.version).sort()).toEqual([2, 3, 4]);
    const history = await state.history(0, 10);
    expect(history.map((v) => [v.type, v.done])).toEqual([
      ["created", false],
      ["job_ended", false],
      ["job_ended", false],
      ["job_ended", true],
    ]);
    expect(history[3]!.counts).toMatchObject({ succeeded: 2, failed: 1, queued: 0 });
    const events = await completionEvents(jobs.map((j) => j.id));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      url: HOOK_URL,
      jobVersion: completionJobVersion(4),
      status: "pending",
    });
  });

  it("does not complete while a job that already ended has not been added yet", async () => {
    const { t } = await tenantWithHook();
    // Job 2's ending reaches the object before the request that created it has added it.
    const { state, jobs, tracked } = await workflowWith(t, 2, 1);
    expect(await state.jobChanged(ended(jobs[1]!.id, "succeeded"))).toMatchObject({ completed: false });
    expect(await state.jobChanged(ended(jobs[0]!.id, "succeeded"))).toEqual({
      version: 2,
      done: false,
      completed: false,
    });
    expect(await completionEvents(jobs.map((j) => j.id))).toEqual([]);

    const view = await state.addJobs([tracked[1]!], null);
    // Added as queued (version 1), it keeps the newer status it reported.
    expect(view).toMatchObject({ version: 3, done: true, total: 2 });
    expect(view.counts).toMatchObject({ succeeded: 2, queued: 0 });
    const events = await completionEvents(jobs.map((j) => j.id));
    expect(events.map((e) => e.jobId)).toEqual([jobs[1]!.id]);
  });

  it("reopens when a dead-lettered job is replayed, and completes again when it ends", async () => {
    const { t } = await tenantWithHook();
    const { state, jobs } = await workflowWith(t, 1);
    expect(await state.jobChanged(ended(jobs[0]!.id, "dead_lettered", 3))).toMatchObject({ completed: true });
    // An older notification (delivered late) changes nothing.
    expect(await state.jobChanged(ended(jobs[0]!.id, "running", 2))).toEqual({
      version: null,
      done: true,
      completed: false,
    });
    expect(await state.jobChanged(ended(jobs[0]!.id, "queued", 4))).toMatchObject({
      version: 3,
      done: false,
    });
    expect(await state.view()).toMatchObject({ done: false, completedAt: null });
    expect(await state.jobChanged(ended(jobs[0]!.id, "succeeded", 6))).toMatchObject({
      version: 4,
      completed: true,
    });
    const events = await completionEvents([jobs[0]!.id]);
    expect(events.map((e) => e.jobVersion).sort((a, b) => a - b)).toEqual([
      completionJobVersion(4),
      completionJobVersion(2),
    ]);
  });

  it("sends nothing for a workflow whose project has no webhook URL, and still completes", async () => {
    const t = await seedTenant(env.DB);
    const { state, jobs } = await workflowWith(t, 1);
    expect(await state.jobChanged(ended(jobs[0]!.id, "canceled"))).toMatchObject({
      done: true,
      completed: true,
    });
    expect(await completionEvents([jobs[0]!.id])).toEqual([]);
  });
});

describe("workflow.completed", () => {
  it("is signed with the project's secret and carries the workflow's counts", async () => {
    const { t, secret } = await tenantWithHook();
    const { id, jobs } = await workflowWith(t, 2);
    await notifyWorkflow(env.WORKFLOW_STATE, {
      id: jobs[0]!.id,
      status: "succeeded",
      version: 2,
      workflowId: id,
    });
    await notifyWorkflow(env.WORKFLOW_STATE, {
      id: jobs[1]!.id,
      status: "failed",
      version: 2,
      workflowId: id,
    });
    const [event] = await completionEvents(jobs.map((j) => j.id));
    expect(event).toBeDefined();

    const calls: { headers: Record<string, string>; body: string }[] = [];
    const receive = (async (_url: RequestInfo | URL, init?: RequestInit) => {
      calls.push({ headers: Object.fromEntries(new Headers(init?.headers)), body: String(init?.body) });
      return new Response("ok");
    }) as typeof fetch;
    const sent: unknown[] = [];
    const spy = { send: async (body: unknown) => void sent.push(body) } as unknown as Queue;
    const result = await deliverWebhook(
      {
        db,
        env: { ...env, PROVIDER_KEYS_MASTER_KEY: MASTER, WEBHOOKS: spy, WEBHOOKS_DLQ: spy },
        fetch: receive,
        now: () => Date.now(),
      },
      // With the copy the object's own message carries. The object's message also went to the real
      // local queue, whose delivery (no master key here) fails on its own: nothing below reads the
      // event's status, which that delivery may change at any moment.
      webhookDeliveryMessage(event!.id, 1, 0, {
        job_id: event!.jobId,
        instance_id: event!.instanceId,
        project_id: event!.projectId,
        url: event!.url,
        body: event!.body,
      }),
    );
    expect(result).toMatchObject({ kind: "delivered" });
    const [call] = calls.filter((c) => c.headers["webhook-id"] === event!.id);
    const payload = new Webhook(secret).verify(call!.body, call!.headers);
    expect(payload).toEqual({
      type: "workflow.completed",
      timestamp: expect.any(String),
      data: expect.objectContaining({
        object: "workflow",
        id,
        name: "test workflow",
        metadata: { run: "1" },
        version: 3,
        total: 2,
        done: true,
        counts: expect.objectContaining({ succeeded: 1, failed: 1, queued: 0 }),
      }),
    });
  });
});

describe("through the consumer", () => {
  it("completes the workflow when the consumer runs its last job (transition -> announce -> object)", async () => {
    const { t } = await tenantWithHook();
    const { id, jobs, state } = await workflowWith(t, 2);
    const { env: target } = spyEnv();
    const result = await deliverBatch(
      env.JOBS_QUEUE_NAME,
      jobs.map((j) => messageFor(j)),
      target,
    );
    expect(result.explicitAcks).toHaveLength(2);
    expect((await jobRow(jobs[0]!.id)).status).toBe("succeeded");
    expect((await jobRow(jobs[1]!.id)).status).toBe("succeeded");
    expect(await state.view()).toMatchObject({
      done: true,
      total: 2,
      counts: expect.objectContaining({ succeeded: 2 }),
    });
    const history = await state.history(0, 10);
    expect(history.map((v) => v.type)).toEqual(["created", "job_ended", "job_ended"]);
    const events = await completionEvents(jobs.map((j) => j.id));
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.body)).toMatchObject({ type: "workflow.completed", data: { id, total: 2 } });
  });

  it("never asks a workflow object about a job outside any workflow", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t);
    let asked = 0;
    const counting = new Proxy(env.WORKFLOW_STATE, {
      get(target, prop, receiver) {
        asked++;
        return Reflect.get(target, prop, receiver);
      },
    });
    const { env: spied } = spyEnv();
    const result = await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(job)], {
      ...spied,
      WORKFLOW_STATE: counting,
    });
    expect(result.explicitAcks).toHaveLength(1);
    expect((await jobRow(job.id)).status).toBe("succeeded");
    expect(asked).toBe(0);
  });
});

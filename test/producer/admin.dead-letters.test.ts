import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import app from "../../producer/src/index";
import { createDb } from "../../shared/db/client";
import { getJob, type JobRow } from "../../shared/db/queries/jobs";
import { deadLetters } from "../../shared/db/schema";
import { newId } from "../../shared/ids";
import type { JobMessage } from "../../shared/jobs/message";
import { REPLAY_DELAY_SECONDS } from "../../shared/jobs/replay";
import {
  authHeaders,
  jobHistory,
  type SeededTenant,
  seedJob,
  seedProject,
  seedTenant,
} from "../support/tenant";

const db = () => createDb(env.DB);

/** A JOBS binding that records what is sent (or fails every send). */
function queueSpy(opts: { fail?: boolean } = {}) {
  const send = vi.fn(async (_body: JobMessage, _options?: QueueSendOptions) => {
    if (opts.fail) throw new Error("Queue send failed: simulated outage");
  });
  const sendBatch = vi.fn(async () => {
    throw new Error("sendBatch is not expected");
  });
  return { send, sendBatch } as unknown as Queue & { send: typeof send };
}

async function call(path: string, key: string, init: RequestInit = {}, JOBS: Queue = env.JOBS) {
  const ctx = createExecutionContext();
  const headers = { ...authHeaders(key), ...(init.body ? { "content-type": "application/json" } : {}) };
  const res = await app.request(path, { ...init, headers }, { ...env, JOBS }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const replay = (key: string, body: unknown, JOBS?: Queue) =>
  call("/v1/admin/dead-letters/replay", key, { method: "POST", body: JSON.stringify(body) }, JOBS);

interface DeadLetterSeed {
  errorCode?: string;
  provider?: string;
  createdAt?: number;
  projectId?: string;
}

/** A dead_lettered job plus the dead_letters row the DLQ consumer would have written. */
async function seedDeadLetter(t: SeededTenant, opts: DeadLetterSeed = {}) {
  const createdAt = opts.createdAt ?? Date.now();
  const errorCode = opts.errorCode ?? "provider_unavailable";
  const job = await seedJob(env.DB, t, {
    status: "dead_lettered",
    projectId: opts.projectId,
    createdAt: createdAt - 60_000,
    overrides: { attempts: 3, errorCode, errorMessage: "upstream 503", provider: opts.provider ?? "demo" },
  });
  const id = await insertDeadLetter(job, { ...opts, createdAt, errorCode });
  return { job, dlId: id };
}

async function insertDeadLetter(job: JobRow, opts: DeadLetterSeed) {
  const id = newId("dl");
  await db()
    .insert(deadLetters)
    .values({
      id,
      jobId: job.id,
      instanceId: job.instanceId,
      projectId: job.projectId,
      provider: opts.provider ?? "demo",
      errorCode: opts.errorCode ?? "provider_unavailable",
      errorMessage: "upstream 503",
      attempts: 3,
      message: { v: 1, kind: "job", job_id: job.id, attempt: 3 },
      createdAt: opts.createdAt ?? Date.now(),
    });
  return id;
}

interface ListBody {
  object: "list";
  data: {
    id: string;
    job_id: string;
    error: { code: string };
    provider: string | null;
    replay_count: number;
  }[];
  next_cursor: string | null;
}

describe("GET /v1/admin/dead-letters", () => {
  it("lists the instance's dead letters newest first, in the documented shape", async () => {
    const t = await seedTenant(env.DB);
    const base = Date.UTC(2026, 10, 20, 12);
    const older = await seedDeadLetter(t, { createdAt: base });
    const newer = await seedDeadLetter(t, { createdAt: base + 1000, provider: "openai" });

    const res = await call("/v1/admin/dead-letters", t.adminKey);

    expect(res.status).toBe(200);
    const body = (await res.json()) as ListBody;
    expect(body.data.map((d) => d.id)).toEqual([newer.dlId, older.dlId]);
    expect(body.next_cursor).toBeNull();
    expect(body.data[0]).toEqual({
      id: newer.dlId,
      job_id: newer.job.id,
      project_id: t.projectId,
      provider: "openai",
      error: { code: "provider_unavailable", message: "upstream 503" },
      attempts: 3,
      dead_lettered_at: new Date(base + 1000).toISOString(),
      replayed_at: null,
      replay_count: 0,
      message: { v: 1, kind: "job", job_id: newer.job.id, attempt: 3 },
    });
  });

  it("filters by error_code, provider, project_id and since", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedProject(env.DB, t);
    const base = Date.UTC(2026, 10, 20, 12);
    const a = await seedDeadLetter(t, { createdAt: base, errorCode: "rate_limited", provider: "openai" });
    const b = await seedDeadLetter(t, { createdAt: base + 1000, errorCode: "provider_unavailable" });
    const c = await seedDeadLetter(t, { createdAt: base + 2000, projectId: other.projectId });
    const ids = async (query: string) => {
      const res = await call(`/v1/admin/dead-letters?${query}`, t.adminKey);
      expect(res.status).toBe(200);
      return ((await res.json()) as ListBody).data.map((d) => d.id);
    };

    expect(await ids("error_code=rate_limited")).toEqual([a.dlId]);
    expect(await ids("provider=openai")).toEqual([a.dlId]);
    expect(await ids(`project_id=${other.projectId}`)).toEqual([c.dlId]);
    expect(await ids(`since=${new Date(base + 1000).toISOString()}`)).toEqual([c.dlId, b.dlId]);
    expect(await ids(`since=${new Date(base + 500).toISOString()}&error_code=provider_unavailable`)).toEqual([
      c.dlId,
      b.dlId,
    ]);
  });

  it("pages with limit and cursor without repeating or losing a row", async () => {
    const t = await seedTenant(env.DB);
    const base = Date.UTC(2026, 10, 20, 12);
    const seeded = [];
    for (let i = 0; i < 5; i++) seeded.push(await seedDeadLetter(t, { createdAt: base + (i % 3) * 1000 }));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `limit=2&cursor=${encodeURIComponent(cursor)}` : "limit=2";
      const res = await call(`/v1/admin/dead-letters?${query}`, t.adminKey);
      const body = (await res.json()) as ListBody;
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data.map((d) => d.id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 10);

    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
    expect(seen.sort()).toEqual(seeded.map((s) => s.dlId).sort());
  });

  it("rejects a limit above 100, a bad since and a forged cursor with 400", async () => {
    const t = await seedTenant(env.DB);
    for (const query of ["limit=101", "since=yesterday", "cursor=not-a-cursor"]) {
      const res = await call(`/v1/admin/dead-letters?${query}`, t.adminKey);
      expect(res.status, query).toBe(400);
      expect(await res.json()).toMatchObject({ code: "validation_failed" });
    }
  });

  it("answers 403 forbidden to user keys", async () => {
    const t = await seedTenant(env.DB);
    await seedDeadLetter(t);
    for (const key of [t.userKey, t.instanceWideKey]) {
      const res = await call("/v1/admin/dead-letters", key);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: "forbidden" });
    }
  });

  it("never shows another instance's dead letters, even when filtered by its project", async () => {
    const mine = await seedTenant(env.DB);
    const theirs = await seedTenant(env.DB);
    const own = await seedDeadLetter(mine);
    await seedDeadLetter(theirs);

    const all = (await (await call("/v1/admin/dead-letters", mine.adminKey)).json()) as ListBody;
    expect(all.data.map((d) => d.id)).toEqual([own.dlId]);
    const res = await call(`/v1/admin/dead-letters?project_id=${theirs.projectId}`, mine.adminKey);
    expect(((await res.json()) as ListBody).data).toEqual([]);
  });
});

describe("POST /v1/admin/dead-letters/replay", () => {
  it("replays by dead letter id and by job id: queued, attempts 0, a replayed event, a fresh message", async () => {
    const t = await seedTenant(env.DB);
    const byDl = await seedDeadLetter(t);
    const byJob = await seedDeadLetter(t);
    const JOBS = queueSpy();

    const res = await replay(t.adminKey, { ids: [byDl.dlId, byJob.job.id] }, JOBS);

    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown[]>;
    expect(body).toMatchObject({
      dry_run: false,
      replayed: [
        { job_id: byDl.job.id, dead_letter_id: byDl.dlId, error: { code: "provider_unavailable" } },
        { job_id: byJob.job.id, dead_letter_id: byJob.dlId },
      ],
      skipped: [],
      failed: [],
    });
    for (const { job, dlId } of [byDl, byJob]) {
      const row = await getJob(db(), job.id);
      expect(row).toMatchObject({
        status: "queued",
        attempts: 0,
        errorCode: null,
        errorMessage: null,
        completedAt: null,
      });
      expect((await jobHistory(env.DB, job.id)).at(-1)).toMatchObject({
        type: "replayed",
        status: "queued",
        data: { dead_letter_id: dlId, replayed_by: t.keyIds.admin },
      });
      const [dl] = await db().select().from(deadLetters).where(eq(deadLetters.id, dlId));
      expect(dl?.replayCount).toBe(1);
      expect(dl?.replayedAt).toEqual(expect.any(Number));
    }
    expect(JOBS.send).toHaveBeenCalledTimes(2);
    const [message, options] = JOBS.send.mock.calls[0]!;
    expect(message).toMatchObject({
      v: 1,
      kind: "job",
      job_id: byDl.job.id,
      instance_id: t.instanceId,
      project_id: t.projectId,
      attempt: 0,
    });
    expect(message.last_error).toBeUndefined();
    expect(options).toMatchObject({ contentType: "json", delaySeconds: REPLAY_DELAY_SECONDS });
  });

  it("replays by filter only the jobs whose newest dead letter matches, up to limit", async () => {
    const t = await seedTenant(env.DB);
    const base = Date.now() - 10_000;
    const r1 = await seedDeadLetter(t, { errorCode: "rate_limited", provider: "openai", createdAt: base });
    const r2 = await seedDeadLetter(t, {
      errorCode: "rate_limited",
      provider: "openai",
      createdAt: base + 1,
    });
    const r3 = await seedDeadLetter(t, {
      errorCode: "rate_limited",
      provider: "openai",
      createdAt: base + 2,
    });
    const otherCode = await seedDeadLetter(t, { errorCode: "provider_unavailable", provider: "openai" });
    const JOBS = queueSpy();

    const res = await replay(
      t.adminKey,
      { filter: { error_code: "rate_limited", provider: "openai" }, limit: 2 },
      JOBS,
    );

    const body = (await res.json()) as { replayed: { job_id: string }[] };
    expect(body.replayed.map((r) => r.job_id)).toEqual([r3.job.id, r2.job.id]);
    expect(JOBS.send).toHaveBeenCalledTimes(2);
    expect((await getJob(db(), r1.job.id))?.status).toBe("dead_lettered");
    expect((await getJob(db(), otherCode.job.id))?.status).toBe("dead_lettered");
  });

  it("changes nothing and sends nothing on a dry run", async () => {
    const t = await seedTenant(env.DB);
    const { job, dlId } = await seedDeadLetter(t);
    const JOBS = queueSpy();

    const res = await replay(t.adminKey, { filter: {}, dry_run: true }, JOBS);

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      dry_run: true,
      replayed: [{ job_id: job.id, dead_letter_id: dlId, provider: "demo" }],
      failed: [],
    });
    expect(JOBS.send).not.toHaveBeenCalled();
    const row = await getJob(db(), job.id);
    expect(row).toMatchObject({ status: "dead_lettered", attempts: 3, version: 1 });
    const [dl] = await db().select().from(deadLetters).where(eq(deadLetters.id, dlId));
    expect(dl).toMatchObject({ replayedAt: null, replayCount: 0 });
  });

  it("skips a job that is no longer dead_lettered, unknown ids and another instance's ids", async () => {
    const t = await seedTenant(env.DB);
    const theirs = await seedTenant(env.DB);
    const done = await seedDeadLetter(t);
    await replay(t.adminKey, { ids: [done.dlId] }, queueSpy());
    const foreign = await seedDeadLetter(theirs);
    const JOBS = queueSpy();

    const res = await replay(
      t.adminKey,
      { ids: [done.dlId, "dl_unknown00000000000000", foreign.dlId, foreign.job.id] },
      JOBS,
    );

    expect(await res.json()).toEqual({
      dry_run: false,
      replayed: [],
      skipped: [
        { id: done.dlId, reason: "not_dead_lettered" },
        { id: "dl_unknown00000000000000", reason: "not_found" },
        { id: foreign.dlId, reason: "not_found" },
        { id: foreign.job.id, reason: "not_found" },
      ],
      failed: [],
    });
    expect(JOBS.send).not.toHaveBeenCalled();
    expect((await getJob(db(), foreign.job.id))?.status).toBe("dead_lettered");
  });

  it("accepts more ids than D1 binds in one statement", async () => {
    const t = await seedTenant(env.DB);
    const { job } = await seedDeadLetter(t);
    const unknown = Array.from({ length: 199 }, (_, i) => `job_unknown${String(i).padStart(12, "0")}`);
    const JOBS = queueSpy();

    const res = await replay(t.adminKey, { ids: [...unknown, job.id], dry_run: true }, JOBS);

    expect(res.status).toBe(200);
    const body = (await res.json()) as { replayed: { job_id: string }[]; skipped: unknown[] };
    expect(body.replayed.map((r) => r.job_id)).toEqual([job.id]);
    expect(body.skipped).toHaveLength(199);
  });

  it("uses the newest dead letter of a job dead-lettered again, and counts the job once", async () => {
    const t = await seedTenant(env.DB);
    const first = await seedDeadLetter(t, { createdAt: Date.now() - 5000 });
    const second = await insertDeadLetter(first.job, { createdAt: Date.now() });
    const JOBS = queueSpy();

    const res = await replay(t.adminKey, { ids: [first.dlId, first.job.id] }, JOBS);

    expect(await res.json()).toMatchObject({
      replayed: [{ job_id: first.job.id, dead_letter_id: second }],
      skipped: [{ id: first.job.id, reason: "duplicate" }],
    });
    expect(JOBS.send).toHaveBeenCalledTimes(1);
  });

  it("skips a dead-lettered job whose cancel was requested", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, {
      status: "dead_lettered",
      overrides: { cancelRequestedAt: Date.now() - 1000 },
    });
    const dlId = await insertDeadLetter(job, {});

    const res = await replay(t.adminKey, { ids: [dlId] }, queueSpy());

    expect(await res.json()).toMatchObject({
      replayed: [],
      skipped: [{ id: dlId, reason: "cancel_requested" }],
    });
    expect((await getJob(db(), job.id))?.status).toBe("dead_lettered");
  });

  it("reports a failed send and leaves the job dead_lettered with its dead letter unmarked", async () => {
    const t = await seedTenant(env.DB);
    const { job, dlId } = await seedDeadLetter(t);
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);

    const res = await replay(t.adminKey, { ids: [job.id] }, queueSpy({ fail: true }));
    errors.mockRestore();

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      replayed: [],
      failed: [{ job_id: job.id, error: expect.stringContaining("simulated outage") }],
    });
    expect(await getJob(db(), job.id)).toMatchObject({ status: "dead_lettered", version: 1 });
    const [dl] = await db().select().from(deadLetters).where(eq(deadLetters.id, dlId));
    expect(dl).toMatchObject({ replayedAt: null, replayCount: 0 });
  });

  it("requires exactly one of ids and filter, and limits within 1..500", async () => {
    const t = await seedTenant(env.DB);
    for (const body of [{}, { ids: ["dl_x"], filter: {} }, { filter: {}, limit: 501 }, { ids: [] }]) {
      const res = await replay(t.adminKey, body, queueSpy());
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ code: "validation_failed" });
    }
  });

  it("answers 403 forbidden to user keys and changes nothing", async () => {
    const t = await seedTenant(env.DB);
    const { job } = await seedDeadLetter(t);
    const JOBS = queueSpy();

    const res = await replay(t.userKey, { ids: [job.id] }, JOBS);

    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "forbidden" });
    expect(JOBS.send).not.toHaveBeenCalled();
    expect((await getJob(db(), job.id))?.status).toBe("dead_lettered");
  });

  it("never replays another instance's jobs by filter", async () => {
    const mine = await seedTenant(env.DB);
    const theirs = await seedTenant(env.DB);
    const foreign = await seedDeadLetter(theirs, { errorCode: "instance_isolation_probe" });
    const JOBS = queueSpy();

    const res = await replay(mine.adminKey, { filter: { error_code: "instance_isolation_probe" } }, JOBS);

    expect(await res.json()).toMatchObject({ replayed: [], skipped: [], failed: [] });
    expect(JOBS.send).not.toHaveBeenCalled();
    expect((await getJob(db(), foreign.job.id))?.status).toBe("dead_lettered");
  });
});

describe("OpenAPI document", () => {
  it("documents the admin routes with the error codes they send", async () => {
    const res = await app.request("/openapi.json", {}, env, createExecutionContext());
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { "x-error-codes"?: string[] }> }>>;
    };
    const list = doc.paths["/v1/admin/dead-letters"]?.get;
    const replayOp = doc.paths["/v1/admin/dead-letters/replay"]?.post;
    const cancelOp = doc.paths["/v1/jobs/{id}/cancel"]?.post;
    expect(list?.responses["403"]?.["x-error-codes"]).toEqual(["forbidden"]);
    expect(replayOp?.responses["403"]?.["x-error-codes"]).toEqual(["forbidden"]);
    expect(Object.keys(replayOp?.responses ?? {})).toContain("200");
    expect(cancelOp?.responses["409"]?.["x-error-codes"]).toEqual(["job_not_cancelable"]);
    expect(Object.keys(cancelOp?.responses ?? {})).toContain("202");
  });
});

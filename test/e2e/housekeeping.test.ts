// `npm start` as a developer sees it: a short banner and one line per request (no wrangler update
// notice, binding tables or stack traces), wrangler's cron hint answered on the producer, and the
// consumer's housekeeping run by npm start itself, so jobs whose queue message was lost still end.
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../shared/ids";
import { type LocalD1, openLocalD1 } from "./support/local-d1";
import { startSystem, type System } from "./support/system";

// The dev tenant npm start seeds (scripts/lib/dev-tenant.ts).
const DEV = {
  instanceId: "ins_dev00000000000000000",
  projectId: "prj_dev00000000000000000",
  userKeyId: "key_devuser000000000000",
};

/** A queued job written straight into local D1: no queue message exists for it, as after a lost one. */
async function insertQueuedJob(d1: LocalD1, touchedAt: number): Promise<string> {
  const id = newId("job");
  const events = [{ version: 1, type: "queued", status: "queued", data: null, createdAt: touchedAt }];
  await d1.run(
    `INSERT INTO jobs (id, instance_id, project_id, api_key_id, type, status, input, request_id,
       attempts, version, events, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'image.generate', 'queued', ?, ?, 0, 1, ?, ?, ?)`,
    id,
    DEV.instanceId,
    DEV.projectId,
    DEV.userKeyId,
    JSON.stringify({ prompt: "a job whose message was lost", aspect_ratio: "1x1", num_images: 1 }),
    newId("req"),
    JSON.stringify(events),
    touchedAt,
    touchedAt,
  );
  return id;
}

async function waitForOutput(sys: System, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(sys.output())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in the output:\n${sys.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("npm start: quiet output and local housekeeping", () => {
  let sys: System;
  let d1: LocalD1;

  beforeAll(async () => {
    sys = await startSystem();
    d1 = await openLocalD1(sys);
  });

  afterAll(async () => {
    await d1?.dispose();
    await sys?.stop();
  });

  it("prints one short banner, then a line per request, and none of wrangler's start-up noise", async () => {
    expect((await sys.api("/v1/me")).status).toBe(200);
    await waitForOutput(sys, /\d\d:\d\d:\d\d GET \/v1\/me 200 \d+ms/);
    const out = sys.output();
    expect(out).toContain(`genqueue is running on ${sys.baseUrl}`);
    for (const part of [
      "Ctrl-C",
      `${sys.baseUrl}/docs`,
      sys.apiKey,
      sys.adminKey,
      "npm run reset",
      "--verbose",
    ])
      expect(out).toContain(part);
    expect(out).toMatch(/^migrations: \d+ applied$/m);
    expect(out.match(/genqueue is running/g)).toHaveLength(1);
    expect(out).not.toContain("update available");
    expect(out).not.toContain("⛅️ wrangler");
    expect(out).not.toContain("has access to the following bindings");
    expect(out).not.toContain("getaddrinfo");
    expect(out).not.toMatch(/^\s+at /m);
    expect(out).not.toContain("About to apply");
  });

  it("answers wrangler's cron hint on the producer by running the consumer's housekeeping", async () => {
    // Queued an hour ago and untouched since: stale for the sweep, which sends it a message.
    const id = await insertQueuedJob(d1, Date.now() - 60 * 60 * 1000);
    const res = await fetch(`${sys.baseUrl}/cdn-cgi/local/scheduled`);
    expect(res.status, await res.text()).toBe(200);
    const job = await sys.pollJob(id, (j) => j.status === "succeeded", 30_000);
    expect(job.provider).toBe("demo");
    await waitForOutput(sys, /housekeeping ran stale_jobs_resent=1 /);
  });

  // Edits a source file of the system's tree: never in the repository itself.
  it.skipIf(process.env.E2E_IN_PLACE === "1")("re-sends the messages a reload dropped", async () => {
    const id = await insertQueuedJob(d1, Date.now());
    // A config change reloads wrangler dev (a source change rebuilds only under its [build] watch_dir).
    await appendFile(
      join(sys.cwd, "wrangler.producer.toml"),
      "\n# touched by test/e2e/housekeeping.test.ts\n",
    );
    await waitForOutput(sys, /re-sent the messages of 1 queued job\(s\) the reload dropped/, 30_000);
    await sys.pollJob(id, (j) => j.status === "succeeded", 30_000);
  });

  it("re-sends at start the messages a restart lost, without waiting for them to look stale", async () => {
    // Queued just now: the sweep would leave it alone for 20 minutes. The restart loses its message.
    const id = await insertQueuedJob(d1, Date.now());
    await d1.dispose();
    await sys.restart();
    d1 = await openLocalD1(sys);
    await sys.pollJob(id, (j) => j.status === "succeeded", 30_000);
    expect(sys.output()).toMatch(/re-sent the messages of \d+ queued job\(s\) the last session left behind/);
  });
});

// Webhooks end to end: the real system (`npm start`) and a Node receiver on 127.0.0.1 that
// verifies every request with the `standardwebhooks` library, as a customer's receiver would.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_TENANT } from "../../scripts/lib/dev-tenant";
import { type ApiJob, startSystem, type System } from "./support/system";

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  verified: boolean;
  payload: { type: string; timestamp: string; data: { id: string; status: string } } | null;
  answered: number;
}

let sys: System;
let server: Server;
let receiverUrl: string;
let secret: string;
const received: Received[] = [];
/** Status codes to answer, per path, in order; 200 once a script is used up. */
const scripts = new Map<string, number[]>();

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
  );
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await sleep(200);
  }
  throw new Error(
    `timed out waiting for ${what}; received: ${JSON.stringify(received, null, 1).slice(0, 4000)}\n` +
      `--- system output (tail) ---\n${sys.output().slice(-8000)}`,
  );
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = flatHeaders(req.headers);
      let payload: Received["payload"] = null;
      try {
        payload = new Webhook(secret).verify(body, headers) as Received["payload"];
      } catch {
        payload = null;
      }
      const path = req.url ?? "/";
      const answered = payload === null ? 401 : (scripts.get(path)?.shift() ?? 200);
      received.push({ path, headers, body, verified: payload !== null, payload, answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sys = await startSystem();
  // The dev tenant's secret comes from the credentials file npm start wrote when it made it; the
  // API never shows it again, only its last 4 characters.
  expect(sys.webhookSecret).toMatch(/^whsec_/);
  secret = sys.webhookSecret!;
  const res = await sys.api(`/v1/admin/projects/${DEV_TENANT.projectId}/webhook`, {
    headers: { authorization: `Bearer ${sys.adminKey}` },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const settings = (await res.json()) as { secret?: string; secret_last4: string };
  expect(settings).not.toHaveProperty("secret");
  expect(settings.secret_last4).toBe(secret.slice(-4));
}, 90_000);

afterAll(async () => {
  await sys?.stop();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

interface WebhookList {
  data: { id: string; status: string; attempts: { attempt: number; status_code: number | null }[] }[];
}

/** Polls GET /v1/jobs/{id}/webhooks until `done` holds (the attempt is recorded after the answer). */
async function webhooksOf(jobId: string, done: (list: WebhookList) => boolean): Promise<WebhookList> {
  const deadline = Date.now() + 15_000;
  let list: WebhookList = { data: [] };
  while (Date.now() < deadline) {
    list = (await (await sys.api(`/v1/jobs/${jobId}/webhooks`)).json()) as WebhookList;
    if (done(list)) return list;
    await sleep(200);
  }
  throw new Error(`webhooks of ${jobId} did not settle: ${JSON.stringify(list)}`);
}

async function createJob(hookPath: string): Promise<ApiJob> {
  const res = await sys.api("/v1/jobs", {
    method: "POST",
    body: JSON.stringify({
      type: "image.generate",
      input: { prompt: "a lighthouse at dusk" },
      webhook_url: `${receiverUrl}${hookPath}`,
    }),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as ApiJob;
}

describe("webhooks (npm start, a real receiver)", () => {
  it("delivers exactly one verified job.succeeded carrying the job as GET /v1/jobs/{id} shows it", async () => {
    const created = await createJob("/hook-ok");
    await sys.pollJob(created.id, (j) => j.status === "succeeded");

    const hit = await waitFor("the job.succeeded delivery", () =>
      received.find((r) => r.path === "/hook-ok"),
    );
    expect(hit.verified).toBe(true);
    expect(hit.payload?.type).toBe("job.succeeded");
    // The same job, except the signed image URLs: a webhook's body is stored and re-sent on retries
    // and redelivery, so it carries none (they could have expired); GET signs them on each read.
    const job = (await (await sys.api(`/v1/jobs/${created.id}`)).json()) as ApiJob;
    const unsigned = {
      ...job,
      result: job.result && {
        ...job.result,
        images: job.result.images.map((image) => ({
          ...image,
          signed_url: null,
          signed_url_expires_at: null,
        })),
      },
    };
    expect(hit.payload?.data).toEqual(unsigned);

    // Recorded as delivered on the first attempt, and nothing more is sent.
    const list = await webhooksOf(created.id, (l) => l.data[0]?.status === "delivered");
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({ id: hit.headers["webhook-id"], status: "delivered" });
    expect(list.data[0]!.attempts).toEqual([expect.objectContaining({ attempt: 1, status_code: 200 })]);
    await sleep(1500);
    expect(received.filter((r) => r.path === "/hook-ok")).toHaveLength(1);
  });

  it("retries a receiver that was down and delivers once, with the same webhook-id", async () => {
    scripts.set("/hook-flaky", [503]);
    const created = await createJob("/hook-flaky");
    await sys.pollJob(created.id, (j) => j.status === "succeeded");

    // The first retry comes 5 s after the failed attempt.
    const ok = await waitFor("the successful retry", () =>
      received.find((r) => r.path === "/hook-flaky" && r.answered === 200),
    );
    const hits = received.filter((r) => r.path === "/hook-flaky");
    expect(hits.map((r) => r.answered)).toEqual([503, 200]);
    expect(hits.every((r) => r.verified)).toBe(true);
    expect(new Set(hits.map((r) => r.headers["webhook-id"]))).toEqual(new Set([ok.headers["webhook-id"]]));
    const list = await webhooksOf(created.id, (l) => l.data[0]?.status === "delivered");
    expect(list.data[0]?.attempts.map((a) => a.status_code)).toEqual([503, 200]);
  });
});

// The whole system as a user drives it: `npm start`, then HTTP only. POST a job, poll it, download
// its PNG, read its history; failures end where the spec says they end.
import { request } from "node:http";
import { decode } from "fast-png";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiEvent, type ApiJob, startSystem, type System } from "./support/system";

let sys: System;

beforeAll(async () => {
  sys = await startSystem();
}, 90_000);

afterAll(async () => {
  await sys?.stop();
});

interface Created {
  res: Response;
  job: ApiJob;
}

async function createJob(input: Record<string, unknown>): Promise<Created> {
  const res = await sys.api("/v1/jobs", {
    method: "POST",
    body: JSON.stringify({ type: "image.generate", input }),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return { res, job: (await res.json()) as ApiJob };
}

async function events(id: string): Promise<ApiEvent[]> {
  const res = await sys.api(`/v1/jobs/${id}/events`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: ApiEvent[] }).data;
}

async function download(
  id: string,
  index: number,
): Promise<{ contentType: string | null; bytes: Uint8Array }> {
  const res = await sys.api(`/v1/jobs/${id}/images/${index}`);
  expect(res.status).toBe(200);
  return { contentType: res.headers.get("content-type"), bytes: new Uint8Array(await res.arrayBuffer()) };
}

const ended = (job: ApiJob) => ["succeeded", "failed", "canceled", "dead_lettered"].includes(job.status);

describe("walking skeleton (npm start, HTTP only)", () => {
  it("turns a POSTed job into a downloadable 512x288 PNG with a queued -> running -> succeeded history", async () => {
    const { res, job: accepted } = await createJob({
      prompt: "a lighthouse at dusk",
      aspect_ratio: "16x9",
      seed: 42,
    });
    expect(res.headers.get("location")).toBe(`/v1/jobs/${accepted.id}`);
    const requestId = res.headers.get("x-request-id");
    expect(requestId).toMatch(/^req_/);
    expect(accepted).toMatchObject({ status: "queued", request_id: requestId });

    const job = await sys.pollJob(accepted.id, ended);
    expect(job.status).toBe("succeeded");
    expect(job.request_id).toBe(requestId);
    expect(job.error).toBeNull();
    expect(job.result?.images).toHaveLength(1);
    expect(job.result?.images[0]).toMatchObject({
      url: `/v1/jobs/${job.id}/images/0`,
      content_type: "image/png",
      width: 512,
      height: 288,
      seed: 42,
    });

    const image = await download(job.id, 0);
    expect(image.contentType).toBe("image/png");
    expect(image.bytes.byteLength).toBe(job.result?.images[0]?.bytes);
    const png = decode(image.bytes);
    expect({ width: png.width, height: png.height }).toEqual({ width: 512, height: 288 });

    const history = await events(job.id);
    expect(history.map((e) => [e.version, e.type, e.status])).toEqual([
      [1, "queued", "queued"],
      [2, "running", "running"],
      [3, "succeeded", "succeeded"],
    ]);
  });

  it("gives num_images 3 three distinct images with consecutive seeds", async () => {
    const { job: accepted } = await createJob({
      prompt: "three foxes",
      aspect_ratio: "1x1",
      seed: 7,
      num_images: 3,
    });
    const job = await sys.pollJob(accepted.id, ended);
    expect(job.status).toBe("succeeded");
    expect(job.result?.images.map((img) => [img.width, img.height, img.seed])).toEqual([
      [512, 512, 7],
      [512, 512, 8],
      [512, 512, 9],
    ]);
    const images = await Promise.all([0, 1, 2].map((n) => download(job.id, n)));
    const distinct = new Set(images.map((img) => Buffer.from(img.bytes).toString("base64")));
    expect(distinct.size).toBe(3);
    for (const img of images) expect(decode(img.bytes)).toMatchObject({ width: 512, height: 512 });
  });

  it("renders byte-identical PNGs for the same request and seed", async () => {
    const input = { prompt: "a deterministic teapot", aspect_ratio: "4x3", seed: 1234 };
    const [first, second] = await Promise.all([createJob(input), createJob(input)]);
    expect(first!.job.id).not.toBe(second!.job.id);
    const jobs = await Promise.all([first!, second!].map((c) => sys.pollJob(c.job.id, ended)));
    expect(jobs.map((j) => j.status)).toEqual(["succeeded", "succeeded"]);
    const [a, b] = await Promise.all(jobs.map((j) => download(j.id, 0)));
    expect(Buffer.compare(a!.bytes, b!.bytes)).toBe(0);
  });

  it("fails a job on a permanent provider error without retrying it", async () => {
    const { job: accepted } = await createJob({ prompt: "please [demo:fail=provider_bad_request]" });
    const job = await sys.pollJob(accepted.id, ended);
    expect(job.status).toBe("failed");
    expect(job.error?.code).toBe("provider_bad_request");
    expect(job.attempts).toBe(1);
    expect(job.result).toBeNull();
    expect((await events(job.id)).map((e) => e.type)).toEqual(["queued", "running", "failed"]);
    expect((await sys.api(`/v1/jobs/${job.id}/images/0`)).status).toBe(404);
  });

  // Runs last: its four retryable failures count against the dev instance's demo circuit breaker.
  it("retries a retryable provider error with backoff and dead-letters the job after JOB_MAX_ATTEMPTS", async () => {
    const started = Date.now();
    const { job: accepted } = await createJob({ prompt: "flaky [demo:fail=provider_unavailable]" });
    const job = await sys.pollJob(accepted.id, ended, 100_000);
    const seconds = (Date.now() - started) / 1000;
    console.info(`dead-letter path took ${seconds.toFixed(1)} s`);

    expect(job.status).toBe("dead_lettered");
    expect(job.error?.code).toBe("provider_unavailable");
    expect(job.attempts).toBe(4);
    const history = await events(job.id);
    expect(history.map((e) => e.type)).toEqual([
      "queued",
      "running",
      "retry_scheduled",
      "running",
      "retry_scheduled",
      "running",
      "retry_scheduled",
      "running",
      "dead_lettered",
    ]);
    expect(history.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(history.filter((e) => e.type === "retry_scheduled").map((e) => e.data?.attempt)).toEqual([
      1, 2, 3,
    ]);
  });

  // Over real HTTP, not a Request built in a test: an empty header must reach the API as empty,
  // not as absent (curl's `-H 'Idempotency-Key:'` removes the header; `-H 'Idempotency-Key;'` sends it empty).
  it("answers an empty Idempotency-Key header with 400 idempotency_key_invalid", async () => {
    const body = JSON.stringify({ type: "image.generate", input: { prompt: "empty key" } });
    const { status, contentType, text } = await new Promise<{
      status: number;
      contentType: string;
      text: string;
    }>((done, fail) => {
      const req = request(`${sys.baseUrl}/v1/jobs`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${sys.apiKey}`,
          "content-type": "application/json",
          "idempotency-key": "",
        },
      });
      req.on("response", (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
        });
        res.on("end", () =>
          done({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"]), text }),
        );
      });
      req.on("error", fail);
      req.end(body);
    });
    expect(status, text).toBe(400);
    expect(contentType).toContain("application/problem+json");
    expect(JSON.parse(text)).toMatchObject({ code: "idempotency_key_invalid" });
  });
});

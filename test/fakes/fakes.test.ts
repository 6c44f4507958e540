// The fakes themselves: knobs, stats, limits, image expiry and Replicate's prediction clock,
// exercised over raw HTTP so the adapters' tests can trust what the fakes say.
import { crc32 as zlibCrc32 } from "node:zlib";
import { decode } from "fast-png";
import { afterEach, describe, expect, it } from "vitest";
import { startIdeogramFake } from "./ideogram";
import { startOpenAIFake } from "./openai";
import { crc32, makePng, sizeForRatio } from "./png";
import { startReplicateFake } from "./replicate";
import type { RunningFake } from "./server";

const running: RunningFake[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.close()));
});
async function track<T extends RunningFake>(p: Promise<T>): Promise<T> {
  const fake = await p;
  running.push(fake);
  return fake;
}

const ideogramCall = (url: string, key = "test-key", n = 1) => {
  const form = new FormData();
  form.append("prompt", "a cat");
  form.append("num_images", String(n));
  return fetch(`${url}/v1/ideogram-v3/generate`, { method: "POST", headers: { "Api-Key": key }, body: form });
};
const openaiCall = (url: string) =>
  fetch(`${url}/v1/images/generations`, {
    method: "POST",
    headers: { authorization: "Bearer test-key", "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-image-1", prompt: "a cat", size: "1024x1024" }),
  });
const replicateCreate = (
  url: string,
  headers: Record<string, string> = {},
  input: object = { prompt: "a cat" },
) =>
  fetch(`${url}/v1/models/black-forest-labs/flux-schnell/predictions`, {
    method: "POST",
    headers: { authorization: "Bearer test-key", "content-type": "application/json", ...headers },
    body: JSON.stringify({ input }),
  });
const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;

describe("png", () => {
  it("makes PNGs a real decoder accepts, with the right size and CRCs", () => {
    const png = makePng(17, 5, [10, 20, 30]);
    const decoded = decode(png);
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([17, 5, 3]);
    expect([...decoded.data.slice(0, 3)]).toEqual([10, 20, 30]);
    expect(crc32(new TextEncoder().encode("IEND"))).toBe(zlibCrc32("IEND"));
    expect(makePng(17, 5, [10, 20, 30])).toEqual(png);
  });
  it("sizes about a megapixel in the asked shape", () => {
    expect(sizeForRatio("1x1")).toEqual({ width: 1024, height: 1024 });
    expect(sizeForRatio("16:9")).toEqual({ width: 1360, height: 768 });
  });
});

describe("fake server shell", () => {
  it("records the request, counts statuses and answers 401 with the provider's body on a wrong key", async () => {
    const fake = await track(startIdeogramFake({ apiKey: "k-1" }));
    const bad = await ideogramCall(fake.url, "nope");
    expect(bad.status).toBe(401);
    expect(await json(bad)).toEqual({ error: expect.stringContaining("Unauthorized") });
    expect((await ideogramCall(fake.url, "k-1")).status).toBe(200);
    const stats = await json<{
      calls: number;
      callsByStatus: Record<string, number>;
      lastRequest: { fields: Record<string, string> };
    }>(await fetch(`${fake.url}/__fake/stats`));
    expect(stats.calls).toBe(2);
    expect(stats.callsByStatus).toEqual({ "200": 1, "401": 1 });
    expect(stats.lastRequest.fields).toEqual({ prompt: "a cat", num_images: "1" });
  });

  it("takes knobs over HTTP and refuses unknown knobs and outcomes", async () => {
    const fake = await track(startOpenAIFake());
    const ok = await fetch(`${fake.url}/__fake/config`, {
      method: "POST",
      body: JSON.stringify({ latencyMs: 5, failNext: ["500"] }),
      headers: { "content-type": "application/json" },
    });
    expect(ok.status).toBe(200);
    expect(fake.knobs.latencyMs).toBe(5);
    expect((await openaiCall(fake.url)).status).toBe(500);
    expect((await openaiCall(fake.url)).status).toBe(200);
    const unknown = await fetch(`${fake.url}/__fake/config`, {
      method: "POST",
      body: JSON.stringify({ latency: 5 }),
      headers: { "content-type": "application/json" },
    });
    expect(unknown.status).toBe(400);
    const outcome = await fetch(`${fake.url}/__fake/config`, {
      method: "POST",
      body: JSON.stringify({ failNext: ["daily_limit"] }),
      headers: { "content-type": "application/json" },
    });
    expect(outcome.status).toBe(400);
    expect(() => fake.configure({ failNext: ["nonsense"] })).toThrow(/unknown failNext/);
  });

  it("enforces a strict rate limit with Retry-After and counts every violation", async () => {
    const fake = await track(startOpenAIFake({ knobs: { rateLimit: { ratePerSecond: 1, burst: 2 } } }));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await openaiCall(fake.url));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429, 429]);
    expect(statuses[2]?.headers.get("retry-after")).toBe("1");
    const stats = fake.stats();
    expect(stats.overLimitCalls).toBe(2);
    expect(stats.overRateCalls).toBe(2);
    expect(stats.callLog).toHaveLength(4);
  });

  it("injects errors reproducibly from the seed", async () => {
    const run = async () => {
      const fake = await track(
        startOpenAIFake({
          knobs: { seed: 42, errorRates: { server5xx: 0.3, rateLimit429: 0.2, timeout: 0, malformed: 0.1 } },
        }),
      );
      const out: number[] = [];
      for (let i = 0; i < 30; i++) {
        const res = await openaiCall(fake.url);
        out.push(res.status === 200 && (await res.text()).endsWith('"url": "') ? -1 : res.status);
      }
      return out;
    };
    const [a, b] = [await run(), await run()];
    expect(a).toEqual(b);
    expect(new Set(a)).toEqual(new Set([200, 500, 429, -1]));
  });

  it("hangs a timeout outcome until the client gives up", async () => {
    const fake = await track(startOpenAIFake({ knobs: { failNext: ["timeout"] } }));
    const res = fetch(`${fake.url}/v1/images/generations`, {
      method: "POST",
      signal: AbortSignal.timeout(200),
      headers: { authorization: "Bearer test-key", "content-type": "application/json" },
      body: "{}",
    });
    await expect(res).rejects.toThrow();
    expect(fake.stats().callsByStatus.hang).toBe(1);
  });

  it("counts Ideogram's images in flight and rejects over the limit", async () => {
    const fake = await track(startIdeogramFake({ knobs: { inflightLimit: 4, latencyMs: 200 } }));
    const [a, b, c] = await Promise.all([
      ideogramCall(fake.url, "test-key", 2),
      ideogramCall(fake.url, "test-key", 2),
      ideogramCall(fake.url, "test-key", 1),
    ]);
    const statuses = [a, b, c].map((r) => r?.status).sort();
    expect(statuses).toEqual([200, 200, 429]);
    const rejected = [a, b, c].find((r) => r?.status === 429);
    expect(await rejected?.json()).toMatchObject({
      reject_reason: "inflight_limit",
      max_inflight_requests: 4,
    });
    expect(fake.stats().maxInFlightUnits).toBe(4);
    expect(fake.stats().maxInFlight).toBe(2);
    expect(fake.stats().overInflightCalls).toBe(1);
  });

  it("expires image URLs after the TTL like a signed URL", async () => {
    const fake = await track(startIdeogramFake({ knobs: { imageTtlMs: 150 } }));
    const body = await json<{ data: { url: string }[] }>(await ideogramCall(fake.url));
    const url = body.data[0]?.url ?? "";
    const fresh = await fetch(url);
    expect([fresh.status, fresh.headers.get("content-type")]).toEqual([200, "image/png"]);
    expect(new Uint8Array(await fresh.arrayBuffer()).length).toBeGreaterThan(50);
    await new Promise((r) => setTimeout(r, 200));
    const stale = await fetch(url);
    expect(stale.status).toBe(403);
    expect(await stale.text()).toContain("Request has expired");
    expect((await fetch(`${fake.url}/images/img_never.png`)).status).toBe(404);
    expect(fake.stats().expiredImageDownloads).toBe(1);
  });

  it("answers 503 to everything, images included, while down", async () => {
    const fake = await track(startIdeogramFake());
    const url = (await json<{ data: { url: string }[] }>(await ideogramCall(fake.url))).data[0]?.url ?? "";
    fake.configure({ down: true });
    expect((await ideogramCall(fake.url)).status).toBe(503);
    expect((await fetch(url)).status).toBe(503);
  });
});

describe("fake replicate", () => {
  it("moves a prediction starting → processing → succeeded over time", async () => {
    const fake = await track(startReplicateFake({ knobs: { predictionStartMs: 100, predictionRunMs: 200 } }));
    const created = await replicateCreate(fake.url, {}, { prompt: "a cat", num_outputs: 2 });
    expect(created.status).toBe(201);
    const p = await json<{ id: string; status: string; urls: { get: string } }>(created);
    expect(p.status).toBe("starting");
    const get = async () =>
      json<{ status: string; output: string[] | null }>(
        await fetch(p.urls.get, { headers: { authorization: "Bearer test-key" } }),
      );
    await new Promise((r) => setTimeout(r, 150));
    expect((await get()).status).toBe("processing");
    await new Promise((r) => setTimeout(r, 200));
    const done = await get();
    expect(done.status).toBe("succeeded");
    expect(done.output).toHaveLength(2);
  });

  it("holds the create call for Prefer: wait until the prediction ends", async () => {
    const fake = await track(startReplicateFake({ knobs: { predictionStartMs: 50, predictionRunMs: 250 } }));
    const started = Date.now();
    const p = await json<{ status: string }>(await replicateCreate(fake.url, { prefer: "wait=5" }));
    expect(p.status).toBe("succeeded");
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await replicateCreate(fake.url, { prefer: "wait=61" })).status).toBe(400);
  });

  it("aborts at Cancel-After before start, cancels on request, and validates input with 422", async () => {
    const fake = await track(
      startReplicateFake({ knobs: { predictionStartMs: 1000, predictionRunMs: 1000 } }),
    );
    const p = await json<{ urls: { get: string; cancel: string } }>(
      await replicateCreate(fake.url, { "cancel-after": "100ms" }),
    );
    await new Promise((r) => setTimeout(r, 150));
    const auth = { authorization: "Bearer test-key" };
    expect((await json<{ status: string }>(await fetch(p.urls.get, { headers: auth }))).status).toBe(
      "aborted",
    );
    const q = await json<{ urls: { cancel: string } }>(await replicateCreate(fake.url));
    expect(
      (await json<{ status: string }>(await fetch(q.urls.cancel, { method: "POST", headers: auth }))).status,
    ).toBe("canceled");
    const invalid = await replicateCreate(fake.url, {}, { prompt: "x", aspect_ratio: "16:10" });
    expect(invalid.status).toBe(422);
    expect(invalid.headers.get("content-type")).toContain("application/problem+json");
    expect(await json(invalid)).toMatchObject({ title: "Input validation failed", status: 422 });
  });
});

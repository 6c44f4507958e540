// Issue 3 end to end: one job through each real adapter, inside the real system, against the
// local fake of its provider (auth header, request shape, ephemeral image URLs downloaded at once).
import { decode } from "fast-png";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIdeogramFake } from "../fakes/ideogram";
import { startOpenAIFake } from "../fakes/openai";
import { startOpenAICompatibleFake } from "../fakes/openai-compatible";
import { startReplicateFake } from "../fakes/replicate";
import { startStabilityFake } from "../fakes/stability";
import type { RunningFake } from "../fakes/spec";
import { type ApiJob, type System, startSystem } from "./support/system";

const KEY = "e2e-provider-key";
const fakes: Record<string, RunningFake> = {};
let system: System;
let compatible: RunningFake;

beforeAll(async () => {
  fakes.ideogram = await startIdeogramFake({ apiKey: KEY });
  fakes.openai = await startOpenAIFake({ apiKey: KEY });
  fakes.replicate = await startReplicateFake({ apiKey: KEY });
  fakes.stability = await startStabilityFake({ apiKey: KEY });
  const env: Record<string, string> = {};
  for (const [name, fake] of Object.entries(fakes)) {
    env[`${name.toUpperCase()}_API_KEY`] = KEY;
    env[`${name.toUpperCase()}_BASE_URL`] = fake.url;
  }
  // A local LLM server: a base URL and no key.
  compatible = await startOpenAICompatibleFake();
  env.OPENAI_COMPATIBLE_BASE_URL = compatible.url;
  system = await startSystem({ env });
});

afterAll(async () => {
  await system?.stop();
  await Promise.all([...Object.values(fakes), compatible].map((fake) => fake?.close()));
});

describe.each(["ideogram", "openai", "replicate", "stability"])("the %s adapter", (provider) => {
  it("runs a job against the fake and stores a decodable image with its metadata", async () => {
    const res = await system.api("/v1/jobs", {
      method: "POST",
      body: JSON.stringify({
        type: "image.generate",
        provider,
        input: { prompt: `a ${provider} test`, aspect_ratio: "16x9", seed: 7 },
      }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as ApiJob;
    const job = await system.pollJob(id, (j) => !["queued", "running"].includes(j.status), 60_000);
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    expect(job.provider).toBe(provider);
    expect(job.result?.model).toBeTruthy();
    const [image] = job.result!.images;
    expect(image!.width).toBeGreaterThan(image!.height);

    const download = await system.api(`/v1/jobs/${id}/images/0`);
    expect(download.headers.get("content-type")).toBe("image/png");
    const png = decode(new Uint8Array(await download.arrayBuffer()));
    expect([png.width, png.height]).toEqual([image!.width, image!.height]);

    // The fake saw our key in the provider's own auth header; its ephemeral image URL was fetched
    // (gpt-image models answer with base64, Stability with the bytes themselves, instead of a URL).
    const stats = fakes[provider]!.stats();
    expect(stats.generateCalls).toBeGreaterThanOrEqual(1);
    if (provider === "ideogram" || provider === "replicate")
      expect(stats.imageDownloads).toBeGreaterThanOrEqual(1);
    const headers = stats.lastRequest?.headers ?? {};
    const auth = provider === "ideogram" ? headers["api-key"] : headers.authorization;
    expect(auth).toBe(provider === "ideogram" ? KEY : `Bearer ${KEY}`);
  });
});

describe("text.generate", () => {
  const submit = async (body: Record<string, unknown>) => {
    const res = await system.api("/v1/jobs", {
      method: "POST",
      body: JSON.stringify({ type: "text.generate", ...body }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const { id } = (await res.json()) as ApiJob;
    return system.pollJob(id, (j) => !["queued", "running"].includes(j.status), 60_000);
  };
  const input = { messages: [{ role: "user", content: "Say hello [fake:words=5]" }], max_tokens: 32 };

  it.each([
    ["openai", () => fakes.openai!, `Bearer ${KEY}`],
    ["openai-compatible", () => compatible, undefined],
  ] as const)(
    "runs a chat job on %s against its fake and keeps text and usage",
    async (provider, fake, auth) => {
      const job = await submit({ provider, input });
      expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
      expect(job.result).toMatchObject({
        images: [],
        text: { content: "Echo w1 w2 w3 w4", finish_reason: "stop" },
        usage: { input_tokens: 3, output_tokens: 5, total_tokens: 8 },
      });
      const req = fake().stats().lastRequest;
      expect(req?.path).toBe("/v1/chat/completions");
      expect(req?.headers.authorization).toBe(auth);
    },
  );

  it("runs a long demo reply to R2 and answers it whole at /output", async () => {
    const long = { messages: [{ role: "user", content: "[demo:words=4000]" }], max_tokens: 5000 };
    const job = await submit({ input: long });
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    expect(job.provider).toBe("demo");
    expect(job.result?.text).toMatchObject({ content: null, finish_reason: "stop" });
    const res = await system.api(`/v1/jobs/${job.id}/output`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect((await res.text()).split(" ")).toHaveLength(4000);
  });
});

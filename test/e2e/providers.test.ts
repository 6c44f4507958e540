// Issue 3 end to end: one job through each real adapter, inside the real system, against the
// local fake of its provider (auth header, request shape, ephemeral image URLs downloaded at once).
import { decode } from "fast-png";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIdeogramFake } from "../fakes/ideogram";
import { startOpenAIFake } from "../fakes/openai";
import { startReplicateFake } from "../fakes/replicate";
import { startStabilityFake } from "../fakes/stability";
import type { RunningFake } from "../fakes/spec";
import { type ApiJob, type System, startSystem } from "./support/system";

const KEY = "e2e-provider-key";
const fakes: Record<string, RunningFake> = {};
let system: System;

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
  system = await startSystem({ env });
});

afterAll(async () => {
  await system?.stop();
  await Promise.all(Object.values(fakes).map((fake) => fake.close()));
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

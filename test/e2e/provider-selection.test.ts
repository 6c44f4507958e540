// Provider selection end to end: with four providers configured against their local fakes and
// replicate as the default (so the free demo provider is no candidate), a `cheapest` and a
// `quality:high` job each run on the provider their strategy picks, and the job's events say why.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIdeogramFake } from "../fakes/ideogram";
import { startOpenAIFake } from "../fakes/openai";
import { startReplicateFake } from "../fakes/replicate";
import { startStabilityFake } from "../fakes/stability";
import type { RunningFake } from "../fakes/spec";
import { type ApiEvent, type ApiJob, type System, startSystem } from "./support/system";

const KEY = "e2e-selection-key";
const fakes: RunningFake[] = [];
let system: System;

beforeAll(async () => {
  const started = {
    ideogram: await startIdeogramFake({ apiKey: KEY }),
    openai: await startOpenAIFake({ apiKey: KEY }),
    replicate: await startReplicateFake({ apiKey: KEY }),
    stability: await startStabilityFake({ apiKey: KEY }),
  };
  const env: Record<string, string> = { DEFAULT_PROVIDER: "replicate" };
  for (const [name, fake] of Object.entries(started)) {
    fakes.push(fake);
    env[`${name.toUpperCase()}_API_KEY`] = KEY;
    env[`${name.toUpperCase()}_BASE_URL`] = fake.url;
  }
  system = await startSystem({ env });
});

afterAll(async () => {
  await system?.stop();
  await Promise.all(fakes.map((fake) => fake.close()));
});

async function runWith(provider: string): Promise<{ job: ApiJob; selected: ApiEvent | undefined }> {
  const res = await system.api("/v1/jobs", {
    method: "POST",
    body: JSON.stringify({
      type: "image.generate",
      provider,
      input: { prompt: "a harbour", aspect_ratio: "16x9" },
    }),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  const { id } = (await res.json()) as ApiJob;
  const job = await system.pollJob(id, (j) => !["queued", "running"].includes(j.status), 60_000);
  const events = (await (await system.api(`/v1/jobs/${id}/events`)).json()) as { data: ApiEvent[] };
  return { job, selected: events.data.find((e) => e.type === "provider_selected") };
}

describe("provider selection through the running system", () => {
  it("cheapest runs on the lowest list price for the input, and its events say why", async () => {
    const { job, selected } = await runWith("cheapest");
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    expect(job.provider).toBe("replicate");
    expect(selected?.data).toMatchObject({ strategy: "cheapest", chosen: "replicate" });
    const ranking = (selected?.data?.ranking ?? []) as { provider: string; cost_usd: number }[];
    expect(ranking.map((r) => r.provider)).toEqual(["replicate", "stability", "ideogram", "openai"]);
    expect(selected?.data?.excluded).toContainEqual({ provider: "demo", reason: "not_configured" });
  });

  it("quality:high runs on the one provider whose configured model is high tier", async () => {
    const { job, selected } = await runWith("quality:high");
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    expect(job.provider).toBe("openai");
    expect(selected?.data).toMatchObject({ strategy: "quality:high", chosen: "openai", chain: ["openai"] });
  });
});

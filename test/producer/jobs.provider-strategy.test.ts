// A job's `provider` may be a strategy (cheapest, fastest, quality:<tier>) instead of a provider:
// accepted and stored as the requested provider, refused with a problem+json 400 when unknown,
// listed in /openapi.json, and the consumer's choice shown in the job's events.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { providerStrategies } from "../../shared/providers/selection";
import { seedJob, seedTenant } from "../support/tenant";
import { call, createJobViaApi, expectProblem, getInit, jobBody, postInit, rows } from "./helpers";

describe("POST /v1/jobs with a provider strategy", () => {
  it.each(providerStrategies)("accepts %s and keeps it as the requested provider", async (strategy) => {
    const t = await seedTenant(env.DB);
    const job = await createJobViaApi(t.userKey, jobBody({ provider: strategy }));
    // As for a named provider, `provider` shows what was asked until the consumer picks one.
    expect(job.provider).toBe(strategy);
    const [row] = await rows<{ requested_provider: string }>(
      "SELECT requested_provider FROM jobs WHERE id = ?",
      job.id,
    );
    expect(row?.requested_provider).toBe(strategy);
  });

  it.each(["quality:ultra", "Cheapest", "quality", "slowest"])(
    "refuses %s with a 400 naming provider",
    async (provider) => {
      const t = await seedTenant(env.DB);
      const res = await call("/v1/jobs", postInit(t.userKey, jobBody({ provider })));
      const problem = await expectProblem(res, 400, "validation_failed");
      expect(problem.errors?.map((e) => e.path)).toEqual(["provider"]);
    },
  );

  it("refuses a strategy among fallback_providers: a chain names providers", async () => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", postInit(t.userKey, jobBody({ fallback_providers: ["cheapest"] })));
    const problem = await expectProblem(res, 400, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toEqual(["fallback_providers.0"]);
  });

  it("lists the strategies beside the providers in /openapi.json", async () => {
    const doc = (await (await call("/openapi.json")).json()) as {
      components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> };
    };
    const values = doc.components.schemas.CreateImageJobRequest?.properties.provider?.enum;
    expect(values).toEqual(expect.arrayContaining(["demo", "openai", ...providerStrategies]));
  });
});

describe("GET /v1/jobs/{id}/events of a strategy job", () => {
  it("shows the provider_selected event with its ranking and reason", async () => {
    const t = await seedTenant(env.DB);
    const job = await seedJob(env.DB, t, { overrides: { requestedProvider: "cheapest" } });
    const data = {
      strategy: "cheapest",
      chosen: "stability",
      reason: "lowest estimated cost ($0.03) of 2 eligible",
      ranking: [
        { provider: "stability", model: "core", cost_usd: 0.03, p50_ms: null, circuit: "closed" },
        { provider: "openai", model: "gpt-image-1", cost_usd: 0.042, p50_ms: 8000, circuit: "closed" },
      ],
      excluded: [{ provider: "replicate", reason: "not_configured" }],
      chain: ["stability", "openai"],
    };
    const selected = { version: 2, type: "provider_selected", status: "queued", data, createdAt: Date.now() };
    await env.DB.prepare("UPDATE jobs SET events = ?, version = 2, provider = 'stability' WHERE id = ?")
      .bind(JSON.stringify([...job.events, selected]), job.id)
      .run();
    const res = await call(`/v1/jobs/${job.id}/events`, getInit(t.userKey));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { type: string; data: unknown }[] };
    expect(body.data.map((e) => e.type)).toEqual(["queued", "provider_selected"]);
    expect(body.data[1]?.data).toEqual(data);
  });
});

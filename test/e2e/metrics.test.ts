// GET /v1/admin/metrics on the real local system (`npm start`): the producer reads the consumer's
// TokenBucket objects across Workers (script_name), so a job run end to end shows in the report.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiJob, startSystem, type System } from "./support/system";

let sys: System;

beforeAll(async () => {
  sys = await startSystem();
}, 90_000);

afterAll(async () => {
  await sys?.stop();
});

interface Report {
  window: string;
  series: { t: string; jobs: number; succeeded: number }[];
  totals: { jobs: number; succeeded: number; spend_usd: number; p50_ms: number | null };
  providers: { provider: string; requests: number; limit_per_minute: number | null }[];
}

describe("metrics on the running system", () => {
  it("counts a job run end to end, read by the producer from the consumer's pacing object", async () => {
    const created = await sys.api("/v1/jobs", {
      method: "POST",
      body: JSON.stringify({ type: "image.generate", input: { prompt: "a lighthouse, for the dashboard" } }),
    });
    expect(created.status, await created.clone().text()).toBe(202);
    const { id } = (await created.json()) as ApiJob;
    await sys.pollJob(id, (j) => j.status === "succeeded", 30_000);

    const admin = { authorization: `Bearer ${sys.adminKey}` };
    const me = (await (await fetch(`${sys.baseUrl}/v1/me`, { headers: admin })).json()) as {
      instance: { id: string } | null;
    };
    expect(me.instance?.id).toBeTruthy();
    const res = await fetch(`${sys.baseUrl}/v1/admin/metrics?instance_id=${me.instance!.id}&window=hour`, {
      headers: admin,
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const m = JSON.parse(text) as Report;
    expect(m.series).toHaveLength(60);
    expect(m.totals.succeeded).toBeGreaterThanOrEqual(1);
    expect(m.totals.p50_ms).not.toBeNull();
    expect(m.providers.find((p) => p.provider === "demo")?.requests).toBeGreaterThanOrEqual(1);

    // A user key is refused.
    const refused = await sys.api(`/v1/admin/metrics?instance_id=${me.instance!.id}`);
    expect(refused.status).toBe(403);
  });
});

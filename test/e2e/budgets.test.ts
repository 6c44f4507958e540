// Budgets on the real local system (`npm start`): the producer reaches the consumer's Budget objects
// across Workers (script_name), refuses a job past the limit with 402, and a job that ran gives its
// reservation back through the consumer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALLER_CACHE_TTL_MS } from "../../shared/auth/caller-cache";
import { type ApiJob, startSystem, type System } from "./support/system";

let sys: System;

beforeAll(async () => {
  sys = await startSystem();
}, 90_000);

afterAll(async () => {
  await sys?.stop();
});

const job = JSON.stringify({ type: "image.generate", input: { prompt: "a lighthouse, on a budget" } });
/** The API key lookup is cached this long: a new limit applies after it. */
const settle = () => new Promise((r) => setTimeout(r, CALLER_CACHE_TTL_MS + 1_000));

async function putBudget(limit: number | null) {
  const res = await fetch(`${sys.baseUrl}/v1/admin/budget`, {
    method: "PUT",
    headers: { authorization: `Bearer ${sys.adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ monthly_limit_usd: limit }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json() as Promise<{ monthly_limit_usd: number; reserved_usd: number; jobs_in_flight: number }>;
}

describe("budgets on the running system", () => {
  it("refuses a job past the limit, and a job that ran leaves nothing reserved", async () => {
    expect((await putBudget(0.000001)).monthly_limit_usd).toBe(0.000001);
    await settle();
    const refused = await sys.api("/v1/jobs", { method: "POST", body: job });
    expect(refused.status, await refused.clone().text()).toBe(402);
    expect(((await refused.json()) as { code: string }).code).toBe("budget_exceeded");

    await putBudget(100);
    await settle();
    const created = await sys.api("/v1/jobs", { method: "POST", body: job });
    expect(created.status, await created.clone().text()).toBe(202);
    const { id } = (await created.json()) as ApiJob;
    await sys.pollJob(id, (j) => j.status === "succeeded", 30_000);
    let budget: { reserved_usd: number; jobs_in_flight: number } | undefined;
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${sys.baseUrl}/v1/admin/budget`, {
        headers: { authorization: `Bearer ${sys.adminKey}` },
      });
      budget = (await res.json()) as typeof budget;
      if (budget?.jobs_in_flight === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(budget).toMatchObject({ reserved_usd: 0, jobs_in_flight: 0 });
    await putBudget(null);
  }, 90_000);
});

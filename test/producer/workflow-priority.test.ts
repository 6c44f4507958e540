// A workflow's priority travels in its jobs' queue messages (the consumer paces by it without a
// read); a job outside a workflow sends no priority at all.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedTenant } from "../support/tenant";
import { callWith, jobBody, postInit, queueSpy } from "./helpers";

describe("priority in the job message", () => {
  it("carries the workflow's priority, and nothing for a job on its own", async () => {
    const t = await seedTenant(env.DB);
    const spy = queueSpy();
    const body = { name: "urgent", priority: 7, jobs: [jobBody(), jobBody()] };
    const res = await callWith({ JOBS: spy.queue }, "/v1/workflows", postInit(t.userKey, body));
    expect(res.status, await res.clone().text()).toBe(201);
    expect(spy.sent).toHaveLength(2);
    for (const message of spy.sent) expect(message).toMatchObject({ kind: "job", priority: 7 });

    const alone = await callWith({ JOBS: spy.queue }, "/v1/jobs", postInit(t.userKey, jobBody()));
    expect(alone.status).toBe(202);
    expect(spy.sent[2]).not.toHaveProperty("priority");
  });
});

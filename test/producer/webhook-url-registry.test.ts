// The webhook addresses an attacker got past the old filter (issue 21), refused through the API on
// the Workers runtime: the URL parser here is the runtime's own, the one fetch would use.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedTenant } from "../support/tenant";
import { call, countJobs, expectProblem, jobBody, postInit } from "./helpers";

describe("POST /v1/jobs: webhook URLs from the IANA special-purpose registries", () => {
  it.each([
    "https://[::ffff:0:a9fe:a9fe]/",
    "https://[64:ff9b:1::a9fe:a9fe]/",
    "https://[2001:0:4136:e378:8000:63bf:56fe:56fe]/",
    "https://198.18.0.1/",
    "https://[::ffff:169.254.169.254]/",
  ])("refuses %s with 400 webhook_url_invalid", async (url) => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", postInit(t.userKey, jobBody({ webhook_url: url })));
    const problem = await expectProblem(res, 400, "webhook_url_invalid");
    expect(problem.detail).toContain("public host");
    expect(await countJobs(t.instanceId)).toBe(0);
  });

  it("accepts a public host, and NAT64 of a public address", async () => {
    const t = await seedTenant(env.DB);
    for (const url of ["https://hooks.example.com/x", "https://[64:ff9b::808:808]/x"]) {
      const res = await call("/v1/jobs", postInit(t.userKey, jobBody({ webhook_url: url })));
      expect(res.status, url).toBe(202);
    }
  });
});

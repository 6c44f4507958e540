// An image has one URL: its index is decimal digits only. A number coercion would also read 0x0,
// 1e0, 0.0 or " 0" as image 0 and serve it under URLs nobody issued (issue 21).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedJob, seedJobImage, seedTenant } from "../support/tenant";
import { call, expectProblem, getInit } from "./helpers";

async function jobWithImage() {
  const t = await seedTenant(env.DB);
  const job = await seedJob(env.DB, t, { status: "succeeded" });
  await seedJobImage(env, job.id, { index: 0, bytes: new Uint8Array([1, 2, 3]), contentType: "image/png" });
  return { t, job };
}

describe("GET /v1/jobs/{id}/images/{n}: n in decimal digits", () => {
  it("serves image 0 at /images/0", async () => {
    const { t, job } = await jobWithImage();
    expect((await call(`/v1/jobs/${job.id}/images/0`, getInit(t.userKey))).status).toBe(200);
  });

  it.each(["0x0", "1e0", "0.0", "%200", "-0", "+0", "0b0", "64", "100"])("refuses %s with 400", async (n) => {
    const { t, job } = await jobWithImage();
    await expectProblem(
      await call(`/v1/jobs/${job.id}/images/${n}`, getInit(t.userKey)),
      400,
      "validation_failed",
    );
  });
});

// Signed image URLs end to end inside workerd: GET /v1/jobs/{id} hands out a URL that fetches the
// bytes without a key, until its expiry and for that image only; the instance's TTL (set through
// PATCH /v1/admin/instances/{id}, audited, bounded) shapes it; removed images answer 410.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { deriveImageUrlKey, signedImageUrl } from "../../shared/images/signed-url";
import type { Job } from "../../shared/jobs/schemas";
import { generateMasterKey } from "../../shared/providers/keys/crypto";
import { type SeededTenant, authHeaders, seedJob, seedJobImage, seedTenant } from "../support/tenant";
import { callWith, expectProblem, rows } from "./helpers";

const MASTER = generateMasterKey();
const BINDINGS = { PROVIDER_KEYS_MASTER_KEY: MASTER } as Partial<ProducerEnv>;
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);

type JobImage = NonNullable<Job["result"]>["images"][number];

/** A succeeded job of the tenant with two stored images. */
async function imageJob(t: SeededTenant) {
  const job = await seedJob(env.DB, t, { status: "succeeded" });
  await seedJobImage(env, job.id, { index: 0, bytes: PNG, contentType: "image/png" });
  await seedJobImage(env, job.id, { index: 1, bytes: new Uint8Array([9, 9]), contentType: "image/png" });
  return job;
}

/** GET without any key. */
const anonymous = (path: string, bindings = BINDINGS) => callWith(bindings, path);

async function jobView(key: string, jobId: string, bindings = BINDINGS): Promise<Job> {
  const res = await callWith(bindings, `/v1/jobs/${jobId}`, { headers: authHeaders(key) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Job;
}

async function imagesOf(key: string, jobId: string): Promise<JobImage[]> {
  return (await jobView(key, jobId)).result?.images ?? [];
}

function patchInstance(key: string, instanceId: string, body: unknown): Promise<Response> {
  return callWith(BINDINGS, `/v1/admin/instances/${instanceId}`, {
    method: "PATCH",
    headers: { ...authHeaders(key), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** The job's signed URL of image 0 with the query parameter `name` replaced. */
function withParam(url: string, name: string, value: string): string {
  const u = new URL(url, "https://x.test");
  u.searchParams.set(name, value);
  return `${u.pathname}${u.search}`;
}

describe("signed image URLs in the job view", () => {
  it("shows a signed URL per image that fetches its bytes without a key, cacheable until the expiry", async () => {
    const t = await seedTenant(env.DB);
    const job = await imageJob(t);
    const [first, second] = await imagesOf(t.userKey, job.id);
    expect(first?.url).toBe(`/v1/jobs/${job.id}/images/0`);
    expect(first?.signed_url).toMatch(
      new RegExp(`^/signed/jobs/${job.id}/images/0\\?expires=\\d+&signature=[A-Za-z0-9_-]{43}$`),
    );
    expect(second?.signed_url).toContain(`/images/1?`);

    const res = await anonymous(first!.signed_url!);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PNG);
    const remaining = (Date.parse(first!.signed_url_expires_at!) - Date.now()) / 1000;
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(res.headers.get("cache-control") ?? "")?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(Math.ceil(remaining));
    expect(Number(new URL(first!.signed_url!, "https://x.test").searchParams.get("expires")) * 1000).toBe(
      Date.parse(first!.signed_url_expires_at!),
    );
  });

  it("lists jobs with their signed URLs too", async () => {
    const t = await seedTenant(env.DB);
    const job = await imageJob(t);
    const res = await callWith(BINDINGS, "/v1/jobs", { headers: authHeaders(t.userKey) });
    const list = (await res.json()) as { data: Job[] };
    const listed = list.data.find((j) => j.id === job.id)?.result?.images[0];
    expect(listed?.signed_url).toMatch(/^\/signed\/jobs\//);
    expect((await anonymous(listed!.signed_url!)).status).toBe(200);
  });

  it("shows null signed URLs, and refuses every signed URL, when the master key is not set", async () => {
    const t = await seedTenant(env.DB);
    const job = await imageJob(t);
    const [signed] = await imagesOf(t.userKey, job.id);
    const unset = { PROVIDER_KEYS_MASTER_KEY: undefined } as unknown as Partial<ProducerEnv>;
    const [image] = (await jobView(t.userKey, job.id, unset)).result?.images ?? [];
    expect(image).toMatchObject({
      url: `/v1/jobs/${job.id}/images/0`,
      signed_url: null,
      signed_url_expires_at: null,
    });
    await expectProblem(await anonymous(signed!.signed_url!, unset), 403, "image_url_invalid");
  });
});

describe("GET /signed/jobs/{id}/images/{n}", () => {
  it("answers 403 image_url_expired once the expiry has passed", async () => {
    const t = await seedTenant(env.DB);
    const job = await imageJob(t);
    const key = await deriveImageUrlKey(MASTER);
    const old = await signedImageUrl(job.id, 0, key, 60, Date.now() - 2 * 60_000);
    await expectProblem(await anonymous(old.url), 403, "image_url_expired");
  });

  it("answers 403 image_url_invalid for an altered signature, expiry or image index", async () => {
    const t = await seedTenant(env.DB);
    const job = await imageJob(t);
    const [image] = await imagesOf(t.userKey, job.id);
    const url = image!.signed_url!;
    const { searchParams } = new URL(url, "https://x.test");
    const signature = searchParams.get("signature")!;
    const expires = Number(searchParams.get("expires"));
    for (const altered of [
      withParam(url, "signature", (signature[0] === "A" ? "B" : "A") + signature.slice(1)),
      withParam(url, "expires", String(expires + 86_400)),
      withParam(url, "signature", "not-a-signature"),
      url.replace("/images/0?", "/images/1?"),
      // The same URL signed by another deployment's master key.
      (await signedImageUrl(job.id, 0, await deriveImageUrlKey(generateMasterKey()), 3600, Date.now())).url,
    ]) {
      await expectProblem(await anonymous(altered), 403, "image_url_invalid");
    }
    expect((await anonymous(url)).status).toBe(200);
  });

  it("refuses another job's signature (403), even of the same tenant", async () => {
    const t = await seedTenant(env.DB);
    const mine = await imageJob(t);
    const other = await imageJob(t);
    const [image] = await imagesOf(t.userKey, other.id);
    await expectProblem(
      await anonymous(image!.signed_url!.replace(other.id, mine.id)),
      403,
      "image_url_invalid",
    );
  });

  it("answers 400 validation_failed without expires or signature, and never asks for a key", async () => {
    const t = await seedTenant(env.DB);
    const job = await imageJob(t);
    await expectProblem(await anonymous(`/signed/jobs/${job.id}/images/0`), 400, "validation_failed");
    const [image] = await imagesOf(t.userKey, job.id);
    // A bad Authorization header does not matter here: the signature is the credential.
    const res = await callWith(BINDINGS, image!.signed_url!, { headers: authHeaders("gq_wrong") });
    expect(res.status).toBe(200);
  });

  it("answers 410 images_removed, on the signed and the keyed route, once the images were removed", async () => {
    const t = await seedTenant(env.DB);
    const job = await imageJob(t);
    const [image] = await imagesOf(t.userKey, job.id);
    await env.DB.prepare("UPDATE jobs SET images_removed_at = ? WHERE id = ?").bind(Date.now(), job.id).run();
    await expectProblem(await anonymous(image!.signed_url!), 410, "images_removed");
    await expectProblem(
      await callWith(BINDINGS, `/v1/jobs/${job.id}/images/0`, { headers: authHeaders(t.userKey) }),
      410,
      "images_removed",
    );
    const [after] = await imagesOf(t.userKey, job.id);
    expect(after?.signed_url).toBeNull();
  });
});

describe("the instance's image settings (PATCH /v1/admin/instances/{id})", () => {
  it("sets image_url_ttl_seconds, audited, and the job view's URLs follow it; null goes back to the default", async () => {
    const t = await seedTenant(env.DB);
    const other = await seedTenant(env.DB);
    const job = await imageJob(t);
    const otherJob = await imageJob(other);
    const res = await patchInstance(t.adminKey, t.instanceId, { image_url_ttl_seconds: 120 });
    const ins = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(ins)).toBe(200);
    expect(ins).toMatchObject({ image_url_ttl_seconds: 120, image_retention_days: null });
    const [audit] = await rows<{ before: string; after: string }>(
      "SELECT before, after FROM audit_log WHERE resource_id = ? AND action = 'instance.update'",
      t.instanceId,
    );
    expect(JSON.parse(audit!.before)).toMatchObject({ image_url_ttl_seconds: null });
    expect(JSON.parse(audit!.after)).toMatchObject({ image_url_ttl_seconds: 120 });

    const lifeOf = async (key: string, jobId: string) =>
      (Date.parse((await imagesOf(key, jobId))[0]!.signed_url_expires_at!) - Date.now()) / 1000;
    const short = await lifeOf(t.userKey, job.id);
    expect(short).toBeGreaterThan(100);
    expect(short).toBeLessThanOrEqual(120);
    // Another instance keeps the default (an hour).
    const dflt = await lifeOf(other.userKey, otherJob.id);
    expect(dflt).toBeGreaterThan(3000);
    expect(dflt).toBeLessThanOrEqual(3600);

    expect((await patchInstance(t.adminKey, t.instanceId, { image_url_ttl_seconds: null })).status).toBe(200);
    expect(await lifeOf(t.userKey, job.id)).toBeGreaterThan(3000);
  });

  it("sets image_retention_days and shows both settings on GET", async () => {
    const t = await seedTenant(env.DB);
    expect((await patchInstance(t.adminKey, t.instanceId, { image_retention_days: 30 })).status).toBe(200);
    const res = await callWith(BINDINGS, `/v1/admin/instances/${t.instanceId}`, {
      headers: authHeaders(t.adminKey),
    });
    expect(await res.json()).toMatchObject({ image_retention_days: 30, image_url_ttl_seconds: null });
    const [row] = await rows<{ days: number }>(
      "SELECT image_retention_days AS days FROM instances WHERE id = ?",
      t.instanceId,
    );
    expect(row?.days).toBe(30);
  });

  it.each([
    ["a TTL under a minute", { image_url_ttl_seconds: 59 }, "image_url_ttl_seconds"],
    ["a TTL over 7 days", { image_url_ttl_seconds: 604_801 }, "image_url_ttl_seconds"],
    ["a fractional TTL", { image_url_ttl_seconds: 90.5 }, "image_url_ttl_seconds"],
    ["a TTL as a string", { image_url_ttl_seconds: "600" }, "image_url_ttl_seconds"],
    ["0 retention days", { image_retention_days: 0 }, "image_retention_days"],
    ["over 10 years of retention", { image_retention_days: 3651 }, "image_retention_days"],
  ])("answers 400 validation_failed for %s and changes nothing", async (_, body, path) => {
    const t = await seedTenant(env.DB);
    const problem = await expectProblem(
      await patchInstance(t.adminKey, t.instanceId, body),
      400,
      "validation_failed",
    );
    expect(problem.errors?.map((e) => e.path)).toEqual([path]);
    const [row] = await rows<{ ttl: number | null; days: number | null }>(
      "SELECT image_url_ttl_seconds AS ttl, image_retention_days AS days FROM instances WHERE id = ?",
      t.instanceId,
    );
    expect(row).toEqual({ ttl: null, days: null });
  });

  it("accepts the bounds themselves", async () => {
    const t = await seedTenant(env.DB);
    const res = await patchInstance(t.adminKey, t.instanceId, {
      image_url_ttl_seconds: 60,
      image_retention_days: 1,
    });
    expect(await res.json()).toMatchObject({ image_url_ttl_seconds: 60, image_retention_days: 1 });
    const top = await patchInstance(t.adminKey, t.instanceId, {
      image_url_ttl_seconds: 604_800,
      image_retention_days: 3650,
    });
    expect(await top.json()).toMatchObject({ image_url_ttl_seconds: 604_800, image_retention_days: 3650 });
  });
});

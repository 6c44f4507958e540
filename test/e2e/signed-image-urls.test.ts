// Signed image URLs through the real system (`npm start`, HTTP only): the URL a job shows fetches
// the PNG with no key at all, through the producer's static-assets routing (the /signed path is
// outside /v1), and an altered one is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiJob, startSystem, type System } from "./support/system";

let sys: System;

beforeAll(async () => {
  sys = await startSystem();
}, 90_000);

afterAll(async () => {
  await sys?.stop();
});

type SignedImage = { url: string; signed_url: string | null; signed_url_expires_at: string | null };

describe("signed image URLs (npm start, HTTP only)", () => {
  it("fetch the image without a key until they expire; an altered URL is 403", async () => {
    const res = await sys.api("/v1/jobs", {
      method: "POST",
      body: JSON.stringify({ type: "image.generate", input: { prompt: "a kite over dunes" } }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const { id } = (await res.json()) as ApiJob;
    const job = await sys.pollJob(id, (j) => j.status === "succeeded");
    const [image] = (job.result?.images ?? []) as unknown as SignedImage[];
    expect(image?.signed_url).toMatch(new RegExp(`^/signed/jobs/${id}/images/0\\?expires=\\d+&signature=`));
    expect(Date.parse(image!.signed_url_expires_at!)).toBeGreaterThan(Date.now());

    const keyed = new Uint8Array(await (await sys.api(image!.url)).arrayBuffer());
    const signed = await fetch(`${sys.baseUrl}${image!.signed_url}`);
    expect(signed.status, await signed.clone().text()).toBe(200);
    expect(signed.headers.get("content-type")).toBe("image/png");
    expect(signed.headers.get("cache-control")).toMatch(/^private, max-age=\d+$/);
    expect(new Uint8Array(await signed.arrayBuffer())).toEqual(keyed);

    const altered = await fetch(`${sys.baseUrl}${image!.signed_url!.replace("/images/0?", "/images/1?")}`);
    expect(altered.status).toBe(403);
    expect(altered.headers.get("content-type")).toBe("application/problem+json");
    expect(((await altered.json()) as { code: string }).code).toBe("image_url_invalid");
  });
});

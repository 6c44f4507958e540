// Stability answers a generation in one of two documented shapes, chosen by the request's
// `accept`: the image bytes with `finish-reason` and `seed` headers (image/*), or JSON with the
// image in base64 (application/json). The adapter asks for bytes; a JSON answer is read too.
import * as z from "../../zod-mini";
import { decodeBase64, invalidResponse, readBytes, readJson } from "../http";

export interface StabilityImage {
  bytes: Uint8Array;
  finishReason: string;
  seed?: number;
}

const JsonAnswer = z.object({
  image: z.string(),
  finish_reason: z.string(),
  seed: z.nullish(z.number()),
});

function seedOf(value: string | number | null | undefined): number | undefined {
  const n = Number(value);
  return value !== null && value !== undefined && value !== "" && Number.isInteger(n) ? n : undefined;
}

export async function readImageBody(res: Response, provider: string): Promise<StabilityImage> {
  const type = (res.headers.get("content-type") ?? "").toLowerCase();
  if (type.startsWith("application/json")) {
    const parsed = JsonAnswer.safeParse(await readJson(res, provider));
    if (!parsed.success) throw invalidResponse(provider, "JSON answer without image and finish_reason");
    const { image, finish_reason, seed } = parsed.data;
    return { bytes: decodeBase64(image, provider), finishReason: finish_reason, seed: seedOf(seed) };
  }
  if (!type.startsWith("image/")) {
    await res.body?.cancel().catch(() => undefined);
    throw invalidResponse(provider, `content-type "${type}" is neither an image nor JSON`);
  }
  return {
    bytes: await readBytes(res, provider),
    finishReason: res.headers.get("finish-reason") ?? "",
    seed: seedOf(res.headers.get("seed")),
  };
}

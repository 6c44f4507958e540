import { decode } from "fast-png";
import { describe, expect, it, vi } from "vitest";
import { type AspectRatio, aspectRatios } from "../../../shared/jobs/enums";
import { demoProvider } from "../../../shared/providers/demo";
import { dimensionsFor } from "../../../shared/providers/demo/dimensions";
import { hashSeed, renderPng } from "../../../shared/providers/demo/render";
import { ProviderError, providerErrorCodes } from "../../../shared/providers/errors";
import type { ImageInput, ProviderCallContext } from "../../../shared/providers/types";

function ctx(overrides: Partial<ProviderCallContext> = {}): ProviderCallContext {
  return {
    baseUrl: demoProvider.defaultBaseUrl,
    signal: new AbortController().signal,
    requestTimeoutMs: 10_000,
    fetch: () => Promise.reject(new Error("the demo provider must not touch the network")),
    sleep: vi.fn(async () => {}),
    now: () => 0,
    ...overrides,
  };
}

function input(overrides: Partial<ImageInput> = {}): ImageInput {
  return { prompt: "a lighthouse at dusk", aspect_ratio: "1x1", seed: 42, num_images: 1, ...overrides };
}

async function failureOf(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe("dimensionsFor", () => {
  const table: Record<AspectRatio, [number, number]> = {
    "1x1": [512, 512],
    "16x9": [512, 288],
    "9x16": [288, 512],
    "4x3": [512, 384],
    "3x4": [384, 512],
    "3x2": [512, 342],
    "2x3": [342, 512],
    "16x10": [512, 320],
    "10x16": [320, 512],
    "3x1": [512, 170],
    "1x3": [170, 512],
    "2x1": [512, 256],
    "1x2": [256, 512],
  };

  it.each(aspectRatios)("gives %s a 512 px long side and even sides", (ratio) => {
    const { width, height } = dimensionsFor(ratio);
    expect([width, height]).toEqual(table[ratio]);
    expect(width % 2).toBe(0);
    expect(height % 2).toBe(0);
  });

  it("scales to another long side", () => {
    expect(dimensionsFor("16x9", 1024)).toEqual({ width: 1024, height: 576 });
  });
});

describe("renderPng", () => {
  it.each(["1x1", "16x9", "9x16", "4x3", "1x3"] as const)("writes a decodable %s RGB PNG", (ratio) => {
    const { width, height } = dimensionsFor(ratio);
    const png = decode(renderPng({ prompt: "x", seed: 1, width, height }));
    expect({ width: png.width, height: png.height, channels: png.channels, depth: png.depth }).toEqual({
      width,
      height,
      channels: 3,
      depth: 8,
    });
  });

  it("is deterministic and depends on prompt and seed", () => {
    const base = { prompt: "a red fox", seed: 7, width: 64, height: 48 };
    const bytes = renderPng(base);
    expect(renderPng(base)).toEqual(bytes);
    expect(renderPng({ ...base, seed: 8 })).not.toEqual(bytes);
    expect(renderPng({ ...base, prompt: "a red fix" })).not.toEqual(bytes);
  });

  it("draws more than one colour", () => {
    const { data } = decode(renderPng({ prompt: "gradient", seed: 3, width: 32, height: 32 }));
    const colours = new Set<string>();
    for (let i = 0; i < data.length; i += 3) colours.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
    expect(colours.size).toBeGreaterThan(10);
  });

  it("hashes prompts to stable unsigned 32-bit seeds", () => {
    expect(hashSeed("")).toBe(0x811c9dc5); // FNV-1a offset basis
    expect(hashSeed("a")).toBe(0xe40c292c); // published FNV-1a test vector
    expect(hashSeed("héllo")).toBe(hashSeed("héllo"));
    expect(hashSeed("héllo")).not.toBe(hashSeed("hello"));
  });
});

describe("demoProvider.generate", () => {
  it("returns PNGs sized by the aspect ratio, without network", async () => {
    const c = ctx({ fetch: vi.fn() });
    const result = await demoProvider.generate(input({ aspect_ratio: "16x9" }), c);
    expect(result.model).toBe("demo-gradient-v1");
    expect(result.images).toHaveLength(1);
    const [image] = result.images;
    expect(image).toMatchObject({ contentType: "image/png", width: 512, height: 288, seed: 42 });
    expect(decode(image!.bytes)).toMatchObject({ width: 512, height: 288, channels: 3 });
    expect(c.fetch).not.toHaveBeenCalled();
  });

  it("gives num_images distinct images with consecutive seeds", async () => {
    const { images } = await demoProvider.generate(input({ seed: 100, num_images: 3 }), ctx());
    expect(images.map((i) => i.seed)).toEqual([100, 101, 102]);
    expect(new Set(images.map((i) => Buffer.from(i.bytes).toString("base64"))).size).toBe(3);
  });

  it("derives the seed from the prompt when none is given", async () => {
    const job = input({ seed: undefined, num_images: 2 });
    const first = await demoProvider.generate(job, ctx());
    const again = await demoProvider.generate(job, ctx());
    const s = hashSeed(job.prompt);
    expect(first.images.map((i) => i.seed)).toEqual([s, s + 1]);
    expect(again.images.map((i) => i.bytes)).toEqual(first.images.map((i) => i.bytes));
  });

  it("rejects more images than its capability", async () => {
    const err = await failureOf(demoProvider.generate(input({ num_images: 5 }), ctx()));
    expect(err.code).toBe("provider_unsupported_input");
  });

  it.each(providerErrorCodes)("throws %s on a [demo:fail=…] marker", async (code) => {
    const err = await failureOf(demoProvider.generate(input({ prompt: `cat [demo:fail=${code}]` }), ctx()));
    expect(err.code).toBe(code);
    expect(err.provider).toBe("demo");
    expect(err.retryable).toBe(new ProviderError({ code, message: "", provider: "x" }).retryable);
  });

  it("marks a requested rate limit retryable and a safety rejection permanent", async () => {
    const limited = await failureOf(
      demoProvider.generate(input({ prompt: "[demo:fail=provider_rate_limited]" }), ctx()),
    );
    const unsafe = await failureOf(
      demoProvider.generate(input({ prompt: "[demo:fail=provider_safety_rejected]" }), ctx()),
    );
    expect(limited.retryable).toBe(true);
    expect(unsafe.retryable).toBe(false);
  });

  it("fails an unknown marker code as a bad request", async () => {
    const err = await failureOf(demoProvider.generate(input({ prompt: "[demo:fail=nope]" }), ctx()));
    expect(err.code).toBe("provider_bad_request");
  });

  it("sleeps via ctx.sleep for [demo:delay=…], capped at 30 s", async () => {
    const c = ctx();
    await demoProvider.generate(input({ prompt: "slow [demo:delay=250]" }), c);
    await demoProvider.generate(input({ prompt: "slower [demo:delay=999999]" }), c);
    expect(vi.mocked(c.sleep).mock.calls).toEqual([[250], [30_000]]);
  });

  it("throws provider_timeout when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await failureOf(demoProvider.generate(input(), ctx({ signal: controller.signal })));
    expect(err).toMatchObject({ code: "provider_timeout", provider: "demo", retryable: true });
  });

  it("throws provider_timeout when aborted during a delay", async () => {
    const controller = new AbortController();
    const c = ctx({ signal: controller.signal, sleep: () => new Promise(() => {}) });
    const pending = demoProvider.generate(input({ prompt: "[demo:delay=5000]" }), c);
    controller.abort(new Error("timeout"));
    const err = await failureOf(pending);
    expect(err.code).toBe("provider_timeout");
  });

  it("declares itself free, keyless and offline", () => {
    expect(demoProvider).toMatchObject({
      name: "demo",
      requiresKey: false,
      defaultBaseUrl: "offline:",
      capabilities: {
        jobTypes: ["image.generate", "text.generate"],
        aspectRatios: [...aspectRatios],
        maxImages: 4,
      },
      defaultLimits: { ratePerSecond: 50, burst: 50, maxInFlight: 50 },
    });
    expect(demoProvider.estimateCostUsd(input({ num_images: 4 }))).toBe(0);
  });
});

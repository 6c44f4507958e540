// Shared bits of the adapter contract tests: a real call context over loopback, inputs, and a
// helper that insists a promise fails with a ProviderError.
import { expect } from "vitest";
import { ProviderError, type ProviderErrorCode } from "../../../shared/providers/errors";
import type { ImageInput, ProviderCallContext } from "../../../shared/providers/types";

export function realCtx(baseUrl: string, overrides: Partial<ProviderCallContext> = {}): ProviderCallContext {
  return {
    apiKey: "test-key",
    baseUrl,
    signal: new AbortController().signal,
    requestTimeoutMs: 5000,
    fetch: globalThis.fetch,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    ...overrides,
  };
}

export function input(overrides: Partial<ImageInput> = {}): ImageInput {
  return { prompt: "a red fox in the snow", aspect_ratio: "1x1", num_images: 1, ...overrides };
}

export async function failureOf(p: Promise<unknown>, code?: ProviderErrorCode): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  if (code) expect((err as ProviderError).code).toBe(code);
  return err as ProviderError;
}

/** Every way an error could carry text out: message, stack, JSON, String(), causes. */
export function everyRendering(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof Error) parts.push(cur.message, cur.stack ?? "", String(cur), JSON.stringify(cur));
    else parts.push(String(cur), JSON.stringify(cur));
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join("\n");
}

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

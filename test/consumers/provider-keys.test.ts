// Which key a provider call uses: the instance's primary, then its other keys (newest first) when
// one is rejected, and the Worker secret <PROVIDER>_API_KEY only when the instance has none.
// Provider HTTP is answered by a fake Ideogram behind a fetch spy; the adapter runs for real.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Gate } from "../../consumers/src/pacing";
import { processJob } from "../../consumers/src/process-job";
import {
  INSTANCE_KEYS_TTL_MS,
  instanceProviderKeys,
  runWithInstanceKeys,
} from "../../consumers/src/provider-keys";
import { runWithQuickRetries } from "../../consumers/src/run-provider";
import { consumerConfig } from "../../shared/config";
import { createDb } from "../../shared/db/client";
import { getJob } from "../../shared/db/queries/jobs";
import { jobMessage } from "../../shared/jobs/message";
import { ProviderError } from "../../shared/providers/errors";
import { generateMasterKey, importMasterKey } from "../../shared/providers/keys/crypto";
import { makePrimary, setKey } from "../../shared/providers/keys/service";
import { type SeededTenant, seedJob, seedTenant } from "../support/tenant";

const MASTER = generateMasterKey();
const WORKER_SECRET = `worker_secret_${crypto.randomUUID()}`;
/** A valid 1x1 PNG, served as Ideogram's image URL (a data: URL needs no second request). */
const PNG_1X1 =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const INPUT = { prompt: "a lighthouse", aspect_ratio: "1x1", num_images: 1 } as const;

const db = () => createDb(env.DB);
const consumerEnv = (extra: Record<string, unknown> = {}) =>
  ({ ...env, IDEOGRAM_API_KEY: WORKER_SECRET, PROVIDER_KEYS_MASTER_KEY: MASTER, ...extra }) as ConsumerEnv;

/** The Api-Key of every request the fake Ideogram received, in order. */
let seenKeys: string[] = [];
/** Keys the fake Ideogram accepts; any other gets a 401. */
let accepted = new Set<string>();
let logged: string[] = [];

beforeEach(() => {
  seenKeys = [];
  accepted = new Set();
  logged = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    const key = request.headers.get("api-key") ?? "";
    seenKeys.push(key);
    if (!accepted.has(key)) return Response.json({ message: "Invalid API key" }, { status: 401 });
    return Response.json({ data: [{ url: PNG_1X1, seed: 7, is_image_safe: true }] });
  });
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(" "));
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Adds keys in order (each becomes primary, as the admin API does) with increasing times. */
async function seedKeys(t: SeededTenant, apiKeys: string[], provider: "ideogram" | "openai" = "ideogram") {
  const master = await importMasterKey(MASTER);
  const ids: string[] = [];
  for (const [i, apiKey] of apiKeys.entries()) {
    const key = await setKey(db(), master, { instanceId: t.instanceId, provider, apiKey, now: 1_000 + i });
    ids.push(key.id);
  }
  return ids;
}

function grantedGate() {
  const release = vi.fn(async () => undefined);
  return { kind: "granted" as const, leaseId: crypto.randomUUID(), untilDue: async () => {}, release };
}

const keyDeps = (extra: Record<string, unknown> = {}, now = () => Date.now()) => ({
  env: consumerEnv(extra),
  db: db(),
  now,
});

/** One provider call the way process-job makes it: instance keys, quick retries, the real adapter. */
function callIdeogram(t: SeededTenant, extra: Record<string, unknown> = {}) {
  const deps = keyDeps(extra);
  const config = consumerConfig(deps.env);
  const firstGate = grantedGate();
  const gates: ReturnType<typeof grantedGate>[] = [firstGate];
  const gateFor = async (): Promise<Gate> => {
    const gate = grantedGate();
    gates.push(gate);
    return gate;
  };
  const providerEnv = deps.env as unknown as Record<string, unknown>;
  const target = { instanceId: t.instanceId, provider: "ideogram" as const };
  const run = runWithInstanceKeys(deps, target, firstGate, gateFor, (apiKey, gate) =>
    runWithQuickRetries({
      env: providerEnv,
      config,
      provider: "ideogram",
      input: INPUT,
      apiKey,
      firstGate: gate,
      gateFor,
    }),
  );
  return { run, gates };
}

const key = (label: string) => `ideo_${label}_${crypto.randomUUID().replaceAll("-", "")}`;

describe("instance provider keys in the consumer", () => {
  it("orders the instance's keys: primary first, then the others newest first", async () => {
    const t = await seedTenant(env.DB);
    const [a, b, c] = [key("a"), key("b"), key("c")];
    const [idA] = await seedKeys(t, [a, b, c]);
    expect(
      (await instanceProviderKeys(keyDeps(), { instanceId: t.instanceId, provider: "ideogram" })).map(
        (k) => k.apiKey,
      ),
    ).toEqual([c, b, a]);

    await makePrimary(db(), t.instanceId, idA!);
    // Past the per-isolate cache's TTL, the new order is read.
    const later = () => Date.now() + INSTANCE_KEYS_TTL_MS;
    expect(
      (
        await instanceProviderKeys(keyDeps({}, later), { instanceId: t.instanceId, provider: "ideogram" })
      ).map((k) => k.apiKey),
    ).toEqual([a, c, b]);
  });

  it("uses the instance's primary key rather than the Worker secret", async () => {
    const t = await seedTenant(env.DB);
    const [old, primary] = [key("old"), key("primary")];
    await seedKeys(t, [old, primary]);
    accepted = new Set([primary, old, WORKER_SECRET]);
    const { run } = callIdeogram(t);
    const result = await run;
    expect(result.kind === "images" && result.result.images).toHaveLength(1);
    expect(seenKeys).toEqual([primary]);
  });

  it("tries the instance's next key, on a fresh pacing slot, when the primary is rejected", async () => {
    const t = await seedTenant(env.DB);
    const [old, primary] = [key("old"), key("primary")];
    await seedKeys(t, [old, primary]);
    accepted = new Set([old, WORKER_SECRET]);
    const { run, gates } = callIdeogram(t);
    await run;
    expect(seenKeys).toEqual([primary, old]);
    expect(gates).toHaveLength(2);
    expect(gates[0]!.release).toHaveBeenCalledWith("permanent_failure", {
      error: expect.objectContaining({ code: "provider_auth_failed" }),
    });
    expect(gates[1]!.release).toHaveBeenCalledWith("success", { costUsd: expect.any(Number) });
  });

  it("does not fall back to the Worker secret when every instance key is rejected", async () => {
    const t = await seedTenant(env.DB);
    const [old, primary] = [key("old"), key("primary")];
    await seedKeys(t, [old, primary]);
    accepted = new Set([WORKER_SECRET]);
    const error = await callIdeogram(t).run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe("provider_auth_failed");
    expect(seenKeys).toEqual([primary, old]);
  });

  it("uses the Worker secret when the instance has no key for the provider", async () => {
    const t = await seedTenant(env.DB);
    await seedKeys(t, [key("openai")], "openai");
    accepted = new Set([WORKER_SECRET]);
    await callIdeogram(t).run;
    expect(seenKeys).toEqual([WORKER_SECRET]);
  });

  it("caches an instance's keys for 30 s per instance and provider", async () => {
    const t = await seedTenant(env.DB);
    const first = key("first");
    await seedKeys(t, [first]);
    let now = 1_000_000;
    const deps = keyDeps({}, () => now);
    const target = { instanceId: t.instanceId, provider: "ideogram" as const };
    expect((await instanceProviderKeys(deps, target)).map((k) => k.apiKey)).toEqual([first]);

    const second = key("second");
    await setKey(db(), await importMasterKey(MASTER), { ...target, apiKey: second, now: 5_000 });
    now += INSTANCE_KEYS_TTL_MS - 1;
    expect((await instanceProviderKeys(deps, target)).map((k) => k.apiKey)).toEqual([first]);
    now += 1;
    expect((await instanceProviderKeys(deps, target)).map((k) => k.apiKey)).toEqual([second, first]);
  });

  it("refuses, rather than billing the Worker secret, when the instance's keys cannot be decrypted", async () => {
    for (const extra of [
      { PROVIDER_KEYS_MASTER_KEY: undefined },
      { PROVIDER_KEYS_MASTER_KEY: generateMasterKey() },
    ]) {
      // A tenant each: nothing either case resolved may be served from the per-isolate cache.
      const t = await seedTenant(env.DB);
      const stored = key("stored");
      const [id] = await seedKeys(t, [stored]);
      accepted = new Set([stored, WORKER_SECRET]);
      const { run, gates } = callIdeogram(t, extra);
      const error = await run.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).code).toBe("provider_not_configured");
      expect(gates[0]!.release).toHaveBeenCalledWith("not_called");
      if (extra.PROVIDER_KEYS_MASTER_KEY) expect(logged.join("\n")).toContain(id);
    }
    expect(seenKeys).toEqual([]);
  });

  it("skips a key that does not decrypt and uses the next one", async () => {
    const t = await seedTenant(env.DB);
    const [good, broken] = [key("good"), key("broken")];
    const [, brokenId] = await seedKeys(t, [good, broken]);
    // A row copied from elsewhere: its AAD names another row, so it does not decrypt here.
    const [other] = await seedKeys(await seedTenant(env.DB), [key("elsewhere")]);
    await env.DB.prepare(
      "UPDATE provider_keys SET ciphertext = (SELECT ciphertext FROM provider_keys WHERE id = ?) WHERE id = ?",
    )
      .bind(other, brokenId)
      .run();
    accepted = new Set([good]);
    await callIdeogram(t).run;
    expect(seenKeys).toEqual([good]);
    expect(logged.join("\n")).toContain(brokenId);
  });

  it("needs no key lookup for a provider that takes no key", async () => {
    const t = await seedTenant(env.DB);
    expect(await instanceProviderKeys(keyDeps(), { instanceId: t.instanceId, provider: "demo" })).toEqual([]);
  });

  it("runs a whole job with the instance's key and never logs it", async () => {
    const t = await seedTenant(env.DB);
    const [old, primary] = [key("old"), key("primary")];
    await seedKeys(t, [old, primary]);
    accepted = new Set([old]);
    const job = await seedJob(env.DB, t, { overrides: { requestedProvider: "ideogram" } });
    const deps = {
      env: consumerEnv(),
      db: db(),
      config: consumerConfig(consumerEnv()),
      now: () => Date.now(),
      sleep: async () => undefined,
    };
    const message = jobMessage({
      job_id: job.id,
      instance_id: t.instanceId,
      project_id: job.projectId,
      request_id: job.requestId,
    });
    const decision = await processJob(deps, message);
    expect(decision).toMatchObject({ kind: "ack", reason: "succeeded" });
    expect((await getJob(db(), job.id))?.status).toBe("succeeded");
    expect(seenKeys).toEqual([primary, old]);
    const output = logged.join("\n");
    for (const secret of [old, primary, WORKER_SECRET, MASTER]) expect(output).not.toContain(secret);
  });
});

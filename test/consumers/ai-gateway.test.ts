// Jobs of an instance with an AI Gateway, through the real consumer: the gateway is a local
// stand-in (test/fakes/ai-gateway.ts, started by ai-gateway.global-setup.ts) in front of the
// provider fakes, reached through AI_GATEWAY_BASE_URL. It records each call's path and cf-aig-*
// headers and refuses a call without the instance's token, as an authenticated gateway does.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { instances } from "../../shared/db/schema";
import type { ProviderName } from "../../shared/jobs/enums";
import { type GatewayProvider, gatewayTokenAad, type StoredAiGateway } from "../../shared/providers/gateway";
import { encryptSecret, generateMasterKey, importMasterKey } from "../../shared/providers/keys/crypto";
import { FakeAiBinding } from "../fakes/workers-ai-binding";
import { seedJob, seedTenant } from "../support/tenant";
import { deliverBatch, jobRow, messageFor, spyEnv, testDb } from "./helpers";

const fakes = inject("aiGatewayFakes");
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const MASTER = generateMasterKey();

interface GatewayRecord {
  method: string;
  path: string;
  headers: Record<string, string>;
}

/** The consumer's env: provider keys the fakes accept, the gateway stand-in, the master key. */
function consumerEnv(extra: Record<string, unknown> = {}): ConsumerEnv {
  return {
    ...spyEnv().env,
    OPENAI_API_KEY: "test-key",
    REPLICATE_API_KEY: "test-key",
    IDEOGRAM_API_KEY: "test-key",
    AI_GATEWAY_BASE_URL: fakes.gateway,
    PROVIDER_KEYS_MASTER_KEY: MASTER,
    ...extra,
  } as unknown as ConsumerEnv;
}

async function jobThroughGateway(
  provider: ProviderName,
  gateway: { providers: GatewayProvider[]; token?: string },
) {
  const tenant = await seedTenant(env.DB);
  const token = gateway.token ?? fakes.token;
  const stored: StoredAiGateway = {
    accountId: ACCOUNT,
    gatewayId: "images-prod",
    providers: gateway.providers,
    cacheTtlSeconds: 3600,
    skipCache: false,
    tokenCiphertext: await encryptSecret(
      await importMasterKey(MASTER),
      token,
      gatewayTokenAad(tenant.instanceId),
    ),
  };
  await testDb.update(instances).set({ aiGateway: stored }).where(eq(instances.id, tenant.instanceId));
  const job = await seedJob(env.DB, tenant, {
    overrides: {
      requestedProvider: provider,
      input: { prompt: "a lighthouse", aspect_ratio: "1x1", num_images: 1 },
    },
  });
  return { tenant, job };
}

/** The gateway's records of one job's calls (told apart by the job id in cf-aig-metadata). */
async function gatewayCallsOf(jobId: string): Promise<GatewayRecord[]> {
  const all = (await (await fetch(`${fakes.gateway}/__gateway/requests`)).json()) as GatewayRecord[];
  return all.filter((r) => r.headers["cf-aig-metadata"]?.includes(jobId));
}

const imageDownloads = async (fake: string) =>
  ((await (await fetch(`${fake}/__fake/stats`)).json()) as { imageDownloads: number }).imageDownloads;

describe("an instance's AI Gateway, through the consumer", () => {
  it.each([
    ["openai", "/openai/images/generations", null],
    ["replicate", "/replicate/models/black-forest-labs/flux-schnell/predictions", fakes.replicate],
    ["ideogram", "/ideogram/v1/ideogram-v3/generate", fakes.ideogram],
  ] as const)(
    "sends %s's generation to the gateway path %s with the cf-aig headers; images come straight from the provider",
    async (provider, path, cdn) => {
      const { job } = await jobThroughGateway(provider, { providers: ["openai", "replicate", "ideogram"] });
      const downloadsBefore = cdn ? await imageDownloads(cdn) : 0;
      await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(job)], consumerEnv());

      const after = await jobRow(job.id);
      expect(after.status, after.errorMessage ?? "").toBe("succeeded");
      expect(after.provider).toBe(provider);
      const calls = await gatewayCallsOf(job.id);
      expect(calls[0]?.method).toBe("POST");
      expect(calls[0]?.path).toBe(`/v1/${ACCOUNT}/images-prod${path}`);
      for (const call of calls) {
        expect(call.path.startsWith(`/v1/${ACCOUNT}/images-prod/${provider}/`)).toBe(true);
        expect(call.headers["cf-aig-authorization"]).toBe(`Bearer ${fakes.token}`);
        expect(JSON.parse(call.headers["cf-aig-metadata"] ?? "null")).toEqual({
          instance_id: job.instanceId,
          project_id: job.projectId,
          job_id: job.id,
          request_id: job.requestId,
        });
      }
      expect(calls[0]?.headers["cf-aig-cache-ttl"]).toBe("3600");
      // The provider's image URLs are on its own host: downloaded directly, never via the gateway.
      if (cdn) expect(await imageDownloads(cdn)).toBeGreaterThan(downloadsBefore);
    },
  );

  it("calls a provider the instance did not list directly, without any cf-aig header", async () => {
    const { job } = await jobThroughGateway("openai", { providers: ["replicate"] });
    await deliverBatch(
      env.JOBS_QUEUE_NAME,
      [messageFor(job)],
      consumerEnv({ OPENAI_BASE_URL: fakes.openai }),
    );
    const after = await jobRow(job.id);
    expect(after.status, after.errorMessage ?? "").toBe("succeeded");
    expect(await gatewayCallsOf(job.id)).toEqual([]);
  });

  it("fails the job as the gateway's 401 when the instance's token is not the gateway's", async () => {
    const { job } = await jobThroughGateway("openai", { providers: ["openai"], token: "not-the-token" });
    await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(job)], consumerEnv());
    const after = await jobRow(job.id);
    expect(after.status).toBe("failed");
    expect(after.errorCode).toBe("provider_auth_failed");
    expect((await gatewayCallsOf(job.id)).length).toBeGreaterThan(0);
  });

  it("gives Workers AI the gateway through the binding's gateway option", async () => {
    const { job } = await jobThroughGateway("workers-ai", { providers: ["workers-ai"] });
    const ai = new FakeAiBinding();
    await deliverBatch(env.JOBS_QUEUE_NAME, [messageFor(job)], consumerEnv({ AI: ai }));
    const after = await jobRow(job.id);
    expect(after.status, after.errorMessage ?? "").toBe("succeeded");
    expect(ai.calls[0]?.options).toEqual({
      gateway: {
        id: "images-prod",
        cacheTtl: 3600,
        metadata: {
          instance_id: job.instanceId,
          project_id: job.projectId,
          job_id: job.id,
          request_id: job.requestId,
        },
      },
    });
  });
});

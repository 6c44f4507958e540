// Runs in Node before the consumer's Workers tests: the provider fakes and the AI Gateway stand-in
// in front of them (Node servers cannot start inside workerd), their URLs handed over with provide.
import type { TestProject } from "vitest/node";
import { startGatewayFake } from "../fakes/ai-gateway";
import { startProviderFake } from "../fakes/registry";

const GATEWAY_FAKE_TOKEN = "aig-fake-token-7Qx";

export default async function setup(project: TestProject) {
  const [openai, replicate, ideogram] = await Promise.all(
    (["openai", "replicate", "ideogram"] as const).map((name) => startProviderFake(name)),
  );
  const fakes = { openai: openai!.url, replicate: replicate!.url, ideogram: ideogram!.url };
  const gateway = await startGatewayFake(fakes, { token: GATEWAY_FAKE_TOKEN });
  project.provide("aiGatewayFakes", { gateway: gateway.url, token: GATEWAY_FAKE_TOKEN, ...fakes });
  return async () => {
    await Promise.all([gateway.close(), openai!.close(), replicate!.close(), ideogram!.close()]);
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    aiGatewayFakes: { gateway: string; token: string; openai: string; replicate: string; ideogram: string };
  }
}

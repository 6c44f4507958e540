// Every provider by name, and how each one's configuration is read from the environment.
// Adding a provider = one folder implementing ProviderAdapter + one line in `providers`.
import { type ProviderName, providerNames } from "../jobs/enums";
import { demoProvider } from "./demo/index";
import { ideogramProvider } from "./ideogram/index";
import { openaiProvider } from "./openai/index";
import { replicateProvider } from "./replicate/index";
import type { ProviderAdapter } from "./types";

export const providers: Readonly<Record<ProviderName, ProviderAdapter>> = {
  demo: demoProvider,
  ideogram: ideogramProvider,
  openai: openaiProvider,
  replicate: replicateProvider,
};

export function isProviderName(name: string): name is ProviderName {
  return (providerNames as readonly string[]).includes(name);
}

export function getProvider(name: ProviderName): ProviderAdapter {
  return providers[name];
}

/** "ideogram" → "IDEOGRAM": the prefix of its IDEOGRAM_API_KEY / _BASE_URL / _MODEL vars. */
export function providerEnvPrefix(name: ProviderName): string {
  return name.toUpperCase();
}

export interface ResolvedProviderConfig {
  apiKey?: string;
  baseUrl: string;
  model?: string;
}

/** A non-empty trimmed string, or undefined: unset, empty and non-string vars all count as absent. */
function text(env: Record<string, unknown>, key: string): string | undefined {
  const v = env[key];
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

export function resolveProviderConfig(
  env: Record<string, unknown>,
  name: ProviderName,
): ResolvedProviderConfig {
  const prefix = providerEnvPrefix(name);
  const apiKey = text(env, `${prefix}_API_KEY`);
  const model = text(env, `${prefix}_MODEL`);
  const baseUrl = (text(env, `${prefix}_BASE_URL`) ?? providers[name].defaultBaseUrl).replace(/\/+$/, "");
  return { baseUrl, ...(apiKey ? { apiKey } : {}), ...(model ? { model } : {}) };
}

/** Whether the Worker's own environment lets this provider run (a key, or none needed). */
export function providerConfigured(env: Record<string, unknown>, name: ProviderName): boolean {
  return !providers[name].requiresKey || resolveProviderConfig(env, name).apiKey !== undefined;
}

/** DEFAULT_PROVIDER when it names a provider that can run here; otherwise the demo provider. */
export function defaultProviderName(env: Record<string, unknown>): ProviderName {
  const wanted = text(env, "DEFAULT_PROVIDER")?.toLowerCase();
  return wanted && isProviderName(wanted) && providerConfigured(env, wanted) ? wanted : "demo";
}

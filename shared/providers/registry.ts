// Every provider by name, and how each one's configuration is read from the environment.
// Adding a provider = one folder implementing ProviderAdapter + its entry in `providers` (and its
// name in names.ts, which this entry is checked against). Everything else derives from here: the
// name enum, each adapter's prices, the env vars `npm start` passes through, the fakes started by
// `npm run fake-provider` (test/fakes/registry.ts).
import { demoProvider } from "./demo/index";
import { ideogramProvider } from "./ideogram/index";
import type { JobType } from "../jobs/enums";
import { type ProviderName, providerNames } from "./names";
import { openaiProvider } from "./openai/index";
import { openaiCompatibleProvider } from "./openai-compatible/index";
import { replicateProvider } from "./replicate/index";
import { stabilityProvider } from "./stability/index";
import type { ProviderAdapter, WorkersAiBinding } from "./types";
import { workersAiProvider } from "./workers-ai/index";

export const providers = {
  demo: demoProvider,
  ideogram: ideogramProvider,
  openai: openaiProvider,
  "openai-compatible": openaiCompatibleProvider,
  replicate: replicateProvider,
  stability: stabilityProvider,
  "workers-ai": workersAiProvider,
} as const satisfies Readonly<Record<ProviderName, ProviderAdapter>>;

export function isProviderName(name: string): name is ProviderName {
  return (providerNames as readonly string[]).includes(name);
}

export function getProvider(name: ProviderName): ProviderAdapter {
  return providers[name];
}

/** Whether `provider` runs jobs of `type` (its capabilities say; text needs its `text` part). */
export function runsJobType(provider: ProviderName, type: JobType): boolean {
  return getProvider(provider).capabilities.jobTypes.includes(type);
}

/** Whether the provider calls an HTTP API (so its base URL can point at a fake or a gateway). */
export function callsApi(name: ProviderName): boolean {
  return /^https?:/.test(providers[name].defaultBaseUrl);
}

/** The env vars a provider reads: "ideogram" → IDEOGRAM_API_KEY (the single-tenant secret), "workers-ai" → WORKERS_AI_MODEL… */
export function providerEnvVars(name: ProviderName): { apiKey: string; baseUrl: string; model: string } {
  const prefix = name.toUpperCase().replaceAll("-", "_");
  return { apiKey: `${prefix}_API_KEY`, baseUrl: `${prefix}_BASE_URL`, model: `${prefix}_MODEL` };
}

/** Every env var the providers read, DEFAULT_PROVIDER and DEFAULT_TEXT_PROVIDER included: what a dev server passes through. */
export function allProviderEnvVars(): string[] {
  return [
    "DEFAULT_PROVIDER",
    "DEFAULT_TEXT_PROVIDER",
    ...providerNames.flatMap((name) => Object.values(providerEnvVars(name))),
  ];
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
  const vars = providerEnvVars(name);
  const apiKey = text(env, vars.apiKey);
  const model = text(env, vars.model);
  const baseUrl = (text(env, vars.baseUrl) ?? providers[name].defaultBaseUrl).replace(/\/+$/, "");
  return { baseUrl, ...(apiKey ? { apiKey } : {}), ...(model ? { model } : {}) };
}

/** Whether the Worker's own environment lets this provider run (a key, or none needed). */
export function providerConfigured(env: Record<string, unknown>, name: ProviderName): boolean {
  const { binding, requiresKey } = providers[name];
  if (binding) return hasRun(env[binding]);
  return !requiresKey || resolveProviderConfig(env, name).apiKey !== undefined;
}

/** Whether a binding looks like Workers AI's (it has `run`): absent in local dev, where AI is remote-only. */
export function hasRun(binding: unknown): binding is WorkersAiBinding {
  return typeof (binding as { run?: unknown } | undefined)?.run === "function";
}

/** DEFAULT_PROVIDER when it names a provider that can run here; otherwise the demo provider. */
export function defaultProviderName(env: Record<string, unknown>): ProviderName {
  const wanted = text(env, "DEFAULT_PROVIDER")?.toLowerCase();
  return wanted && isProviderName(wanted) && providerConfigured(env, wanted) ? wanted : "demo";
}

/**
 * The provider a job of `type` runs on when it names none. Text jobs: DEFAULT_TEXT_PROVIDER when
 * it runs text here, else DEFAULT_PROVIDER's choice when that one does, else the offline demo.
 */
export function defaultProviderFor(env: Record<string, unknown>, type: JobType): ProviderName {
  const imageDefault = defaultProviderName(env);
  if (type !== "text.generate") return imageDefault;
  const wanted = text(env, "DEFAULT_TEXT_PROVIDER")?.toLowerCase();
  if (wanted && isProviderName(wanted) && providers[wanted].text && providerConfigured(env, wanted))
    return wanted;
  return providers[imageDefault].text ? imageDefault : "demo";
}

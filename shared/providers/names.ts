// The provider names as a literal tuple, for z.enum and the drizzle columns (via jobs/enums.ts).
// It cannot be derived from the registry's keys: the registry imports the adapters, which import
// jobs/enums.ts, which the zod and drizzle schemas import, so enums → registry would be a cycle
// (and would pull every adapter into the schema). Instead registry.ts checks its entries against
// this tuple with `satisfies Record<ProviderName, …>`: a name without an adapter, or an adapter
// without a name here, fails to compile. Nothing else lists providers.
export const providerNames = [
  "demo",
  "ideogram",
  "openai",
  "openai-compatible",
  "replicate",
  "stability",
  "workers-ai",
] as const;
export type ProviderName = (typeof providerNames)[number];

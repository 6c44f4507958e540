// The fakes of the provider registry: every provider that calls an API (registry.ts `callsApi`)
// has test/fakes/<name>.ts exporting `fakeSpec()`, found here by its name, so adding a provider
// adds its fake to `npm run fake-provider` with no list to update. The registry test checks that
// every such provider has one.
import { type ProviderName, providerNames } from "../../shared/providers/names";
import { callsApi } from "../../shared/providers/registry";
import { type FakeOptions, type ProviderSpec, type RunningFake, startFake } from "./server";

/** The providers with a fake, in registry order. */
export const fakedProviders: readonly ProviderName[] = providerNames.filter(callsApi);

export async function fakeSpecOf(name: ProviderName): Promise<ProviderSpec> {
  // vite-ignore: vitest would warn that the pattern could match this file too; the names are known.
  const module: { fakeSpec?: () => ProviderSpec } = await import(/* @vite-ignore */ `./${name}.ts`);
  if (typeof module.fakeSpec !== "function") throw new Error(`test/fakes/${name}.ts exports no fakeSpec()`);
  return module.fakeSpec();
}

export async function startProviderFake(name: ProviderName, opts?: FakeOptions): Promise<RunningFake> {
  return startFake(await fakeSpecOf(name), opts);
}

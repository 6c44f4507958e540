// Starts local fake provider APIs for development and e2e runs:
//   npm run fake-provider -- ideogram --port 9101 [--key K] [--latency 50] [--rate 5]
//   npm run fake-provider -- all [--port 9101]   (every provider that calls an API, on 9101, 9102…)
// Other flags: --burst N, --inflight N (Ideogram images in flight), --ttl MS (image URLs),
// --seed N, --host H. Knobs can be changed later with POST <url>/__fake/config.
// The providers come from the registry (test/fakes/registry.ts): each one's default port is
// 9101 + its place among them, the same port `all` starts it on.
import { parseArgs } from "node:util";
import { providerEnvVars } from "../shared/providers/registry";
import type { FakeKnobs } from "../test/fakes/knobs";
import { fakedProviders, startProviderFake } from "../test/fakes/registry";
import type { RunningFake } from "../test/fakes/server";

const FIRST_PORT = 9101;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: "string" },
    host: { type: "string" },
    key: { type: "string" },
    latency: { type: "string" },
    rate: { type: "string" },
    burst: { type: "string" },
    inflight: { type: "string" },
    ttl: { type: "string" },
    seed: { type: "string" },
  },
});

const which = positionals[0] ?? "";
if (which !== "all" && !(fakedProviders as readonly string[]).includes(which)) {
  const choices = [...fakedProviders, "all"].join("|");
  console.error(`usage: fake-provider <${choices}> [--port N] [--key K] [--latency MS] [--rate N]`);
  process.exit(2);
}

const num = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${flag} must be a non-negative number, got "${v}"`);
    process.exit(2);
  }
  return n;
};

const knobs: Partial<FakeKnobs> = {};
const latency = num(values.latency, "latency");
const rate = num(values.rate, "rate");
const inflight = num(values.inflight, "inflight");
const ttl = num(values.ttl, "ttl");
const seed = num(values.seed, "seed");
if (latency !== undefined) knobs.latencyMs = latency;
if (rate) knobs.rateLimit = { ratePerSecond: rate, burst: num(values.burst, "burst") };
if (inflight !== undefined) knobs.inflightLimit = inflight;
if (ttl !== undefined) knobs.imageTtlMs = ttl;
if (seed !== undefined) knobs.seed = seed;

const names = which === "all" ? fakedProviders : fakedProviders.filter((name) => name === which);
const basePort = num(values.port, "port");
const running: RunningFake[] = [];
for (const [i, name] of names.entries()) {
  const port = basePort !== undefined ? basePort + i : FIRST_PORT + fakedProviders.indexOf(name);
  const fake = await startProviderFake(name, { port, host: values.host, apiKey: values.key, knobs });
  running.push(fake);
  console.log(`${name} fake listening on ${fake.url}  (${providerEnvVars(name).baseUrl}=${fake.url})`);
}
console.log(
  `API key: ${values.key ?? "test-key"}; stats at <url>/__fake/stats, knobs at POST <url>/__fake/config`,
);

const stop = async () => {
  await Promise.all(running.map((f) => f.close()));
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

// Reaches the running system's persisted local D1 from a test (wrangler's platform proxy), to
// seed what has no API yet: a second instance, pacing limits.
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";
import { displayPrefix, generateApiKey, sha256Hex } from "../../../shared/auth/keys";
import { newId } from "../../../shared/ids";
import type { System } from "./system";

export interface LocalD1 {
  run(sql: string, ...values: unknown[]): Promise<void>;
  dispose(): Promise<void>;
}

export async function openLocalD1(system: System): Promise<LocalD1> {
  const proxy = await getPlatformProxy<{ DB: D1Database }>({
    configPath: join(system.cwd, "wrangler.producer.toml"),
    persist: { path: join(system.persistDir, "v3") },
  });
  return {
    run: async (sql, ...values) => {
      await proxy.env.DB.prepare(sql)
        .bind(...values)
        .run();
    },
    dispose: () => proxy.dispose(),
  };
}

/** A fresh organization / instance / project with one user key. */
export async function seedInstance(
  d1: LocalD1,
): Promise<{ instanceId: string; projectId: string; apiKey: string }> {
  const now = Date.now();
  const [orgId, instanceId, projectId] = [newId("org"), newId("ins"), newId("prj")];
  await d1.run("INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)", orgId, "e2e", now);
  await d1.run(
    "INSERT INTO instances (id, organization_id, name, created_at) VALUES (?, ?, ?, ?)",
    instanceId,
    orgId,
    "e2e",
    now,
  );
  await d1.run(
    "INSERT INTO projects (id, instance_id, name, created_at) VALUES (?, ?, ?, ?)",
    projectId,
    instanceId,
    "e2e",
    now,
  );
  const apiKey = generateApiKey();
  await d1.run(
    "INSERT INTO api_keys (id, organization_id, instance_id, project_id, role, name, key_hash, prefix, created_at) VALUES (?, ?, ?, ?, 'user', 'e2e', ?, ?, ?)",
    newId("key"),
    orgId,
    instanceId,
    projectId,
    await sha256Hex(apiKey),
    displayPrefix(apiKey),
    now,
  );
  return { instanceId, projectId, apiKey };
}

export async function setProviderLimits(
  d1: LocalD1,
  instanceId: string,
  provider: string,
  limits: { ratePerSecond: number; burst: number; maxInFlight: number },
): Promise<void> {
  await d1.run(
    `INSERT INTO provider_limits (instance_id, provider, rate_per_second, burst, max_in_flight, updated_at)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(instance_id, provider) DO UPDATE SET rate_per_second = excluded.rate_per_second,
       burst = excluded.burst, max_in_flight = excluded.max_in_flight, updated_at = excluded.updated_at`,
    instanceId,
    provider,
    limits.ratePerSecond,
    limits.burst,
    limits.maxInFlight,
    Date.now(),
  );
}

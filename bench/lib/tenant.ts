// Bench tenants, written straight into the run's persisted D1 before wrangler dev starts:
// instances with projects, one user key per project, provider_limits rows and (optionally) the
// instance's own provider key, encrypted the way the API stores it.
import { displayPrefix, generateApiKey, sha256Hex } from "../../shared/auth/keys";
import { createDb } from "../../shared/db/client";
import type { ProviderName } from "../../shared/jobs/enums";
import { importMasterKey } from "../../shared/providers/keys/crypto";
import { setKey } from "../../shared/providers/keys/service";

export interface LimitRow {
  provider: ProviderName;
  ratePerSecond: number;
  burst: number;
  maxInFlight: number;
}

export interface TenantSpec {
  /** Short name; ids are derived from it (`ins_bench<name>…`). */
  name: string;
  projects: number;
  limits?: LimitRow[];
  /** The instance's own key per provider (needs masterKey). */
  providerKeys?: Partial<Record<ProviderName, string>>;
  /** Project webhook URL (every job of the project reports there). */
  webhookUrl?: string;
}

export interface SeededProject {
  projectId: string;
  apiKey: string;
}

export interface SeededTenant {
  name: string;
  instanceId: string;
  projects: SeededProject[];
}

const pad = (prefix: string, name: string, n = "") => {
  const body = `bench${name}${n}`.toLowerCase().replace(/[^0-9a-z]/g, "");
  return `${prefix}_${body.padEnd(20, "0").slice(0, 20)}`;
};

export async function seedTenants(
  d1: D1Database,
  specs: TenantSpec[],
  masterKeySecret?: string,
): Promise<Record<string, SeededTenant>> {
  const now = Date.now();
  const out: Record<string, SeededTenant> = {};
  const orgId = pad("org", "org");
  await d1
    .prepare("INSERT OR IGNORE INTO organizations (id, name, created_at) VALUES (?, ?, ?)")
    .bind(orgId, "bench", now)
    .run();
  const masterKey = masterKeySecret ? await importMasterKey(masterKeySecret) : null;
  for (const spec of specs) {
    const instanceId = pad("ins", spec.name);
    await d1
      .prepare("INSERT OR IGNORE INTO instances (id, organization_id, name, created_at) VALUES (?, ?, ?, ?)")
      .bind(instanceId, orgId, `bench ${spec.name}`, now)
      .run();
    const projects: SeededProject[] = [];
    for (let p = 0; p < spec.projects; p++) {
      const projectId = pad("prj", spec.name, `p${p}`);
      await d1
        .prepare(
          "INSERT OR IGNORE INTO projects (id, instance_id, name, webhook_url, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(projectId, instanceId, `bench ${spec.name} ${p}`, spec.webhookUrl ?? null, now)
        .run();
      const apiKey = generateApiKey();
      await d1
        .prepare(
          `INSERT INTO api_keys (id, instance_id, project_id, role, name, key_hash, prefix, created_at)
           VALUES (?, ?, ?, 'user', ?, ?, ?, ?)`,
        )
        .bind(
          pad("key", spec.name, `p${p}`),
          instanceId,
          projectId,
          "bench",
          await sha256Hex(apiKey),
          displayPrefix(apiKey),
          now,
        )
        .run();
      projects.push({ projectId, apiKey });
    }
    for (const l of spec.limits ?? []) {
      await d1
        .prepare(
          `INSERT OR REPLACE INTO provider_limits (instance_id, provider, rate_per_second, burst, max_in_flight, updated_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .bind(instanceId, l.provider, l.ratePerSecond, l.burst, l.maxInFlight, now)
        .run();
    }
    for (const [provider, apiKey] of Object.entries(spec.providerKeys ?? {})) {
      if (!masterKey) throw new Error("provider keys need a master key");
      await setKey(createDb(d1), masterKey, { instanceId, provider: provider as ProviderName, apiKey, now });
    }
    out[spec.name] = { name: spec.name, instanceId, projects };
  }
  return out;
}

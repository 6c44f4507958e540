// Bench tenants, written straight into the run's persisted D1 before wrangler dev starts:
// instances with projects, one user key per project, provider_limits rows and (optionally) the
// instance's own provider key, encrypted the way the API stores it.
import { createDb } from "../../shared/db/client";
import { upsertProviderLimit } from "../../shared/db/queries/provider-limits";
import type { ProviderName } from "../../shared/jobs/enums";
import { importMasterKey } from "../../shared/providers/keys/crypto";
import { setKey } from "../../shared/providers/keys/service";
import { seedKey } from "../../test/support/tenant";

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
  const db = createDb(d1);
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
        .prepare("INSERT OR IGNORE INTO projects (id, instance_id, name, created_at) VALUES (?, ?, ?, ?)")
        .bind(projectId, instanceId, `bench ${spec.name} ${p}`, now)
        .run();
      const { key } = await seedKey(d1, { instanceId, projectId });
      projects.push({ projectId, apiKey: key });
    }
    for (const { provider, ...values } of spec.limits ?? [])
      await upsertProviderLimit(db, instanceId, provider, values, now);
    for (const [provider, apiKey] of Object.entries(spec.providerKeys ?? {})) {
      if (!masterKey) throw new Error("provider keys need a master key");
      await setKey(db, masterKey, { instanceId, provider: provider as ProviderName, apiKey, now });
    }
    out[spec.name] = { name: spec.name, instanceId, projects };
  }
  return out;
}

// A per-instance wrangler config, rendered from a base config (wrangler.producer.toml,
// wrangler.consumer.toml) so the base files stay the one place a binding is declared. Pure: the
// raw base config in, the instance's config out. Every resource name is renamed for the instance,
// paths are made relative to the folder the rendered file is written to, and a key this module
// does not know makes it fail (a new binding kind must be renamed here, never shared by accident).
import { relative } from "node:path";
import { type Instance, type InstanceResources, instanceResourceName } from "./instances";

/** Stands in for a database id not provisioned yet: `wrangler deploy --dry-run` needs one, a real deploy rejects it. */
export const PLACEHOLDER_DATABASE_ID = "00000000-0000-4000-8000-000000000000";

type Raw = Record<string, unknown>;
type Named = Record<string, unknown>;

/** Keys copied as they are: no resource names, no paths (Workers AI is the account's, not an instance's). */
const AS_IS = new Set([
  "compatibility_date",
  "compatibility_flags",
  "minify",
  "upload_source_maps",
  "observability",
  "migrations",
  "triggers",
  "limits",
  "placement",
  "workers_dev",
  "preview_urls",
  "version_metadata",
  "ai",
  // One dataset for every instance: each data point names its instance (index1).
  "analytics_engine_datasets",
]);
const HANDLED = new Set([
  ...AS_IS,
  "name",
  "main",
  "vars",
  "d1_databases",
  "r2_buckets",
  "queues",
  "durable_objects",
  "services",
  "ratelimits",
  "assets",
  "build",
]);

export interface RenderOptions {
  /** Folder of the base config (its relative paths start there). */
  baseDir: string;
  /** Folder the rendered config is written to. */
  outDir: string;
}

export function renderInstanceConfig(base: Raw, instance: Instance, opts: RenderOptions): Raw {
  const unknown = Object.keys(base).filter((k) => !HANDLED.has(k));
  if (unknown.length > 0) {
    throw new Error(
      `base config key(s) ${unknown.join(", ")} unknown to scripts/lib/provision/config.ts: say there how they are named per instance`,
    );
  }
  const rename = (name: unknown) => instanceResourceName(instance.name, String(name));
  const path = (p: unknown) => relative(opts.outDir, `${opts.baseDir}/${String(p)}`) || ".";
  const list = (value: unknown) => (Array.isArray(value) ? (value as Named[]) : []);
  const queueNames = new Set<string>();
  const queues = base.queues as { producers?: Named[]; consumers?: Named[] } | undefined;
  for (const q of [...list(queues?.producers), ...list(queues?.consumers)]) queueNames.add(String(q.queue));

  const out: Raw = { name: rename(base.name) };
  for (const key of Object.keys(base)) {
    const value = base[key];
    if (AS_IS.has(key)) out[key] = value;
    else if (key === "main") out.main = path(value);
    else if (key === "vars") {
      // The consumer dispatches on its queue names (JOBS_QUEUE_NAME, …): they follow the bindings.
      const vars = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          k,
          typeof v === "string" && queueNames.has(v) ? rename(v) : v,
        ]),
      );
      out.vars = { ...vars, ...instance.vars };
    } else if (key === "d1_databases") {
      out.d1_databases = list(value).map((db) => ({
        ...db,
        database_name: rename(db.database_name),
        database_id: instance.d1DatabaseId ?? PLACEHOLDER_DATABASE_ID,
        ...(db.migrations_dir ? { migrations_dir: path(db.migrations_dir) } : {}),
      }));
    } else if (key === "r2_buckets") {
      out.r2_buckets = list(value).map((b) => ({ ...b, bucket_name: rename(b.bucket_name) }));
    } else if (key === "queues") {
      out.queues = {
        ...(queues?.producers
          ? { producers: queues.producers.map((q) => ({ ...q, queue: rename(q.queue) })) }
          : {}),
        ...(queues?.consumers
          ? {
              consumers: queues.consumers.map((q) => ({
                ...q,
                queue: rename(q.queue),
                ...(q.dead_letter_queue ? { dead_letter_queue: rename(q.dead_letter_queue) } : {}),
              })),
            }
          : {}),
      };
    } else if (key === "durable_objects") {
      const bindings = list((value as { bindings?: unknown }).bindings);
      out.durable_objects = {
        bindings: bindings.map((b) => (b.script_name ? { ...b, script_name: rename(b.script_name) } : b)),
      };
    } else if (key === "services") {
      out.services = list(value).map((s) => ({ ...s, service: rename(s.service) }));
    } else if (key === "ratelimits") {
      // Counters are per API key, and keys are per instance: instances may share a namespace. An
      // instance sets its own limit in deploy/instances.json (restated in the vars: restateRateLimit).
      out.ratelimits = list(value).map((r) => {
        const own = instance.ratelimits?.[String(r.name)];
        if (!own) return r;
        const { namespace_id, ...simple } = own;
        return {
          ...r,
          ...(namespace_id ? { namespace_id } : {}),
          simple: { ...(r.simple as Named), ...simple },
        };
      });
    } else if (key === "assets") {
      const assets = value as Named;
      out.assets = { ...assets, ...(assets.directory ? { directory: path(assets.directory) } : {}) };
    } else if (key === "build") {
      // wrangler runs the build command in its own working directory, not the config's (so
      // wrangler runs from the repository root, as for the base configs); watch_dir is the config's.
      const build = value as Named;
      out.build = { ...build, ...(build.watch_dir ? { watch_dir: path(build.watch_dir) } : {}) };
    }
  }
  restateRateLimit(out);
  return out;
}

/**
 * The producer states its per-key limit in vars (a Worker cannot read its binding's settings):
 * an instance's own limit for API_KEY_RATE_LIMITER is restated there, so the two cannot differ.
 */
function restateRateLimit(out: Raw): void {
  const limiter = (out.ratelimits as Named[] | undefined)?.find((r) => r.name === "API_KEY_RATE_LIMITER");
  const vars = out.vars as Record<string, unknown> | undefined;
  if (!limiter || !vars || !("API_RATE_LIMIT" in vars)) return;
  const simple = limiter.simple as { limit?: number; period?: number } | undefined;
  out.vars = {
    ...vars,
    API_RATE_LIMIT: String(simple?.limit ?? vars.API_RATE_LIMIT),
    API_RATE_LIMIT_PERIOD_SECONDS: String(simple?.period ?? vars.API_RATE_LIMIT_PERIOD_SECONDS),
  };
}

/** The file text of a rendered config: JSONC with a header saying where it comes from. */
export function configFileText(config: Raw, source: string): string {
  return `// Generated by \`npm run deploy:configs\` from ${source} and deploy/instances.json: do not edit.\n${JSON.stringify(config, null, 2)}\n`;
}

/** What an instance needs on the account, read from its two rendered configs. */
export function resourcesOf(instance: string, producer: Raw, consumer: Raw): InstanceResources {
  const names = (cfg: Raw, key: string, field: string) =>
    ((cfg[key] as Named[] | undefined) ?? []).map((x) => String(x[field]));
  const queueNames = (cfg: Raw) => {
    const q = (cfg.queues ?? {}) as { producers?: Named[]; consumers?: Named[] };
    return [...(q.producers ?? []), ...(q.consumers ?? [])].flatMap((x) =>
      [x.queue, x.dead_letter_queue].filter((n): n is string => typeof n === "string"),
    );
  };
  const databases = new Set([
    ...names(producer, "d1_databases", "database_name"),
    ...names(consumer, "d1_databases", "database_name"),
  ]);
  const buckets = new Set([
    ...names(producer, "r2_buckets", "bucket_name"),
    ...names(consumer, "r2_buckets", "bucket_name"),
  ]);
  if (databases.size !== 1 || buckets.size !== 1) {
    throw new Error(
      `expected one D1 database and one R2 bucket shared by both Workers, got ${[...databases]} / ${[...buckets]}`,
    );
  }
  return {
    instance,
    database: [...databases][0]!,
    bucket: [...buckets][0]!,
    queues: [...new Set([...queueNames(producer), ...queueNames(consumer)])].sort(),
    workers: { producer: String(producer.name), consumer: String(consumer.name) },
    sharedSecrets: ["PROVIDER_KEYS_MASTER_KEY"],
  };
}

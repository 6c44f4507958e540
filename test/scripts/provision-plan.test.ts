// The pure parts of provisioning: per-instance names and configs, the plan from observed state,
// wrangler output parsing, and where a shared secret's value comes from.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { experimental_readRawConfig } from "wrangler";
import { describe, expect, it } from "vitest";
import {
  PLACEHOLDER_DATABASE_ID,
  renderInstanceConfig,
  resourcesOf,
} from "../../scripts/lib/provision/config";
import { SecretValues } from "../../scripts/lib/provision/execute";
import {
  type InstanceResources,
  InstancesFileSchema,
  instanceResourceName,
} from "../../scripts/lib/provision/instances";
import { type Observed, plan } from "../../scripts/lib/provision/plan";
import { parseBucketList, parseQueueList } from "../../scripts/lib/provision/wrangler";

const root = resolve(import.meta.dirname, "../..");
const base = (worker: string) =>
  experimental_readRawConfig({ config: join(root, `wrangler.${worker}.toml`) }).rawConfig;
const opts = { baseDir: root, outDir: join(root, "deploy/generated/staging") };
const staging = { name: "staging", d1DatabaseId: "3f0c1f2e-8d2a-4c55-9a61-0d6b3c7e9a10" };

describe("per-instance configs", () => {
  it("renames every resource of both base configs for the instance and keeps the two Workers pointing at each other", () => {
    const producer = renderInstanceConfig(base("producer"), staging, opts);
    const consumer = renderInstanceConfig(base("consumer"), staging, opts);
    expect(producer.name).toBe("genqueue-staging-producer");
    expect(consumer.name).toBe("genqueue-staging-consumer");
    const text = JSON.stringify([producer, consumer]);
    // No resource of the base configs (the unnamed "genqueue-…" ones) survives.
    expect(text.match(/"genqueue(-(?!staging)[a-z-]+)?"/g)).toBeNull();
    expect(
      (producer.durable_objects as { bindings: { script_name: string }[] }).bindings[0]!.script_name,
    ).toBe("genqueue-staging-consumer");
    const r = resourcesOf("staging", producer, consumer);
    expect(r).toMatchObject({ database: "genqueue-staging", bucket: "genqueue-staging-images" });
    expect(r.queues).toEqual([
      "genqueue-staging-jobs",
      "genqueue-staging-jobs-dlq",
      "genqueue-staging-webhooks",
      "genqueue-staging-webhooks-dlq",
    ]);
  });

  it("points the consumer's queue-name vars at the instance's queues and applies the instance's vars", () => {
    const consumer = renderInstanceConfig(
      base("consumer"),
      { ...staging, vars: { JOB_MAX_ATTEMPTS: "2" } },
      opts,
    );
    const vars = consumer.vars as Record<string, string>;
    expect(vars.JOBS_QUEUE_NAME).toBe("genqueue-staging-jobs");
    expect(vars.WEBHOOKS_DLQ_NAME).toBe("genqueue-staging-webhooks-dlq");
    expect(vars.JOB_MAX_ATTEMPTS).toBe("2");
    const queues = consumer.queues as { consumers: { queue: string; dead_letter_queue?: string }[] };
    expect(queues.consumers[0]).toMatchObject({
      queue: "genqueue-staging-jobs",
      dead_letter_queue: "genqueue-staging-jobs-dlq",
    });
  });

  it("keeps the base rate limit unless the instance sets its own", () => {
    const limiter = {
      name: "API_KEY_RATE_LIMITER",
      namespace_id: "1001",
      simple: { limit: 10000, period: 60 },
    };
    const withLimiter = { ...base("producer"), ratelimits: [limiter] };
    const first = (cfg: Record<string, unknown>) => (cfg.ratelimits as Record<string, unknown>[])[0];
    expect(first(renderInstanceConfig(withLimiter, staging, opts))).toEqual(limiter);
    const own = { ...staging, ratelimits: { API_KEY_RATE_LIMITER: { limit: 600, namespace_id: "2001" } } };
    expect(first(renderInstanceConfig(withLimiter, own, opts))).toEqual({
      name: "API_KEY_RATE_LIMITER",
      namespace_id: "2001",
      simple: { limit: 600, period: 60 },
    });
  });

  it("makes paths relative to the rendered file and uses a placeholder id before provisioning", () => {
    const producer = renderInstanceConfig(base("producer"), { name: "staging", d1DatabaseId: null }, opts);
    expect(producer.main).toBe("../../../producer/src/index.ts");
    expect((producer.assets as { directory: string }).directory).toBe("../../../producer/public");
    expect((producer.d1_databases as { database_id: string; migrations_dir: string }[])[0]).toMatchObject({
      database_id: PLACEHOLDER_DATABASE_ID,
      migrations_dir: "../../../migrations",
    });
  });

  it("refuses a base config key it does not know how to name per instance", () => {
    const withKv = { ...base("consumer"), kv_namespaces: [{ binding: "CACHE", id: "x" }] };
    expect(() => renderInstanceConfig(withKv, staging, opts)).toThrow(/kv_namespaces/);
  });

  it("derives names only from genqueue names", () => {
    expect(instanceResourceName("dev", "genqueue")).toBe("genqueue-dev");
    expect(instanceResourceName("dev", "genqueue-jobs-dlq")).toBe("genqueue-dev-jobs-dlq");
    expect(() => instanceResourceName("dev", "other-jobs")).toThrow();
  });

  it("accepts the committed instance list and rejects duplicate or malformed names", async () => {
    const committed = JSON.parse(await readFile(join(root, "deploy/instances.json"), "utf8"));
    expect(InstancesFileSchema.parse(committed).instances.map((i) => i.name)).toEqual([
      "production",
      "development",
    ]);
    const dup = { instances: [staging, staging] };
    expect(InstancesFileSchema.safeParse(dup).success).toBe(false);
    expect(
      InstancesFileSchema.safeParse({ instances: [{ name: "Prod_1", d1DatabaseId: null }] }).success,
    ).toBe(false);
  });
});

const want: InstanceResources = {
  instance: "staging",
  database: "genqueue-staging",
  bucket: "genqueue-staging-images",
  queues: ["genqueue-staging-jobs", "genqueue-staging-jobs-dlq"],
  workers: { producer: "genqueue-staging-producer", consumer: "genqueue-staging-consumer" },
  sharedSecrets: ["PROVIDER_KEYS_MASTER_KEY"],
};
const migrations = ["0000_init.sql", "0001_more.sql"];
const uuid = staging.d1DatabaseId;
const complete: Observed = {
  databases: [{ name: "genqueue-staging", uuid }],
  buckets: ["genqueue-staging-images"],
  queues: ["genqueue-staging-jobs", "genqueue-staging-jobs-dlq"],
  secrets: {
    "genqueue-staging-producer": ["PROVIDER_KEYS_MASTER_KEY"],
    "genqueue-staging-consumer": ["PROVIDER_KEYS_MASTER_KEY"],
  },
  appliedMigrations: migrations,
};
const current = { recordedDatabaseId: uuid, configsCurrent: true, migrationFiles: migrations };

describe("plan", () => {
  it("plans every step for an empty account, in dependency order", () => {
    const empty: Observed = { databases: [], buckets: [], queues: [], secrets: {}, appliedMigrations: [] };
    const steps = plan(want, empty, { ...current, recordedDatabaseId: null, configsCurrent: false });
    expect(steps.map((s) => s.kind)).toEqual([
      "create-database",
      "create-bucket",
      "create-queue",
      "create-queue",
      "write-configs",
      "put-secret",
      "put-secret",
      "apply-migrations",
    ]);
    expect(steps.filter((s) => s.kind === "put-secret").map((s) => s.value)).toEqual([
      "generate",
      "generate",
    ]);
  });

  it("plans nothing for a complete instance", () => {
    expect(plan(want, complete, current)).toEqual([]);
  });

  it("plans only what is left, and asks for the existing value when one Worker lacks a secret", () => {
    const partial: Observed = {
      ...complete,
      queues: ["genqueue-staging-jobs"],
      secrets: { "genqueue-staging-consumer": ["PROVIDER_KEYS_MASTER_KEY"] },
      appliedMigrations: ["0000_init.sql"],
    };
    expect(plan(want, partial, current)).toEqual([
      { kind: "create-queue", name: "genqueue-staging-jobs-dlq" },
      {
        kind: "put-secret",
        worker: "genqueue-staging-producer",
        secret: "PROVIDER_KEYS_MASTER_KEY",
        value: "existing",
      },
      { kind: "apply-migrations", names: ["0001_more.sql"] },
    ]);
  });

  it("rewrites the configs when the recorded id is not the account's or the files are stale", () => {
    expect(plan(want, complete, { ...current, recordedDatabaseId: null })).toEqual([
      { kind: "write-configs", databaseId: uuid },
    ]);
    expect(plan(want, complete, { ...current, configsCurrent: false })).toEqual([
      { kind: "write-configs", databaseId: uuid },
    ]);
  });
});

describe("wrangler output", () => {
  it("reads bucket names from r2 bucket list", () => {
    const out =
      "Listing buckets...\nname:           a-images\ncreation_date:  2026\n\nname:           b\ncreation_date:  2026\n";
    expect(parseBucketList(out)).toEqual(["a-images", "b"]);
  });

  it("reads queue names from the queues list table", () => {
    const out = [
      "┌────┬──────┬─────┐",
      "│ id │ name │ created_on │",
      "├────┼──────┼─────┤",
      "│ q1 │ genqueue-x-jobs │ 2026 │",
      "│ q2 │ genqueue-x-jobs-dlq │ 2026 │",
      "└────┴──────┴─────┘",
    ].join("\n");
    expect(parseQueueList(out)).toEqual(["genqueue-x-jobs", "genqueue-x-jobs-dlq"]);
  });
});

describe("shared secret values", () => {
  const step = (value: "generate" | "existing") =>
    ({ kind: "put-secret", worker: "w", secret: "PROVIDER_KEYS_MASTER_KEY", value }) as const;

  it("keeps a generated value pending until both Workers have it, then forgets it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "secrets-"));
    try {
      const pending = join(dir, "pending.json");
      const values = new SecretValues(pending, {});
      const first = await values.valueFor(step("generate"));
      expect(Buffer.from(first, "base64")).toHaveLength(32);
      // A later run (new process) finds the same value for the Worker still missing it.
      expect(await new SecretValues(pending, {}).valueFor(step("existing"))).toBe(first);
      await values.settled();
      await expect(stat(pending)).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("takes the value from the environment first, and fails when an existing value is nowhere to be found", async () => {
    const dir = await mkdtemp(join(tmpdir(), "secrets-"));
    try {
      const fromEnv = new SecretValues(join(dir, "p.json"), { PROVIDER_KEYS_MASTER_KEY: "given" });
      expect(await fromEnv.valueFor(step("existing"))).toBe("given");
      await expect(new SecretValues(join(dir, "p.json"), {}).valueFor(step("existing"))).rejects.toThrow(
        /cannot be read back/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

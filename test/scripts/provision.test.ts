// `npm run provision` end to end against a fake Cloudflare API (test/fakes/cloudflare-api.ts):
// the real script, the real wrangler pointed at the fake by CLOUDFLARE_API_BASE_URL, the real
// migrations. Each test starts from its own empty account and its own copy of the instance list.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeCloudflare, startFakeCloudflare } from "../fakes/cloudflare-api";

const root = resolve(import.meta.dirname, "../..");
const TIMEOUT = 300_000;

interface Sandbox {
  fake: FakeCloudflare;
  dir: string;
  run: (...args: string[]) => Promise<{ code: number; out: string }>;
}
const sandboxes: Sandbox[] = [];
afterEach(async () => {
  for (const s of sandboxes.splice(0)) {
    await s.fake.close();
    await rm(s.dir, { recursive: true, force: true });
  }
});

async function sandbox(): Promise<Sandbox> {
  const fake = await startFakeCloudflare();
  const dir = await mkdtemp(join(tmpdir(), "provision-"));
  const instances = {
    instances: [
      { name: "production", d1DatabaseId: null },
      { name: "development", d1DatabaseId: null },
    ],
  };
  await writeFile(join(dir, "instances.json"), JSON.stringify(instances));
  const run = (...args: string[]) =>
    new Promise<{ code: number; out: string }>((done) => {
      const cli = [resolve(root, "node_modules/tsx/dist/cli.mjs"), resolve(root, "scripts/provision.ts")];
      const paths = ["--instances-file", join(dir, "instances.json"), "--out-dir", join(dir, "generated")];
      const child = spawn(process.execPath, [...cli, ...args, ...paths], {
        cwd: root,
        env: {
          ...process.env,
          CLOUDFLARE_API_BASE_URL: fake.baseUrl,
          CLOUDFLARE_API_TOKEN: "fake-token",
          CLOUDFLARE_ACCOUNT_ID: fake.accountId,
          PROVIDER_KEYS_MASTER_KEY: "",
          CI: "true",
        },
      });
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
      });
      child.stderr.on("data", (d) => {
        out += d;
      });
      child.on("close", (code) => done({ code: code ?? 1, out }));
    });
  const s = { fake, dir, run };
  sandboxes.push(s);
  return s;
}

/** The calls that change the account (a SELECT through the D1 query endpoint only reads). */
const changes = (fake: FakeCloudflare, from = 0) =>
  fake.calls
    .slice(from)
    .filter((c) => c.method !== "GET" && !/"sql":"SELECT/i.test(c.body))
    .map((c) => `${c.method} ${c.path.replace(`/accounts/${fake.accountId}`, "")}`);

const QUEUES = ["jobs", "jobs-dlq", "webhooks", "webhooks-dlq"].map((q) => `genqueue-production-${q}`);
const workers = ["genqueue-production-consumer", "genqueue-production-producer"];
const masterKeys = (fake: FakeCloudflare) =>
  workers.map((w) => fake.state.scripts.get(w)?.get("PROVIDER_KEYS_MASTER_KEY"));
const migrationNames = async () =>
  (await import("node:fs/promises"))
    .readdir(join(root, "migrations"))
    .then((f) => f.filter((n) => n.endsWith(".sql")).sort());
const appliedMigrations = (fake: FakeCloudflare) => {
  const db = [...fake.state.databases.values()].find((d) => d.name === "genqueue-production")!.db;
  return (db.prepare("SELECT name FROM d1_migrations ORDER BY id").all() as { name: string }[]).map(
    (r) => r.name,
  );
};

describe("npm run provision against a fake Cloudflare API", () => {
  it(
    "creates everything a new instance needs, then a second run changes nothing and says so",
    async () => {
      const { fake, dir, run } = await sandbox();
      const first = await run("--instance", "production");
      expect(first.code, first.out).toBe(0);

      const dbs = [...fake.state.databases.values()];
      expect(dbs.map((d) => d.name)).toEqual(["genqueue-production"]);
      expect([...fake.state.buckets]).toEqual(["genqueue-production-images"]);
      expect([...fake.state.queues].sort()).toEqual([...QUEUES].sort());
      const [consumerKey, producerKey] = masterKeys(fake);
      expect(Buffer.from(consumerKey ?? "", "base64")).toHaveLength(32);
      expect(producerKey).toBe(consumerKey);
      expect(appliedMigrations(fake)).toEqual(await migrationNames());
      // Only this instance's resources: development is untouched.
      expect(changes(fake).some((c) => c.includes("development"))).toBe(false);

      const recorded = JSON.parse(await readFile(join(dir, "instances.json"), "utf8"));
      expect(recorded.instances[0]).toEqual({ name: "production", d1DatabaseId: dbs[0]!.uuid });
      expect(recorded.instances[1].d1DatabaseId).toBeNull();
      const consumerConfig = await readFile(
        join(dir, "generated/production/wrangler.consumer.jsonc"),
        "utf8",
      );
      expect(consumerConfig).toContain(`"database_id": "${dbs[0]!.uuid}"`);
      expect(consumerConfig).toContain('"JOBS_QUEUE_NAME": "genqueue-production-jobs"');
      await expect(stat(join(dir, "generated/production/pending-secrets.json"))).rejects.toThrow();

      const callsBefore = fake.calls.length;
      const second = await run("--instance", "production");
      expect(second.code, second.out).toBe(0);
      expect(second.out).toContain("production: everything is in place");
      expect(second.out).toContain("nothing changed");
      expect(changes(fake, callsBefore)).toEqual([]);
      expect(masterKeys(fake)).toEqual([consumerKey, consumerKey]);
    },
    TIMEOUT,
  );

  it(
    "completes on the next run what a run that failed half-way left, with the same secret on both Workers",
    async () => {
      const { fake, dir, run } = await sandbox();
      // The producer's secret fails: the consumer already has a generated key nobody can read back.
      fake.failNext(/^PUT .*\/workers\/scripts\/genqueue-production-producer\/secrets$/);
      const failed = await run("--instance", "production");
      expect(failed.code, failed.out).toBe(1);
      expect(failed.out).toContain("run the same command again to finish");
      const [consumerKey, producerKey] = masterKeys(fake);
      expect(consumerKey).toBeDefined();
      expect(producerKey).toBeUndefined();
      expect(fake.state.databases.size).toBe(1);
      await stat(join(dir, "generated/production/pending-secrets.json"));

      const callsBefore = fake.calls.length;
      const resumed = await run("--instance", "production");
      expect(resumed.code, resumed.out).toBe(0);
      expect(masterKeys(fake)).toEqual([consumerKey, consumerKey]);
      expect(appliedMigrations(fake)).toEqual(await migrationNames());
      // Nothing created twice: the resumed run only put the missing secret and applied migrations.
      const resumedChanges = changes(fake, callsBefore);
      expect(
        resumedChanges.filter((c) => c.startsWith("POST /d1/database") && !c.endsWith("/query")),
      ).toEqual([]);
      expect(resumedChanges.filter((c) => /\/(queues|r2\/buckets)$/.test(c))).toEqual([]);
      expect(resumedChanges).toContain("PUT /workers/scripts/genqueue-production-producer/secrets");
      expect(resumedChanges.some((c) => c.includes("genqueue-production-consumer"))).toBe(false);
      await expect(stat(join(dir, "generated/production/pending-secrets.json"))).rejects.toThrow();
      expect(fake.state.databases.size).toBe(1);
      expect(fake.state.queues.size).toBe(4);
    },
    TIMEOUT,
  );

  it(
    "prints the plan with --dry-run and changes nothing",
    async () => {
      const { fake, dir, run } = await sandbox();
      const dry = await run("--instance", "production", "--dry-run");
      expect(dry.code, dry.out).toBe(0);
      expect(dry.out).toContain("create D1 database genqueue-production");
      expect(dry.out).toContain("create R2 bucket genqueue-production-images");
      for (const q of QUEUES) expect(dry.out).toContain(`create queue ${q}\n`);
      expect(dry.out).toContain("put secret PROVIDER_KEYS_MASTER_KEY on genqueue-production-producer");
      expect(dry.out).toMatch(/apply \d+ migration\(s\): 0000_init\.sql/);
      expect(changes(fake)).toEqual([]);
      await expect(stat(join(dir, "generated"))).rejects.toThrow();
      expect(
        JSON.parse(await readFile(join(dir, "instances.json"), "utf8")).instances[0].d1DatabaseId,
      ).toBeNull();
    },
    TIMEOUT,
  );

  it("refuses an instance the list does not name", async () => {
    const { run } = await sandbox();
    const result = await run("--instance", "staging");
    expect(result.code).toBe(1);
    expect(result.out).toContain('unknown instance "staging"');
  }, 60_000);
});

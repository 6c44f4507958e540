// `npm run provision -- --instance <name> [--dry-run]`: creates what an instance needs on the
// Cloudflare account (D1, R2, queues, the shared secret), records its database id, writes its
// wrangler configs and applies migrations. It observes the account first, so a second run changes
// nothing and says so, and a run that failed half-way is completed by the next one.
// `--configs` writes every instance's configs without calling Cloudflare; `--deploy-dry-run`
// then bundles each with `wrangler deploy --dry-run` (part of `npm run check`).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { execute, SecretValues } from "./lib/provision/execute";
import {
  configsOnDiskMatch,
  defaultLayout,
  instanceConfigPath,
  type Layout,
  migrationFiles,
  renderInstance,
  WORKERS,
  writeConfigs,
} from "./lib/provision/files";
import { findInstance, readInstances } from "./lib/provision/instances";
import { describeStep, plan } from "./lib/provision/plan";
import { must, observe, wranglerCli } from "./lib/provision/wrangler";

const USAGE = `usage: npm run provision -- --instance <name> [--dry-run]
       npm run provision -- --configs          write deploy/generated/<instance>/ for every instance
       npm run provision -- --deploy-dry-run   and bundle each with wrangler deploy --dry-run
options: --instances-file <path> (default deploy/instances.json), --out-dir <path> (default deploy/generated)`;

async function provision(layout: Layout, name: string, dryRun: boolean): Promise<number> {
  const file = await readInstances(layout.instancesFile);
  const instance = findInstance(file, name);
  const rendered = renderInstance(layout, instance);
  const wrangler = wranglerCli(layout.root);
  console.log(`${name}: reading the account…`);
  const observed = await observe(wrangler, rendered.resources);
  const steps = plan(rendered.resources, observed, {
    recordedDatabaseId: instance.d1DatabaseId,
    configsCurrent: await configsOnDiskMatch(layout, name, rendered),
    migrationFiles: await migrationFiles(layout),
  });
  const { database, bucket, queues } = rendered.resources;
  if (steps.length === 0) {
    console.log(
      `${name}: everything is in place (D1 ${database}, R2 ${bucket}, ${queues.length} queues, secrets, migrations); nothing changed.`,
    );
    return 0;
  }
  console.log(`${name}: ${steps.length} step(s)${dryRun ? " would run (dry run: nothing changes)" : ""}:`);
  for (const step of steps) console.log(`  - ${describeStep(step)}`);
  if (dryRun) return 0;
  try {
    await execute(steps, {
      wrangler,
      layout,
      file,
      instance,
      secrets: SecretValues.forInstance(layout, name, process.env),
      log: (line) => console.log(line),
    });
  } catch (error) {
    console.error(`${name}: stopped: ${(error as Error).message}`);
    console.error(`${name}: what was done stays done; run the same command again to finish.`);
    return 1;
  }
  console.log(
    `${name}: done. Deploy the consumer first (the producer binds its Durable Object and entrypoint):`,
  );
  for (const worker of ["consumer", "producer"] as const) {
    console.log(
      `  npx wrangler deploy -c ${instanceConfigPath(layout, name, worker).replace(`${layout.root}/`, "")}`,
    );
  }
  return 0;
}

async function writeAllConfigs(layout: Layout): Promise<string[]> {
  const file = await readInstances(layout.instancesFile);
  for (const instance of file.instances)
    await writeConfigs(layout, instance.name, renderInstance(layout, instance));
  console.log(`wrote ${file.instances.map((i) => `${layout.outDir}/${i.name}/`).join(", ")}`);
  return file.instances.map((i) => i.name);
}

async function deployDryRun(layout: Layout): Promise<number> {
  const wrangler = wranglerCli(layout.root);
  for (const name of await writeAllConfigs(layout)) {
    for (const worker of WORKERS) {
      const config = instanceConfigPath(layout, name, worker);
      const outdir = resolve(layout.root, "dist/deploy", name, worker);
      await must(wrangler, ["deploy", "--dry-run", "-c", config, "--outdir", outdir]);
      console.log(`${name}: ${worker} bundles (wrangler deploy --dry-run)`);
    }
  }
  return 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      instance: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      configs: { type: "boolean", default: false },
      "deploy-dry-run": { type: "boolean", default: false },
      "instances-file": { type: "string" },
      "out-dir": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  const layout = defaultLayout(resolve(import.meta.dirname, ".."));
  if (values["instances-file"]) layout.instancesFile = resolve(values["instances-file"]);
  if (values["out-dir"]) layout.outDir = resolve(values["out-dir"]);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.configs) {
    await writeAllConfigs(layout);
    return 0;
  }
  if (values["deploy-dry-run"]) return deployDryRun(layout);
  if (!values.instance) {
    console.error(USAGE);
    return 2;
  }
  return provision(layout, values.instance, values["dry-run"]);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);

// Where provisioning reads and writes: deploy/instances.json (the instance list and each one's
// database id), the base wrangler configs, and the rendered per-instance configs under
// deploy/generated/<instance>/ (not committed: `npm run deploy:configs` writes them).
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { experimental_readRawConfig } from "wrangler";
import { configFileText, renderInstanceConfig, resourcesOf } from "./config";
import type { Instance, InstanceResources } from "./instances";

export interface Layout {
  root: string;
  instancesFile: string;
  outDir: string;
  migrationsDir: string;
}

export const WORKERS = ["producer", "consumer"] as const;
export type WorkerKind = (typeof WORKERS)[number];

export function defaultLayout(root: string): Layout {
  return {
    root,
    instancesFile: join(root, "deploy/instances.json"),
    outDir: join(root, "deploy/generated"),
    migrationsDir: join(root, "migrations"),
  };
}

export const baseConfigPath = (layout: Layout, worker: WorkerKind) =>
  join(layout.root, `wrangler.${worker}.toml`);
export const instanceConfigPath = (layout: Layout, instance: string, worker: WorkerKind) =>
  join(layout.outDir, instance, `wrangler.${worker}.jsonc`);

export interface Rendered {
  texts: Record<WorkerKind, string>;
  resources: InstanceResources;
}

export function renderInstance(layout: Layout, instance: Instance): Rendered {
  const configs = Object.fromEntries(
    WORKERS.map((worker) => {
      const base = experimental_readRawConfig({ config: baseConfigPath(layout, worker) }).rawConfig;
      const outDir = dirname(instanceConfigPath(layout, instance.name, worker));
      return [worker, renderInstanceConfig(base, instance, { baseDir: layout.root, outDir })];
    }),
  ) as Record<WorkerKind, Record<string, unknown>>;
  const texts = Object.fromEntries(
    WORKERS.map((w) => [w, configFileText(configs[w], `wrangler.${w}.toml`)]),
  ) as Record<WorkerKind, string>;
  return { texts, resources: resourcesOf(instance.name, configs.producer, configs.consumer) };
}

export async function configsOnDiskMatch(
  layout: Layout,
  instance: string,
  rendered: Rendered,
): Promise<boolean> {
  for (const worker of WORKERS) {
    const onDisk = await readFile(instanceConfigPath(layout, instance, worker), "utf8").catch(() => null);
    if (onDisk !== rendered.texts[worker]) return false;
  }
  return true;
}

export async function writeConfigs(layout: Layout, instance: string, rendered: Rendered): Promise<void> {
  await mkdir(join(layout.outDir, instance), { recursive: true });
  for (const worker of WORKERS)
    await writeFile(instanceConfigPath(layout, instance, worker), rendered.texts[worker]);
}

export async function migrationFiles(layout: Layout): Promise<string[]> {
  return (await readdir(layout.migrationsDir)).filter((f) => f.endsWith(".sql")).sort();
}

// The instances deployed from this repository (deploy/instances.json) and the Cloudflare names of
// each one's resources. Every instance is its own Workers, D1 database, R2 bucket and queues: the
// base configs' names ("genqueue", "genqueue-jobs", …) gain the instance's name after "genqueue".
import { readFile, writeFile } from "node:fs/promises";
import * as z from "zod";

/** Lower-case, starts with a letter, short enough that "genqueue-<name>-webhooks-dlq" stays a valid queue name. */
export const InstanceNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,23}$/, {
  message: "an instance name is 1-24 characters of a-z, 0-9 and '-', starting with a letter",
});

export const InstanceSchema = z.strictObject({
  name: InstanceNameSchema,
  /** Written by `npm run provision` once the database exists; null before (dry runs use a placeholder). */
  d1DatabaseId: z.string().uuid().nullable(),
  /** Vars that differ from the base configs for this instance (both Workers). */
  vars: z.record(z.string(), z.string()).optional(),
  /** Rate limiting bindings that differ from the base configs, by binding name. */
  ratelimits: z
    .record(
      z.string(),
      z.strictObject({
        namespace_id: z.string().regex(/^\d+$/).optional(),
        limit: z.number().int().positive().optional(),
        period: z.union([z.literal(10), z.literal(60)]).optional(),
      }),
    )
    .optional(),
});
export type Instance = z.infer<typeof InstanceSchema>;

export const InstancesFileSchema = z
  .strictObject({ instances: z.array(InstanceSchema).min(1) })
  .refine((f) => new Set(f.instances.map((i) => i.name)).size === f.instances.length, {
    message: "instance names must be unique",
  });
export type InstancesFile = z.infer<typeof InstancesFileSchema>;

export async function readInstances(path: string): Promise<InstancesFile> {
  const parsed = InstancesFileSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) throw new Error(`${path}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export async function writeInstances(path: string, file: InstancesFile): Promise<void> {
  await writeFile(path, `${JSON.stringify(file, null, 2)}\n`);
}

export function findInstance(file: InstancesFile, name: string): Instance {
  const found = file.instances.find((i) => i.name === name);
  if (!found) {
    const known = file.instances.map((i) => i.name).join(", ");
    throw new Error(`unknown instance "${name}" (deploy/instances.json lists: ${known})`);
  }
  return found;
}

const PREFIX = "genqueue";

/** The instance's name for a base config's resource name: genqueue → genqueue-production, genqueue-jobs → genqueue-production-jobs. */
export function instanceResourceName(instance: string, baseName: string): string {
  if (baseName === PREFIX) return `${PREFIX}-${instance}`;
  if (baseName.startsWith(`${PREFIX}-`)) return `${PREFIX}-${instance}-${baseName.slice(PREFIX.length + 1)}`;
  throw new Error(
    `"${baseName}" does not start with "${PREFIX}": no per-instance name can be derived from it`,
  );
}

/** What one instance needs on the account, named. */
export interface InstanceResources {
  instance: string;
  database: string;
  bucket: string;
  queues: string[];
  workers: { producer: string; consumer: string };
  /** Secrets both Workers need, with the same value. */
  sharedSecrets: string[];
}

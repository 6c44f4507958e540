// Runs a plan's steps in order through wrangler. Each step is safe to repeat, and nothing is
// remembered between runs but the account itself, the recorded database id and, for a secret
// generated but not yet put on both Workers, a pending file: so a run that failed half-way is
// completed by the next one, which observes again and plans only what is left.
import { randomBytes } from "node:crypto";
import { readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Layout, instanceConfigPath, renderInstance, writeConfigs } from "./files";
import { type Instance, type InstancesFile, writeInstances } from "./instances";
import { describeStep, type Step } from "./plan";
import { must, type Wrangler } from "./wrangler";

/** The value of each shared secret: from the environment, a pending file, or new (saved as pending before use). */
export class SecretValues {
  constructor(
    private readonly pendingFile: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static forInstance(layout: Layout, instance: string, env: NodeJS.ProcessEnv) {
    return new SecretValues(join(layout.outDir, instance, "pending-secrets.json"), env);
  }

  private async pending(): Promise<Record<string, string>> {
    return JSON.parse(await readFile(this.pendingFile, "utf8").catch(() => "{}")) as Record<string, string>;
  }

  async valueFor(step: Extract<Step, { kind: "put-secret" }>): Promise<string> {
    const fromEnv = this.env[step.secret];
    if (fromEnv) return fromEnv;
    const pending = await this.pending();
    const saved = pending[step.secret];
    if (saved) return saved;
    if (step.value === "existing") {
      throw new Error(
        `${step.secret} is set on the other Worker but not on ${step.worker}, and a secret cannot be read back: ` +
          `run again with ${step.secret}=<its value> in the environment (see docs/deployment.md#secrets)`,
      );
    }
    // Saved before the first put: if the run stops between the two Workers, the next run puts the same value.
    const value = randomBytes(32).toString("base64");
    await mkdir(dirname(this.pendingFile), { recursive: true });
    await writeFile(this.pendingFile, JSON.stringify({ ...pending, [step.secret]: value }), { mode: 0o600 });
    return value;
  }

  /** Every secret is on both Workers: the pending values are no longer needed. */
  async settled(): Promise<void> {
    await rm(this.pendingFile, { force: true });
  }
}

export interface ExecuteContext {
  wrangler: Wrangler;
  layout: Layout;
  file: InstancesFile;
  instance: Instance;
  secrets: SecretValues;
  log: (line: string) => void;
}

export async function execute(steps: Step[], ctx: ExecuteContext): Promise<void> {
  for (const step of steps) {
    ctx.log(`  … ${describeStep(step)}`);
    await runStep(step, ctx);
    ctx.log(`  ✓ ${describeStep(step)}`);
  }
  await ctx.secrets.settled();
}

async function runStep(step: Step, ctx: ExecuteContext): Promise<void> {
  const { wrangler, layout, instance } = ctx;
  switch (step.kind) {
    case "create-database":
      await must(wrangler, ["d1", "create", step.name]);
      return;
    case "create-bucket":
      await must(wrangler, ["r2", "bucket", "create", step.name]);
      return;
    case "create-queue":
      await must(wrangler, ["queues", "create", step.name]);
      return;
    case "write-configs": {
      const rendered = renderInstance(layout, instance);
      const databaseId = step.databaseId ?? (await databaseIdByName(wrangler, rendered.resources.database));
      instance.d1DatabaseId = databaseId;
      await writeInstances(layout.instancesFile, ctx.file);
      await writeConfigs(layout, instance.name, renderInstance(layout, instance));
      return;
    }
    case "put-secret": {
      const value = await ctx.secrets.valueFor(step);
      await must(wrangler, ["secret", "put", step.secret, "--name", step.worker], `${value}\n`);
      return;
    }
    case "apply-migrations": {
      const rendered = renderInstance(layout, instance);
      const config = instanceConfigPath(layout, instance.name, "consumer");
      await must(wrangler, [
        "d1",
        "migrations",
        "apply",
        rendered.resources.database,
        "--remote",
        "-c",
        config,
      ]);
      return;
    }
  }
}

async function databaseIdByName(wrangler: Wrangler, name: string): Promise<string> {
  const list = JSON.parse((await must(wrangler, ["d1", "list", "--json"])).stdout) as {
    name: string;
    uuid: string;
  }[];
  const found = list.find((d) => d.name === name);
  if (!found) throw new Error(`D1 database ${name} is not on the account after creating it`);
  return found.uuid;
}

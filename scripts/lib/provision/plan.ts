// The provisioning plan: a pure function from what an instance needs and what the account has
// (observed through wrangler on every run, never remembered) to the steps that close the gap.
// An empty plan is the idempotent second run; a run that failed half-way leaves an account whose
// next observation plans only what is still missing.
import type { InstanceResources } from "./instances";

export interface Observed {
  databases: { name: string; uuid: string }[];
  buckets: string[];
  queues: string[];
  /** Secret names per Worker; a Worker not uploaded yet has none. */
  secrets: Record<string, string[]>;
  /** Migrations recorded in the database's d1_migrations table (empty when the database is new). */
  appliedMigrations: string[];
}

export interface Current {
  /** The database id deploy/instances.json records for the instance. */
  recordedDatabaseId: string | null;
  /** Whether both rendered configs on disk equal what the recorded id renders to. */
  configsCurrent: boolean;
  /** Migration files in migrations/, in order. */
  migrationFiles: string[];
}

export type Step =
  | { kind: "create-database"; name: string }
  | { kind: "create-bucket"; name: string }
  | { kind: "create-queue"; name: string }
  | { kind: "write-configs"; databaseId: string | null }
  | {
      kind: "put-secret";
      worker: string;
      secret: string;
      /** Where the value comes from: a new random one, or the value another Worker already has (unreadable, so it must be given). */
      value: "generate" | "existing";
    }
  | { kind: "apply-migrations"; names: string[] };

export function plan(want: InstanceResources, observed: Observed, current: Current): Step[] {
  const steps: Step[] = [];
  const db = observed.databases.find((d) => d.name === want.database);
  if (!db) steps.push({ kind: "create-database", name: want.database });
  if (!observed.buckets.includes(want.bucket)) steps.push({ kind: "create-bucket", name: want.bucket });
  for (const q of want.queues)
    if (!observed.queues.includes(q)) steps.push({ kind: "create-queue", name: q });

  // The configs carry the database id: rewritten when the database is new, moved, or the files differ.
  const databaseId = db?.uuid ?? null;
  if (!db || databaseId !== current.recordedDatabaseId || !current.configsCurrent) {
    steps.push({ kind: "write-configs", databaseId });
  }

  const workers = [want.workers.consumer, want.workers.producer];
  for (const secret of want.sharedSecrets) {
    const holders = workers.filter((w) => observed.secrets[w]?.includes(secret));
    for (const worker of workers) {
      if (holders.includes(worker)) continue;
      steps.push({ kind: "put-secret", worker, secret, value: holders.length > 0 ? "existing" : "generate" });
    }
  }

  const applied = new Set(db ? observed.appliedMigrations : []);
  const pending = current.migrationFiles.filter((m) => !applied.has(m));
  if (pending.length > 0) steps.push({ kind: "apply-migrations", names: pending });
  return steps;
}

export function describeStep(step: Step): string {
  switch (step.kind) {
    case "create-database":
      return `create D1 database ${step.name}`;
    case "create-bucket":
      return `create R2 bucket ${step.name}`;
    case "create-queue":
      return `create queue ${step.name}`;
    case "write-configs":
      return `record the database id (${step.databaseId ?? "of the new database"}) and write the instance's wrangler configs`;
    case "put-secret":
      return `put secret ${step.secret} on ${step.worker} (${step.value === "generate" ? "a new random value" : "the value the other Worker has, from the environment or this machine's pending file"})`;
    case "apply-migrations":
      return `apply ${step.names.length} migration(s): ${step.names.join(", ")}`;
  }
}

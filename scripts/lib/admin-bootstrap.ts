// `npm run admin -- bootstrap`: the first super admin, written straight to D1 through
// `wrangler d1 execute` (no HTTP endpoint exists for it). It checks first (a SELECT through
// `--json`), refuses when a super_admin exists, runs the statements of shared/tenancy/bootstrap.ts,
// reads its key row back and prints the key once.
import {
  BootstrapInputError,
  bootstrapCheckSql,
  bootstrapPlan,
  bootstrapVerifySql,
} from "../../shared/tenancy/bootstrap";

export interface WranglerResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `wrangler <args>` (the real one spawns node_modules/.bin/wrangler in the repository). */
export type Wrangler = (args: string[]) => Promise<WranglerResult>;

export interface BootstrapOptions {
  email: string;
  name: string;
  organization?: string;
  target: "local" | "remote";
  /** Local state dir (npm start's: PERSIST_DIR, else .wrangler/state), already absolute. */
  persistTo: string;
  /** The wrangler config naming the D1 (an instance's: deploy/generated/<instance>/wrangler.producer.jsonc). */
  config?: string;
}

export interface BootstrapDeps {
  wrangler: Wrangler;
  now: () => number;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The arguments of `wrangler d1 execute` against the chosen D1, for one SQL command. */
export function executeArgs(
  options: Pick<BootstrapOptions, "target" | "persistTo" | "config">,
  sql: string,
): string[] {
  const where =
    options.target === "remote" ? ["--remote", "--yes"] : ["--local", "--persist-to", options.persistTo];
  const config = options.config ?? "wrangler.producer.toml";
  return ["d1", "execute", "DB", ...where, "-c", config, "--json", "--command", sql];
}

class BootstrapFailure extends Error {}

/** The rows of the first result of `wrangler d1 execute --json` (an array of { results, success }). */
export function firstRows(stdout: string): Record<string, unknown>[] {
  let parsed: unknown;
  try {
    // wrangler may print a banner before the JSON: read from the first "[".
    parsed = JSON.parse(stdout.slice(Math.max(0, stdout.indexOf("["))));
  } catch {
    throw new BootstrapFailure(`wrangler printed no JSON:\n${stdout}`);
  }
  const first = Array.isArray(parsed) ? (parsed[0] as { results?: unknown } | undefined) : undefined;
  if (!first || !Array.isArray(first.results))
    throw new BootstrapFailure(`unexpected wrangler output:\n${stdout}`);
  return first.results as Record<string, unknown>[];
}

async function execute(deps: BootstrapDeps, options: BootstrapOptions, sql: string) {
  const result = await deps.wrangler(executeArgs(options, sql));
  if (result.status !== 0) {
    const detail = `${result.stderr}\n${result.stdout}`.trim();
    const hint = /no such table/i.test(detail)
      ? "\nThe database has no tables yet: apply the migrations first (npm start does it locally; " +
        "`wrangler d1 migrations apply DB --remote -c wrangler.producer.toml` for a deployment)."
      : "";
    throw new BootstrapFailure(`wrangler d1 execute failed (exit ${result.status}):\n${detail}${hint}`);
  }
  return firstRows(result.stdout);
}

/** Returns the exit code: 0 created, 1 refused or failed, 2 bad input. */
export async function runBootstrap(options: BootstrapOptions, deps: BootstrapDeps): Promise<number> {
  const where = options.target === "remote" ? "the remote D1" : `the local D1 in ${options.persistTo}`;
  try {
    const plan = await bootstrapPlan({
      email: options.email,
      name: options.name,
      organizationName: options.organization,
      now: deps.now(),
    });
    const [check] = await execute(deps, options, bootstrapCheckSql(options.email));
    if (Number(check?.super_admins ?? 0) > 0) {
      deps.err(
        `Refusing to bootstrap ${where}: a super_admin already exists. ` +
          "Create further users and keys with its key (npm run admin -- users create / keys create).",
      );
      return 1;
    }
    if (Number(check?.email_taken ?? 0) > 0) {
      deps.err(`Refusing to bootstrap ${where}: a user with the email ${options.email} exists.`);
      return 1;
    }
    await execute(deps, options, plan.statements.join(";\n"));
    const [verify] = await execute(deps, options, bootstrapVerifySql(plan.keyId));
    if (Number(verify?.created ?? 0) !== 1) {
      deps.err(`Bootstrap of ${where} wrote nothing: another super_admin was created meanwhile.`);
      return 1;
    }
    deps.out(
      JSON.stringify(
        {
          object: "bootstrap",
          organization_id: plan.organizationId,
          user_id: plan.userId,
          key_id: plan.keyId,
          key: plan.key,
        },
        null,
        2,
      ),
    );
    deps.err("The key above is shown once: store it now (e.g. export GENQUEUE_KEY=...).");
    return 0;
  } catch (error) {
    if (error instanceof BootstrapInputError) {
      deps.err(`bootstrap: ${error.message}`);
      return 2;
    }
    if (error instanceof BootstrapFailure) {
      deps.err(error.message);
      return 1;
    }
    throw error;
  }
}

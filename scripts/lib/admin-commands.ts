// The commands of `npm run admin`: each one's options, help text and the admin API request it
// sends. Pure: parsing argv gives a request (or help, or the bootstrap's options); nothing here
// touches the network, the disk or the clock (`now` is passed in).
import { parseArgs } from "node:util";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

interface OptionSpec {
  type: "string" | "boolean";
  /** Shown in the help, e.g. "ID". */
  value?: string;
  description: string;
  required?: boolean;
  short?: string;
}

export interface ApiRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The path under the API's base URL, e.g. "/v1/admin/instances". */
  path: string;
  query?: Record<string, string | undefined>;
  body?: Record<string, unknown>;
}

type Values = Record<string, string | boolean | undefined>;

interface CommandSpec {
  /** e.g. "keys create". */
  name: string;
  summary: string;
  /** Required positional arguments, by name. */
  args?: string[];
  options?: Record<string, OptionSpec>;
  /** Extra help lines. */
  notes?: string[];
  request?: (values: Values, args: string[], now: number) => ApiRequest;
}

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: {
    type: "string",
    value: "URL",
    description: "the API (default: GENQUEUE_URL, else api_url of the credentials file)",
  },
  key: {
    type: "string",
    value: "KEY",
    description: "the API key (default: GENQUEUE_KEY, else admin_key of the credentials file)",
  },
  help: { type: "boolean", short: "h", description: "this command's help" },
};

const PAGE_OPTIONS: Record<string, OptionSpec> = {
  limit: { type: "string", value: "N", description: "records per page, 1-100 (default 20)" },
  cursor: { type: "string", value: "CURSOR", description: "next_cursor of the previous page" },
};

const str = (values: Values, name: string): string | undefined => {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
};

function pageQuery(values: Values): Record<string, string | undefined> {
  const limit = str(values, "limit");
  if (limit !== undefined) wholeNumber("--limit", limit, 1, 100);
  return { limit, cursor: str(values, "cursor") };
}

function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

function isoTime(flag: string, raw: string): string {
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new UsageError(`${flag} must be an ISO date-time, got "${raw}"`);
  return new Date(ms).toISOString();
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--expires`: an ISO date-time, or a duration from now such as 90d, 12h, 30m, 45s. */
export function expiresAt(raw: string, now: number): string {
  const duration = /^(\d+)([smhd])$/.exec(raw);
  if (duration) return new Date(now + Number(duration[1]) * UNIT_MS[duration[2]!]!).toISOString();
  const ms = Date.parse(raw);
  if (Number.isNaN(ms))
    throw new UsageError(`--expires must be an ISO date-time or a duration like 90d, 12h, 30m; got "${raw}"`);
  return new Date(ms).toISOString();
}

const id = (value: string) => encodeURIComponent(value);

/** Drops undefined members, so a body says only what was given. */
function defined(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

export const BOOTSTRAP = "bootstrap";

export const commands: CommandSpec[] = [
  {
    name: "orgs list",
    summary: "List organizations (a super_admin sees all, others their own)",
    options: PAGE_OPTIONS,
    request: (v) => ({ method: "GET", path: "/v1/admin/organizations", query: pageQuery(v) }),
  },
  {
    name: "orgs create",
    summary: "Create an organization (super_admin)",
    options: { name: { type: "string", value: "NAME", description: "its name", required: true } },
    request: (v) => ({ method: "POST", path: "/v1/admin/organizations", body: { name: str(v, "name") } }),
  },
  {
    name: "instances list",
    summary: "List instances",
    options: {
      org: { type: "string", value: "ID", description: "only this organization's (super_admin)" },
      ...PAGE_OPTIONS,
    },
    request: (v) => ({
      method: "GET",
      path: "/v1/admin/instances",
      query: { organization_id: str(v, "org"), ...pageQuery(v) },
    }),
  },
  {
    name: "instances create",
    summary: "Create an instance (its provider keys, limits and budget are its own)",
    options: {
      name: { type: "string", value: "NAME", description: "its name", required: true },
      org: { type: "string", value: "ID", description: "its organization (super_admin; default the key's)" },
      budget: { type: "string", value: "USD", description: "monthly budget in USD" },
    },
    request: (v) => {
      const budget = str(v, "budget");
      const usd = budget === undefined ? undefined : Number(budget);
      if (usd !== undefined && (!Number.isFinite(usd) || usd < 0 || budget?.trim() === ""))
        throw new UsageError(`--budget must be a number of USD, got "${budget}"`);
      return {
        method: "POST",
        path: "/v1/admin/instances",
        body: defined({ name: str(v, "name"), organization_id: str(v, "org"), monthly_budget_usd: usd }),
      };
    },
  },
  {
    name: "instances archive",
    summary: "Archive an instance: its keys stop working, its jobs stay readable",
    args: ["id"],
    request: (_, [instanceId = ""]) => ({ method: "DELETE", path: `/v1/admin/instances/${id(instanceId)}` }),
  },
  {
    name: "projects list",
    summary: "List projects",
    options: {
      instance: { type: "string", value: "ID", description: "only this instance's" },
      ...PAGE_OPTIONS,
    },
    request: (v) => ({
      method: "GET",
      path: "/v1/admin/projects",
      query: { instance_id: str(v, "instance"), ...pageQuery(v) },
    }),
  },
  {
    name: "projects create",
    summary: "Create a project in an instance",
    options: {
      name: { type: "string", value: "NAME", description: "its name", required: true },
      instance: { type: "string", value: "ID", description: "its instance (default the key's)" },
    },
    request: (v) => ({
      method: "POST",
      path: "/v1/admin/projects",
      body: defined({ name: str(v, "name"), instance_id: str(v, "instance") }),
    }),
  },
  {
    name: "users list",
    summary: "List users",
    options: {
      org: { type: "string", value: "ID", description: "only this organization's (super_admin)" },
      ...PAGE_OPTIONS,
    },
    request: (v) => ({
      method: "GET",
      path: "/v1/admin/users",
      query: { organization_id: str(v, "org"), ...pageQuery(v) },
    }),
  },
  {
    name: "users create",
    summary: "Create a user (a role no higher than the key's own)",
    options: {
      email: { type: "string", value: "EMAIL", description: "unique email", required: true },
      name: { type: "string", value: "NAME", description: "display name", required: true },
      role: { type: "string", value: "ROLE", description: "super_admin, admin or user", required: true },
      org: { type: "string", value: "ID", description: "its organization (super_admin; default the key's)" },
    },
    request: (v) => ({
      method: "POST",
      path: "/v1/admin/users",
      body: defined({
        email: str(v, "email"),
        name: str(v, "name"),
        role: str(v, "role"),
        organization_id: str(v, "org"),
      }),
    }),
  },
  {
    name: "users assign",
    summary: "Assign a user to an instance (idempotent)",
    args: ["user", "instance"],
    request: (_, [userId = "", instanceId = ""]) => ({
      method: "PUT",
      path: `/v1/admin/users/${id(userId)}/instances/${id(instanceId)}`,
    }),
  },
  {
    name: "keys list",
    summary: "List API keys (a user sees only its own)",
    options: {
      instance: { type: "string", value: "ID", description: "only keys of this instance" },
      user: { type: "string", value: "ID", description: "only this user's keys" },
      project: { type: "string", value: "ID", description: "only this project's keys" },
      ...PAGE_OPTIONS,
    },
    request: (v) => ({
      method: "GET",
      path: "/v1/admin/api-keys",
      query: {
        instance_id: str(v, "instance"),
        user_id: str(v, "user"),
        project_id: str(v, "project"),
        ...pageQuery(v),
      },
    }),
  },
  {
    name: "keys create",
    summary: "Create an API key; its secret is printed once",
    options: {
      name: { type: "string", value: "NAME", description: "what the key is for", required: true },
      instance: { type: "string", value: "ID", description: "narrow it to this instance" },
      project: { type: "string", value: "ID", description: "narrow it to this project (a project key)" },
      user: { type: "string", value: "ID", description: "its owner (default the calling key's user)" },
      expires: {
        type: "string",
        value: "WHEN",
        description: "ISO date-time or a duration: 90d, 12h, 30m, 45s",
      },
    },
    notes: ["The key's role is its owner's role; a project key without a user is a user key."],
    request: (v, _, now) => {
      const expires = str(v, "expires");
      return {
        method: "POST",
        path: "/v1/admin/api-keys",
        body: defined({
          name: str(v, "name"),
          instance_id: str(v, "instance"),
          project_id: str(v, "project"),
          user_id: str(v, "user"),
          expires_at: expires === undefined ? undefined : expiresAt(expires, now),
        }),
      };
    },
  },
  {
    name: "keys revoke",
    summary: "Revoke an API key (it stops working within seconds)",
    args: ["id"],
    request: (_, [keyId = ""]) => ({ method: "DELETE", path: `/v1/admin/api-keys/${id(keyId)}` }),
  },
  {
    name: "keys rotate",
    summary: "Give an API key a new secret (printed once); the old one works for --grace seconds",
    args: ["id"],
    options: {
      grace: {
        type: "string",
        value: "S",
        description: "seconds the old secret keeps working, 0-604800 (default 0)",
      },
    },
    request: (v, [keyId = ""]) => {
      const grace = str(v, "grace");
      return {
        method: "POST",
        path: `/v1/admin/api-keys/${id(keyId)}/rotate`,
        body: defined({
          grace_seconds: grace === undefined ? undefined : wholeNumber("--grace", grace, 0, 604_800),
        }),
      };
    },
  },
  {
    name: "me",
    summary: "Show the calling key: its user, role, organization, instance and project",
    request: () => ({ method: "GET", path: "/v1/me" }),
  },
  {
    name: "audit",
    summary: "List audit records, newest first",
    options: {
      action: { type: "string", value: "ACTION", description: "only this action, e.g. api_key.revoke" },
      "resource-type": {
        type: "string",
        value: "TYPE",
        description: "only this kind of resource, e.g. instance",
      },
      "resource-id": { type: "string", value: "ID", description: "only this resource" },
      actor: { type: "string", value: "USER", description: "only changes by this user's keys" },
      since: { type: "string", value: "ISO", description: "created at or after" },
      until: { type: "string", value: "ISO", description: "created before" },
      org: { type: "string", value: "ID", description: "only this organization's (super_admin)" },
      ...PAGE_OPTIONS,
    },
    request: (v) => {
      const since = str(v, "since");
      const until = str(v, "until");
      return {
        method: "GET",
        path: "/v1/admin/audit-log",
        query: {
          action: str(v, "action"),
          resource_type: str(v, "resource-type"),
          resource_id: str(v, "resource-id"),
          actor_user_id: str(v, "actor"),
          since: since === undefined ? undefined : isoTime("--since", since),
          until: until === undefined ? undefined : isoTime("--until", until),
          organization_id: str(v, "org"),
          ...pageQuery(v),
        },
      };
    },
  },
  {
    name: BOOTSTRAP,
    summary: "Create the first super admin of a fresh deployment, straight in D1 (no HTTP)",
    options: {
      email: { type: "string", value: "EMAIL", description: "the super admin's email", required: true },
      name: { type: "string", value: "NAME", description: "the super admin's name", required: true },
      organization: {
        type: "string",
        value: "NAME",
        description: 'its organization\'s name (default "Operators")',
      },
      local: { type: "boolean", description: "the local D1 of `npm start` (the default)" },
      remote: { type: "boolean", description: "the deployed D1 (needs your Cloudflare login)" },
      "persist-to": {
        type: "string",
        value: "DIR",
        description: "local state dir (default PERSIST_DIR, else .wrangler/state)",
      },
      config: {
        type: "string",
        value: "PATH",
        description:
          "wrangler config naming the D1 (default wrangler.producer.toml; a deployed instance's: deploy/generated/<instance>/wrangler.producer.jsonc)",
      },
    },
    notes: [
      "Runs `wrangler d1 execute DB -c wrangler.producer.toml`: only someone with the Cloudflare",
      "account's credentials can, so it is safe on a public deployment. Refuses when a super_admin",
      "exists. Prints the new organization-wide super_admin key once: keep it.",
    ],
  },
];

const byName = new Map(commands.map((c) => [c.name, c]));
const groups = [...new Set(commands.map((c) => c.name.split(" ")[0]!))];

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ""}--${name}${o.value ? ` ${o.value}` : ""}`;
    return [flag, `${o.description}${o.required ? " (required)" : ""}`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}

export function commandHelp(spec: CommandSpec): string {
  const args = (spec.args ?? []).map((a) => `<${a}>`).join(" ");
  const lines = [
    `Usage: npm run admin -- ${spec.name}${args ? ` ${args}` : ""} [options]`,
    "",
    spec.summary,
    "",
  ];
  if (spec.name === BOOTSTRAP) {
    lines.push("Options:", ...optionLines({ ...spec.options, help: GLOBAL_OPTIONS.help! }), "");
  } else {
    if (spec.options) lines.push("Options:", ...optionLines(spec.options), "");
    lines.push("Global options:", ...optionLines(GLOBAL_OPTIONS), "");
  }
  if (spec.notes) lines.push(...spec.notes, "");
  return lines.join("\n").trimEnd();
}

export function overviewHelp(): string {
  const usages = commands.map((c) => `${c.name}${(c.args ?? []).map((a) => ` <${a}>`).join("")}`);
  const width = Math.max(...usages.map((u) => u.length));
  const list = commands.map((c, i) => `  ${usages[i]!.padEnd(width)}  ${c.summary}`);
  return [
    "Usage: npm run admin -- <command> [options]",
    "",
    "A small client of the genqueue admin API (prints the API's JSON), and the bootstrap.",
    "",
    "Commands:",
    ...list,
    "",
    "Global options:",
    ...optionLines(GLOBAL_OPTIONS),
    "",
    "`npm run admin -- <command> --help` shows a command's options.",
    "The credentials file is CREDENTIALS_PATH, else .local/dev-credentials.json (written by npm start).",
    "Exit codes: 0 done, 1 the API (or wrangler) refused or failed, 2 bad usage or configuration.",
  ].join("\n");
}

export type ParsedCommand =
  | { kind: "help"; text: string }
  | { kind: "request"; command: string; request: ApiRequest; url?: string; key?: string }
  | {
      kind: "bootstrap";
      email: string;
      name: string;
      organization?: string;
      target: "local" | "remote";
      persistTo?: string;
      config?: string;
    };

/** argv (after `npm run admin --`) -> what to do. Throws UsageError on bad usage. */
export function parseCommand(argv: readonly string[], now: number): ParsedCommand {
  const [first, second] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h")
    return { kind: "help", text: overviewHelp() };
  const twoWords = second !== undefined && byName.has(`${first} ${second}`);
  const spec = twoWords ? byName.get(`${first} ${second}`) : byName.get(first);
  if (!spec) {
    if (groups.includes(first)) {
      const sub = commands.filter((c) => c.name.startsWith(`${first} `));
      const wanted =
        second === undefined || second.startsWith("-") ? "" : `Unknown command "${first} ${second}". `;
      if (!wanted && (second === "--help" || second === "-h"))
        return { kind: "help", text: sub.map(commandHelp).join("\n\n") };
      throw new UsageError(
        `${wanted}"${first}" takes one of: ${sub.map((c) => c.name.split(" ")[1]).join(", ")}`,
      );
    }
    throw new UsageError(`Unknown command "${first}". See npm run admin -- --help`);
  }
  const rest = argv.slice(twoWords ? 2 : 1);
  const options =
    spec.name === BOOTSTRAP
      ? { ...spec.options, help: GLOBAL_OPTIONS.help! }
      : { ...spec.options, ...GLOBAL_OPTIONS };
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...rest],
      options: Object.fromEntries(
        Object.entries(options).map(([name, o]) => [
          name,
          o.short ? { type: o.type, short: o.short } : { type: o.type },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    }) as { values: Values; positionals: string[] };
  } catch (error) {
    throw new UsageError(`${spec.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help", text: commandHelp(spec) };
  const wantArgs = spec.args ?? [];
  if (positionals.length !== wantArgs.length) {
    const usage = wantArgs.length ? wantArgs.map((a) => `<${a}>`).join(" ") : "no arguments";
    throw new UsageError(
      `${spec.name} takes ${usage}, got ${positionals.length ? positionals.join(" ") : "none"}`,
    );
  }
  for (const [name, o] of Object.entries(spec.options ?? {})) {
    if (o.required && (values[name] === undefined || values[name] === ""))
      throw new UsageError(`${spec.name} needs --${name} ${o.value ?? ""}`.trimEnd());
  }
  if (spec.name === BOOTSTRAP) {
    if (values.local && values.remote) throw new UsageError("bootstrap: --local or --remote, not both");
    if (values.remote && values["persist-to"] !== undefined)
      throw new UsageError("bootstrap: --persist-to is for the local D1 only");
    return {
      kind: "bootstrap",
      email: str(values, "email") ?? "",
      name: str(values, "name") ?? "",
      organization: str(values, "organization"),
      target: values.remote ? "remote" : "local",
      persistTo: str(values, "persist-to"),
      config: str(values, "config"),
    };
  }
  if (!spec.request) throw new Error(`command ${spec.name} has no request`);
  return {
    kind: "request",
    command: spec.name,
    request: spec.request(values, positionals, now),
    url: str(values, "url"),
    key: str(values, "key"),
  };
}

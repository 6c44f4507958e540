// `npm run admin`: argument parsing and --help for every command, the request each command sends
// (against a local fake HTTP server), where the URL and key come from, exit codes, and the
// bootstrap's wrangler calls (a fake wrangler answering as `d1 execute --json` does).
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { WranglerResult } from "../../scripts/lib/admin-bootstrap";
import { type CliDeps, resolveTarget, runAdminCli } from "../../scripts/lib/admin-cli";
import { commands, expiresAt, parseCommand, UsageError } from "../../scripts/lib/admin-commands";

const KEY = "gq_testkey000000000000000000000000000000000";
const NOW = Date.UTC(2026, 10, 21, 12);

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  body: unknown;
}

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
/** What the fake answers next: status and JSON body (default 200 `{ ok: true }`). */
let answer: { status: number; body?: unknown } = { status: 200, body: { ok: true } };

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake");
      seen.push({
        method: req.method ?? "",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: raw ? JSON.parse(raw) : undefined,
      });
      const isProblem = answer.status >= 400;
      res.writeHead(answer.status, {
        "content-type": isProblem ? "application/problem+json" : "application/json",
      });
      res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));
beforeEach(() => {
  seen = [];
  answer = { status: 200, body: { ok: true } };
});

interface Run {
  code: number;
  out: string;
  err: string;
  wranglerCalls: string[][];
}

/** Runs the CLI with a real fetch against the fake server; the key comes from GENQUEUE_KEY. */
async function run(argv: string[], overrides: Partial<CliDeps> = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const wranglerCalls: string[][] = [];
  const code = await runAdminCli(argv, {
    env: { GENQUEUE_URL: baseUrl, GENQUEUE_KEY: KEY },
    fetch,
    readCredentials: async () => null,
    now: () => NOW,
    persistDir: "/repo/.wrangler/state",
    resolvePath: (path) => `/cwd/${path}`,
    wrangler: async (args) => {
      wranglerCalls.push(args);
      return { status: 0, stdout: "[]", stderr: "" };
    },
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    ...overrides,
  });
  return { code, out: out.join("\n"), err: err.join("\n"), wranglerCalls };
}

/** The one request a command sent. */
async function requestOf(argv: string[]): Promise<Omit<Seen, "headers">> {
  const result = await run(argv);
  expect(result.code, result.err).toBe(0);
  expect(seen).toHaveLength(1);
  const { headers: _, ...request } = seen[0]!;
  return request;
}

describe("requests over the admin API", () => {
  it.each([
    [["orgs", "list"], "GET", "/v1/admin/organizations", {}, undefined],
    [
      ["orgs", "list", "--limit", "5", "--cursor", "abc"],
      "GET",
      "/v1/admin/organizations",
      { limit: "5", cursor: "abc" },
      undefined,
    ],
    [["orgs", "create", "--name", "Acme"], "POST", "/v1/admin/organizations", {}, { name: "Acme" }],
    [
      ["instances", "list", "--org", "org_1"],
      "GET",
      "/v1/admin/instances",
      { organization_id: "org_1" },
      undefined,
    ],
    [["instances", "create", "--name", "prod"], "POST", "/v1/admin/instances", {}, { name: "prod" }],
    [
      ["instances", "create", "--name", "prod", "--org", "org_1", "--budget", "12.5"],
      "POST",
      "/v1/admin/instances",
      {},
      { name: "prod", organization_id: "org_1", monthly_budget_usd: 12.5 },
    ],
    [["instances", "archive", "ins_1"], "DELETE", "/v1/admin/instances/ins_1", {}, undefined],
    [
      ["projects", "list", "--instance", "ins_1"],
      "GET",
      "/v1/admin/projects",
      { instance_id: "ins_1" },
      undefined,
    ],
    [
      ["projects", "create", "--name", "web", "--instance", "ins_1"],
      "POST",
      "/v1/admin/projects",
      {},
      { name: "web", instance_id: "ins_1" },
    ],
    [["users", "list"], "GET", "/v1/admin/users", {}, undefined],
    [
      ["users", "create", "--email", "a@b.test", "--name", "A", "--role", "admin", "--org", "org_1"],
      "POST",
      "/v1/admin/users",
      {},
      { email: "a@b.test", name: "A", role: "admin", organization_id: "org_1" },
    ],
    [["users", "assign", "usr_1", "ins_1"], "PUT", "/v1/admin/users/usr_1/instances/ins_1", {}, undefined],
    [
      ["keys", "list", "--instance", "ins_1", "--user", "usr_1", "--project", "prj_1"],
      "GET",
      "/v1/admin/api-keys",
      { instance_id: "ins_1", user_id: "usr_1", project_id: "prj_1" },
      undefined,
    ],
    [
      [
        "keys",
        "create",
        "--name",
        "ci",
        "--instance",
        "ins_1",
        "--project",
        "prj_1",
        "--user",
        "usr_1",
        "--expires",
        "2027-01-01T00:00:00Z",
      ],
      "POST",
      "/v1/admin/api-keys",
      {},
      {
        name: "ci",
        instance_id: "ins_1",
        project_id: "prj_1",
        user_id: "usr_1",
        expires_at: "2027-01-01T00:00:00.000Z",
      },
    ],
    [
      ["keys", "create", "--name", "ci", "--expires", "2d"],
      "POST",
      "/v1/admin/api-keys",
      {},
      { name: "ci", expires_at: new Date(NOW + 2 * 86_400_000).toISOString() },
    ],
    [["keys", "revoke", "key_1"], "DELETE", "/v1/admin/api-keys/key_1", {}, undefined],
    [["keys", "rotate", "key_1"], "POST", "/v1/admin/api-keys/key_1/rotate", {}, {}],
    [
      ["keys", "rotate", "key_1", "--grace", "3600"],
      "POST",
      "/v1/admin/api-keys/key_1/rotate",
      {},
      { grace_seconds: 3600 },
    ],
    [["me"], "GET", "/v1/me", {}, undefined],
    [
      [
        "audit",
        "--action",
        "api_key.revoke",
        "--resource-type",
        "api_key",
        "--resource-id",
        "key_1",
        "--actor",
        "usr_1",
        "--since",
        "2026-11-20T00:00:00+01:00",
        "--until",
        "2026-11-22T00:00:00Z",
        "--org",
        "org_1",
        "--limit",
        "50",
      ],
      "GET",
      "/v1/admin/audit-log",
      {
        action: "api_key.revoke",
        resource_type: "api_key",
        resource_id: "key_1",
        actor_user_id: "usr_1",
        since: "2026-11-19T23:00:00.000Z",
        until: "2026-11-22T00:00:00.000Z",
        organization_id: "org_1",
        limit: "50",
      },
      undefined,
    ],
  ])("%j sends %s %s", async (argv, method, path, query, body) => {
    expect(await requestOf(argv)).toEqual({ method, path, query, body });
  });

  it("sends the key as a bearer token and JSON only with a body", async () => {
    await run(["orgs", "create", "--name", "Acme"]);
    await run(["me"]);
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen[0]?.headers["content-type"]).toBe("application/json");
    expect(seen[1]?.headers["content-type"]).toBeUndefined();
  });

  it("escapes ids in the path", async () => {
    expect((await requestOf(["keys", "revoke", "a/b?c"])).path).toBe("/v1/admin/api-keys/a%2Fb%3Fc");
  });

  it("keeps a path prefix of the base URL", async () => {
    await run(["me", "--url", `${baseUrl}/genqueue`]);
    expect(seen[0]?.path).toBe("/genqueue/v1/me");
  });

  it("prints the API's JSON, indented, and exits 0", async () => {
    answer = { status: 201, body: { id: "org_1", object: "organization" } };
    const result = await run(["orgs", "create", "--name", "Acme"]);
    expect(result).toMatchObject({ code: 0, err: "" });
    expect(result.out).toBe(JSON.stringify({ id: "org_1", object: "organization" }, null, 2));
  });

  it("prints the problem on stderr and exits 1 when the API refuses", async () => {
    answer = { status: 403, body: { code: "forbidden", detail: "A user key may not create organizations" } };
    const result = await run(["orgs", "create", "--name", "Acme"]);
    expect(result.code).toBe(1);
    expect(result.out).toBe("");
    expect(result.err).toContain("403");
    expect(result.err).toContain('"code": "forbidden"');
  });

  it("exits 1 when the API cannot be reached", async () => {
    const result = await run(["me", "--url", "http://127.0.0.1:1"]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("could not reach");
  });
});

describe("where the URL and key come from", () => {
  const file = { api_url: "http://from-file", admin_key: "gq_file" };

  it("prefers the flags, then GENQUEUE_URL / GENQUEUE_KEY, then the credentials file", () => {
    const env = { GENQUEUE_URL: "http://from-env", GENQUEUE_KEY: "gq_env" };
    expect(resolveTarget({ url: "http://flag", key: "gq_flag" }, env, file)).toEqual({
      url: "http://flag",
      key: "gq_flag",
    });
    expect(resolveTarget({}, env, file)).toEqual({ url: "http://from-env", key: "gq_env" });
    expect(resolveTarget({}, {}, file)).toEqual({ url: "http://from-file", key: "gq_file" });
  });

  it("uses npm start's credentials file when nothing else is given", async () => {
    await run(["me"], {
      env: {},
      readCredentials: async () => ({ api_url: baseUrl, admin_key: "gq_devadmin" }),
    });
    expect(seen[0]?.headers.authorization).toBe("Bearer gq_devadmin");
  });

  it("exits 2 without a URL or a key", async () => {
    const noKey = await run(["me"], { env: { GENQUEUE_URL: baseUrl } });
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain("No API key");
    const noUrl = await run(["me"], { env: { GENQUEUE_KEY: KEY } });
    expect(noUrl.code).toBe(2);
    expect(noUrl.err).toContain("No API URL");
    expect(seen).toEqual([]);
  });
});

describe("usage and --help", () => {
  it("prints the overview for no command, help and --help", async () => {
    for (const argv of [[], ["help"], ["--help"], ["-h"]]) {
      const result = await run(argv);
      expect(result.code).toBe(0);
      expect(result.out).toContain("Usage: npm run admin -- <command>");
      for (const command of commands) expect(result.out).toContain(command.name);
    }
  });

  it.each(commands.map((c) => [c.name]))(
    "%s --help prints its usage and options, sends nothing",
    async (name) => {
      const result = await run([...name.split(" "), "--help"]);
      expect(result.code).toBe(0);
      expect(result.out).toContain(`Usage: npm run admin -- ${name}`);
      for (const option of Object.keys(commands.find((c) => c.name === name)?.options ?? {}))
        expect(result.out).toContain(`--${option}`);
      expect(seen).toEqual([]);
      expect(result.wranglerCalls).toEqual([]);
    },
  );

  it("prints a group's commands for `keys --help`", async () => {
    const result = await run(["keys", "--help"]);
    expect(result.code).toBe(0);
    for (const sub of ["keys list", "keys create", "keys revoke", "keys rotate"])
      expect(result.out).toContain(sub);
  });

  it.each([
    [["nope"], "Unknown command"],
    [["keys"], "takes one of: list, create, revoke, rotate"],
    [["keys", "burn"], 'Unknown command "keys burn"'],
    [["orgs", "create"], "needs --name"],
    [["users", "create", "--email", "a@b.test", "--name", "A"], "needs --role"],
    [["orgs", "list", "--bogus"], "bogus"],
    [["orgs", "list", "--limit", "0"], "--limit must be a whole number from 1 to 100"],
    [["orgs", "list", "--limit", "1.5"], "--limit"],
    [["instances", "archive"], "takes <id>"],
    [["instances", "archive", "a", "b"], "takes <id>"],
    [["users", "assign", "usr_1"], "takes <user> <instance>"],
    [["keys", "rotate", "key_1", "--grace", "-1"], "--grace"],
    [["keys", "rotate", "key_1", "--grace", "604801"], "--grace"],
    [["keys", "create", "--name", "x", "--expires", "soon"], "--expires"],
    [["audit", "--since", "yesterday"], "--since must be an ISO date-time"],
    [["instances", "create", "--name", "x", "--budget", "lots"], "--budget"],
    [["bootstrap", "--email", "a@b.test"], "needs --name"],
    [["bootstrap", "--email", "a@b.test", "--name", "A", "--local", "--remote"], "not both"],
    [["bootstrap", "--email", "a@b.test", "--name", "A", "--remote", "--persist-to", "x"], "local D1 only"],
  ])("%j is a usage error (exit 2, nothing sent)", async (argv, message) => {
    const result = await run(argv);
    expect(result.code, result.out).toBe(2);
    expect(result.err).toContain(message);
    expect(seen).toEqual([]);
    expect(result.wranglerCalls).toEqual([]);
  });

  it("parses without side effects, throwing UsageError", () => {
    expect(() => parseCommand(["orgs", "create"], NOW)).toThrow(UsageError);
    expect(parseCommand(["keys", "rotate", "key_1", "--grace", "0"], NOW)).toMatchObject({
      kind: "request",
      request: { body: { grace_seconds: 0 } },
    });
  });

  it("reads --expires as an ISO time or a duration from now", () => {
    expect(expiresAt("90d", NOW)).toBe(new Date(NOW + 90 * 86_400_000).toISOString());
    expect(expiresAt("12h", NOW)).toBe(new Date(NOW + 12 * 3_600_000).toISOString());
    expect(expiresAt("30m", NOW)).toBe(new Date(NOW + 30 * 60_000).toISOString());
    expect(expiresAt("45s", NOW)).toBe(new Date(NOW + 45_000).toISOString());
    expect(expiresAt("2027-01-01T00:00:00+02:00", NOW)).toBe("2026-12-31T22:00:00.000Z");
  });
});

describe("bootstrap", () => {
  /** A wrangler that answers each `d1 execute --json` in turn. */
  function fakeWrangler(answers: (WranglerResult | unknown[])[]) {
    const calls: string[][] = [];
    const wrangler = async (args: string[]): Promise<WranglerResult> => {
      calls.push(args);
      const next = answers.shift();
      if (next === undefined) throw new Error("wrangler called more often than expected");
      if (Array.isArray(next)) return { status: 0, stdout: JSON.stringify(next), stderr: "" };
      return next;
    };
    return { calls, wrangler };
  }
  const rows = (...results: Record<string, unknown>[]) => [{ results, success: true, meta: {} }];
  const sqlOf = (args: string[]) => args[args.indexOf("--command") + 1] ?? "";

  it("checks, writes, verifies, and prints the new key once (local D1, npm start's state dir)", async () => {
    const fake = fakeWrangler([
      // wrangler may print a banner before the JSON
      {
        status: 0,
        stdout: `wrangler 4\n${JSON.stringify(rows({ super_admins: 0, email_taken: 0 }))}`,
        stderr: "",
      },
      rows(),
      rows({ created: 1 }),
    ]);
    const result = await run(["bootstrap", "--email", "root@example.com", "--name", "Root"], {
      wrangler: fake.wrangler,
    });
    expect(result.code, result.err).toBe(0);
    expect(fake.calls).toHaveLength(3);
    for (const args of fake.calls) {
      expect(args.slice(0, 9)).toEqual([
        "d1",
        "execute",
        "DB",
        "--local",
        "--persist-to",
        "/repo/.wrangler/state",
        "-c",
        "wrangler.producer.toml",
        "--json",
      ]);
    }
    expect(sqlOf(fake.calls[0]!)).toContain("role = 'super_admin'");
    expect(sqlOf(fake.calls[1]!)).toContain("INSERT INTO api_keys");
    const printed = JSON.parse(result.out) as { key: string; key_id: string };
    expect(printed.key).toMatch(/^gq_[a-z0-9]{40}$/);
    expect(sqlOf(fake.calls[2]!)).toContain(printed.key_id);
    // Shown once: the key is in the output, never in what wrangler was given (only its hash).
    expect(fake.calls.flat().join(" ")).not.toContain(printed.key);
    expect(result.err).toContain("shown once");
  });

  it("targets the remote D1 with --remote, and a given --persist-to locally", async () => {
    const remote = fakeWrangler([rows({ super_admins: 1, email_taken: 0 })]);
    await run(["bootstrap", "--email", "a@b.test", "--name", "A", "--remote"], { wrangler: remote.wrangler });
    expect(remote.calls[0]?.slice(3, 5)).toEqual(["--remote", "--yes"]);
    const local = fakeWrangler([rows({ super_admins: 1, email_taken: 0 })]);
    await run(["bootstrap", "--email", "a@b.test", "--name", "A", "--persist-to", "state"], {
      wrangler: local.wrangler,
    });
    expect(local.calls[0]?.slice(3, 6)).toEqual(["--local", "--persist-to", "/cwd/state"]);
  });

  it("reads the D1 of the wrangler config given with --config (a deployed instance's)", async () => {
    const config = "deploy/generated/production/wrangler.producer.jsonc";
    const remote = fakeWrangler([rows({ super_admins: 1, email_taken: 0 })]);
    await run(["bootstrap", "--email", "a@b.test", "--name", "A", "--remote", "--config", config], {
      wrangler: remote.wrangler,
    });
    expect(remote.calls[0]?.slice(5, 7)).toEqual(["-c", config]);
    const base = fakeWrangler([rows({ super_admins: 1, email_taken: 0 })]);
    await run(["bootstrap", "--email", "a@b.test", "--name", "A", "--remote"], { wrangler: base.wrangler });
    expect(base.calls[0]?.slice(5, 7)).toEqual(["-c", "wrangler.producer.toml"]);
  });

  it("refuses (exit 1, nothing written) when a super_admin exists or the email is taken", async () => {
    const exists = fakeWrangler([rows({ super_admins: 1, email_taken: 0 })]);
    const first = await run(["bootstrap", "--email", "a@b.test", "--name", "A"], {
      wrangler: exists.wrangler,
    });
    expect(first.code).toBe(1);
    expect(first.err).toContain("a super_admin already exists");
    expect(exists.calls).toHaveLength(1);
    const taken = fakeWrangler([rows({ super_admins: 0, email_taken: 1 })]);
    const second = await run(["bootstrap", "--email", "a@b.test", "--name", "A"], {
      wrangler: taken.wrangler,
    });
    expect(second.code).toBe(1);
    expect(second.err).toContain("email");
    expect(taken.calls).toHaveLength(1);
    expect(first.out + second.out).toBe("");
  });

  it("says so when a racing bootstrap won (the key row is not there afterwards)", async () => {
    const fake = fakeWrangler([rows({ super_admins: 0, email_taken: 0 }), rows(), rows({ created: 0 })]);
    const result = await run(["bootstrap", "--email", "a@b.test", "--name", "A"], {
      wrangler: fake.wrangler,
    });
    expect(result.code).toBe(1);
    expect(result.out).toBe("");
    expect(result.err).toContain("another super_admin");
  });

  it("reports a wrangler failure with a hint when the database has no tables", async () => {
    const fake = fakeWrangler([{ status: 1, stdout: "", stderr: "D1_ERROR: no such table: users" }]);
    const result = await run(["bootstrap", "--email", "a@b.test", "--name", "A"], {
      wrangler: fake.wrangler,
    });
    expect(result.code).toBe(1);
    expect(result.err).toContain("no such table");
    expect(result.err).toContain("migrations");
  });

  it("exits 2 on a bad email without calling wrangler", async () => {
    const fake = fakeWrangler([]);
    const result = await run(["bootstrap", "--email", "nope", "--name", "A"], { wrangler: fake.wrangler });
    expect(result.code).toBe(2);
    expect(fake.calls).toEqual([]);
  });
});

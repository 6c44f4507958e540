// A fake of the Cloudflare API endpoints wrangler calls to provision an instance (D1, R2, Queues,
// Worker secrets), so the provisioning script runs against it with CLOUDFLARE_API_BASE_URL and no
// account. D1 queries run on a real in-memory SQLite (node:sqlite), so `d1 migrations apply`
// applies the repository's migrations and remembers them in d1_migrations, as D1 does.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DatabaseSync } from "node:sqlite";

export interface RecordedCall {
  method: string;
  /** Path below /client/v4, without the query string. */
  path: string;
  body: string;
}

export interface FakeCloudflare {
  /** The value for CLOUDFLARE_API_BASE_URL. */
  baseUrl: string;
  accountId: string;
  calls: RecordedCall[];
  state: {
    databases: Map<string, { uuid: string; name: string; db: DatabaseSync }>;
    buckets: Set<string>;
    queues: Set<string>;
    scripts: Map<string, Map<string, string>>;
  };
  /** The next `times` calls whose "METHOD path" matches answer 500 (a failure half-way through a run). */
  failNext(pattern: RegExp, times?: number): void;
  close(): Promise<void>;
}

type Reply = { status: number; result?: unknown; errors?: { code: number; message: string }[] };
const ok = (result: unknown): Reply => ({ status: 200, result });
const notFound = (code: number, message: string): Reply => ({ status: 404, errors: [{ code, message }] });

export async function startFakeCloudflare(
  accountId = "0123456789abcdef0123456789abcdef",
): Promise<FakeCloudflare> {
  const state: FakeCloudflare["state"] = {
    databases: new Map(),
    buckets: new Set(),
    queues: new Set(),
    scripts: new Map(),
  };
  const calls: RecordedCall[] = [];
  const failures: RegExp[] = [];

  const byName = (name: string) =>
    [...state.databases.values()].find((d) => d.uuid === name || d.name === name);
  // [method, path below /accounts/{id}, handler(path groups, JSON body)]
  const routes: [string, RegExp, (p: string[], body: Record<string, unknown>) => Reply][] = [
    [
      "GET",
      /^\/d1\/database$/,
      () => ok([...state.databases.values()].map(({ uuid, name }) => d1Info(uuid, name))),
    ],
    [
      "POST",
      /^\/d1\/database$/,
      (_, body) => {
        const name = String(body.name);
        if (byName(name))
          return {
            status: 400,
            errors: [{ code: 7502, message: "A database with that name already exists" }],
          };
        const uuid = randomUUID();
        state.databases.set(uuid, { uuid, name, db: new DatabaseSync(":memory:") });
        return ok(d1Info(uuid, name));
      },
    ],
    [
      "GET",
      /^\/d1\/database\/([^/]+)$/,
      ([key]) => {
        const found = byName(decodeURIComponent(key!));
        return found ? ok(d1Info(found.uuid, found.name)) : notFound(7404, "The database could not be found");
      },
    ],
    [
      "POST",
      /^\/d1\/database\/([^/]+)\/query$/,
      ([uuid], body) => {
        const found = state.databases.get(uuid!);
        if (!found) return notFound(7404, "The database could not be found");
        try {
          return ok([runSql(found.db, String(body.sql))]);
        } catch (error) {
          return { status: 400, errors: [{ code: 7500, message: (error as Error).message }] };
        }
      },
    ],
    [
      "GET",
      /^\/r2\/buckets$/,
      () =>
        ok({
          buckets: [...state.buckets].map((name) => ({ name, creation_date: "2026-12-01T00:00:00.000Z" })),
        }),
    ],
    [
      "POST",
      /^\/r2\/buckets$/,
      (_, body) => {
        const name = String(body.name);
        if (state.buckets.has(name))
          return { status: 409, errors: [{ code: 10004, message: "bucket exists" }] };
        state.buckets.add(name);
        return ok({ name, creation_date: "2026-12-01T00:00:00.000Z", location: "WEUR" });
      },
    ],
    ["GET", /^\/queues$/, () => ok([...state.queues].map(queueInfo))],
    [
      "POST",
      /^\/queues$/,
      (_, body) => {
        const name = String(body.queue_name);
        if (state.queues.has(name))
          return { status: 409, errors: [{ code: 11009, message: "queue exists" }] };
        state.queues.add(name);
        return ok(queueInfo(name));
      },
    ],
    [
      // wrangler's draft Worker, uploaded by `secret put` when the Worker does not exist yet.
      "PUT",
      /^\/workers\/scripts\/([^/]+)$/,
      ([script]) => {
        if (!state.scripts.has(script!)) state.scripts.set(script!, new Map());
        return ok({ id: script });
      },
    ],
    [
      "GET",
      /^\/workers\/scripts\/([^/]+)\/secrets$/,
      ([script]) => {
        const secrets = state.scripts.get(script!);
        if (!secrets) return notFound(10007, "workers.api.error.script_not_found");
        return ok([...secrets.keys()].map((name) => ({ name, type: "secret_text" })));
      },
    ],
    [
      "PUT",
      /^\/workers\/scripts\/([^/]+)\/secrets$/,
      ([script], body) => {
        const secrets = state.scripts.get(script!);
        if (!secrets) return notFound(10007, "workers.api.error.script_not_found");
        secrets.set(String(body.name), String(body.text));
        return ok({ name: body.name, type: "secret_text" });
      },
    ],
  ];

  const route = (method: string, path: string, body: string): Reply => {
    const account = `/accounts/${accountId}`;
    const rest = path.startsWith(`${account}/`) ? path.slice(account.length) : "";
    for (const [m, pattern, handler] of routes) {
      const match = m === method ? rest.match(pattern) : null;
      if (match) return handler(match.slice(1), body && !body.startsWith("<") ? JSON.parse(body) : {});
    }
    return notFound(7003, `no route for ${method} ${path}`);
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname.replace(/^\/client\/v4/, "");
    const method = req.method ?? "GET";
    // A multipart upload (the draft Worker) is recorded by its size only.
    const raw = Buffer.concat(chunks).toString("utf8");
    const body = req.headers["content-type"]?.startsWith("multipart/")
      ? `<multipart ${raw.length} bytes>`
      : raw;
    calls.push({ method, path, body });
    const failing = failures.findIndex((pattern) => pattern.test(`${method} ${path}`));
    let reply: Reply;
    if (failing >= 0) {
      failures.splice(failing, 1);
      reply = { status: 500, errors: [{ code: 10013, message: "Internal error (injected by the fake)" }] };
    } else {
      reply = route(method, path, body);
    }
    const success = reply.status < 400;
    res.writeHead(reply.status, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        success,
        errors: reply.errors ?? [],
        messages: [],
        result: success ? (reply.result ?? null) : null,
        ...(Array.isArray(reply.result)
          ? {
              result_info: {
                page: 1,
                per_page: 1000,
                count: reply.result.length,
                total_count: reply.result.length,
              },
            }
          : {}),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    accountId,
    calls,
    state,
    failNext: (pattern, times = 1) => {
      for (let i = 0; i < times; i++) failures.push(pattern);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function d1Info(uuid: string, name: string) {
  return {
    uuid,
    name,
    version: "production",
    created_at: "2026-12-01T00:00:00.000Z",
    num_tables: 0,
    file_size: 0,
  };
}

function queueInfo(name: string) {
  return {
    queue_id: `q_${name}`,
    queue_name: name,
    created_on: "2026-12-01T00:00:00.000Z",
    modified_on: "2026-12-01T00:00:00.000Z",
    producers_total_count: 0,
    consumers_total_count: 0,
    producers: [],
    consumers: [],
  };
}

/** One D1 query result: a lone SELECT returns its rows; anything else runs as a script, as a migration does. */
function runSql(db: DatabaseSync, sql: string) {
  const started = performance.now();
  const single = sql.trim().replace(/;\s*$/, "");
  let results: unknown[] = [];
  if (/^select\b/i.test(single) && !single.includes(";")) results = db.prepare(single).all();
  else db.exec(sql);
  return { results, success: true, meta: { duration: performance.now() - started, changes: 0 } };
}

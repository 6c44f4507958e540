import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  addChunk,
  addFailedChunk,
  candidatesTable,
  chunk,
  emptyTotals,
  exitCodeFor,
  formatSummary,
  formatTable,
  isYes,
  parseReplayArgs,
  postReplay,
  progressLine,
  type ReplayRequest,
  type ReplayResponse,
  resolveTarget,
  selectionBody,
  UsageError,
} from "../../scripts/lib/dlq-replay-lib";

const root = resolve(import.meta.dirname, "../..");
const ADMIN_KEY = "gq_testadminkey0000000000000000000000000000";

describe("parseReplayArgs", () => {
  it("reads every option", () => {
    expect(
      parseReplayArgs([
        "--since",
        "2026-11-20T00:00:00+01:00",
        "--error-code",
        "rate_limited",
        "--provider",
        "openai",
        "--project",
        "prj_1",
        "--limit",
        "50",
        "--dry-run",
        "-y",
        "--url",
        "http://127.0.0.1:9999",
      ]),
    ).toEqual({
      jobs: [],
      since: "2026-11-19T23:00:00.000Z",
      errorCode: "rate_limited",
      provider: "openai",
      project: "prj_1",
      limit: 50,
      dryRun: true,
      yes: true,
      url: "http://127.0.0.1:9999",
      help: false,
    });
  });

  it("collects repeated --job ids and defaults the flags to false", () => {
    expect(parseReplayArgs(["--job", "job_a", "--job", "dl_b"])).toMatchObject({
      jobs: ["job_a", "dl_b"],
      dryRun: false,
      yes: false,
    });
  });

  it.each([
    [["--since", "last tuesday"], /--since/],
    [["--limit", "0"], /--limit/],
    [["--limit", "501"], /--limit/],
    [["--limit", "2.5"], /--limit/],
    [["--job", "job_a", "--provider", "openai"], /cannot be combined/],
    [["--url", "ftp://example.com"], /--url/],
    [["--unknown"], /unknown/i],
    [["positional"], /positional|unexpected/i],
  ])("rejects %j", (argv, message) => {
    expect(() => parseReplayArgs(argv)).toThrow(UsageError);
    expect(() => parseReplayArgs(argv)).toThrow(message);
  });
});

describe("resolveTarget", () => {
  const file = { api_url: "http://file:8790", admin_key: "gq_file" };

  it("prefers --url, then GENQUEUE_URL, then the credentials file", () => {
    expect(resolveTarget({ url: "http://flag/" }, { GENQUEUE_URL: "http://env" }, file).url).toBe(
      "http://flag",
    );
    expect(resolveTarget({}, { GENQUEUE_URL: "http://env" }, file).url).toBe("http://env");
    expect(resolveTarget({}, {}, file)).toEqual({ url: "http://file:8790", adminKey: "gq_file" });
  });

  it("prefers GENQUEUE_ADMIN_KEY over the file and fails clearly without a key or URL", () => {
    expect(resolveTarget({}, { GENQUEUE_ADMIN_KEY: "gq_env" }, file).adminKey).toBe("gq_env");
    expect(resolveTarget({}, { GENQUEUE_URL: "", GENQUEUE_ADMIN_KEY: " " }, file)).toEqual({
      url: "http://file:8790",
      adminKey: "gq_file",
    });
    expect(() => resolveTarget({}, {}, null)).toThrow(/No API URL/);
    expect(() => resolveTarget({ url: "http://x" }, {}, null)).toThrow(/No admin key/);
  });
});

describe("selectionBody", () => {
  it("sends ids (deduplicated) when --job is given", () => {
    expect(selectionBody(parseReplayArgs(["--job", "job_a", "--job", "job_a", "--job", "dl_b"]))).toEqual({
      ids: ["job_a", "dl_b"],
      dry_run: true,
    });
  });

  it("sends a filter otherwise, an empty one selecting everything", () => {
    expect(
      selectionBody(parseReplayArgs(["--error-code", "x", "--project", "prj_1", "--limit", "7"])),
    ).toEqual({
      filter: { error_code: "x", project_id: "prj_1" },
      limit: 7,
      dry_run: true,
    });
    expect(selectionBody(parseReplayArgs([]))).toEqual({ filter: {}, dry_run: true });
  });
});

describe("formatting", () => {
  it("pads table columns to their widest cell", () => {
    expect(formatTable(["A", "BB"], [["xxx", "y"]])).toBe("A    BB\n---  --\nxxx  y");
  });

  it("shows the candidates as job id, error code, provider, dead-lettered at", () => {
    const table = candidatesTable([
      {
        job_id: "job_1",
        dead_letter_id: "dl_1",
        provider: null,
        error: { code: "rate_limited", message: "slow down" },
        dead_lettered_at: "2026-11-21T12:00:00.000Z",
      },
    ]);
    expect(table.split("\n")[0]).toMatch(/^JOB ID\s+ERROR CODE\s+PROVIDER\s+DEAD-LETTERED AT$/);
    expect(table.split("\n")[2]).toMatch(/^job_1\s+rate_limited\s+-\s+2026-11-21T12:00:00.000Z$/);
  });

  it("chunks ids", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 25)).toEqual([]);
  });

  it("adds up chunks, failed calls included, into a summary and an exit code", () => {
    let totals = addChunk(emptyTotals(), {
      dry_run: false,
      replayed: [{ job_id: "job_1", dead_letter_id: "dl_1" }],
      skipped: [{ id: "job_2", reason: "not_dead_lettered" }],
      failed: [],
    });
    expect(exitCodeFor(totals)).toBe(0);
    expect(progressLine(2, 4, totals)).toBe("[2/4] replayed 1, skipped 1, failed 0");
    totals = addFailedChunk(totals, ["job_3", "job_4"], "HTTP 503");
    expect(exitCodeFor(totals)).toBe(1);
    expect(formatSummary(totals)).toBe(
      [
        "Replayed 1, skipped 1, failed 2.",
        "Skipped:",
        "  job_2  not_dead_lettered",
        "Failed (still dead_lettered; run again to retry):",
        "  job_3  HTTP 503",
        "  job_4  HTTP 503",
      ].join("\n"),
    );
  });

  it("takes only y or yes as consent", () => {
    expect(["y", "Y", "yes", " YES "].map(isYes)).toEqual([true, true, true, true]);
    expect(["", "n", "no", "yep", "sure"].map(isYes)).toEqual([false, false, false, false, false]);
  });
});

// --- A tiny fake of the admin API ------------------------------------------------------------

interface FakeAdmin {
  url: string;
  requests: ReplayRequest[];
  /** Jobs still dead-lettered, in newest-first order. */
  jobs: string[];
  /** Job ids the fake reports in `failed` when replayed. */
  failJobs: Set<string>;
  /** Answer every non-dry-run call with this HTTP status. */
  failReplayCallsWith?: number;
  server: Server;
}

async function startFakeAdmin(jobs: string[]): Promise<FakeAdmin> {
  const fake = { requests: [], jobs: [...jobs], failJobs: new Set<string>() } as unknown as FakeAdmin;
  fake.server = createServer(async (req, res) => {
    let raw = "";
    for await (const part of req) raw += part;
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== "/v1/admin/dead-letters/replay") return reply(404, {});
    if (req.headers.authorization !== `Bearer ${ADMIN_KEY}`) return reply(401, { code: "unauthorized" });
    const body = JSON.parse(raw) as ReplayRequest;
    fake.requests.push(body);
    if (!body.dry_run && fake.failReplayCallsWith) {
      return reply(fake.failReplayCallsWith, { code: "service_unavailable", detail: "try later" });
    }
    const selected = body.ids ?? fake.jobs.slice(0, body.limit ?? 100);
    const answer: ReplayResponse = { dry_run: body.dry_run ?? false, replayed: [], skipped: [], failed: [] };
    for (const id of selected) {
      if (!fake.jobs.includes(id)) answer.skipped.push({ id, reason: "not_dead_lettered" });
      else if (!body.dry_run && fake.failJobs.has(id))
        answer.failed.push({ job_id: id, error: "queue down" });
      else {
        answer.replayed.push({
          job_id: id,
          dead_letter_id: id.replace("job_", "dl_"),
          provider: "demo",
          error: { code: "provider_unavailable", message: "upstream 503" },
          dead_lettered_at: "2026-11-21T12:00:00.000Z",
        });
        if (!body.dry_run) fake.jobs = fake.jobs.filter((j) => j !== id);
      }
    }
    reply(200, answer);
  });
  await new Promise<void>((ok) => fake.server.listen(0, "127.0.0.1", ok));
  fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  return fake;
}

let running: FakeAdmin | undefined;
afterEach(async () => {
  await new Promise((ok) => running?.server.close(ok) ?? ok(undefined));
  running = undefined;
});

function runScript(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((ok, fail) => {
    const child = spawn(resolve(root, "node_modules/.bin/tsx"), ["scripts/dlq-replay.ts", ...args], {
      cwd: root,
      env: {
        ...process.env,
        GENQUEUE_ADMIN_KEY: ADMIN_KEY,
        CREDENTIALS_PATH: resolve(root, ".local/does-not-exist.json"),
        ...env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.stdin.end();
    child.on("error", fail);
    child.on("close", (code) => ok({ code, stdout, stderr }));
  });
}

const jobIds = (n: number) => Array.from({ length: n }, (_, i) => `job_${String(i).padStart(4, "0")}`);

describe("scripts/dlq-replay.ts against a fake admin API", { timeout: 60_000 }, () => {
  it("lists, replays in chunks of 25 and exits 0 with a summary", async () => {
    running = await startFakeAdmin(jobIds(30));

    const run = await runScript(["--url", running.url, "--yes", "--error-code", "provider_unavailable"]);

    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/JOB ID\s+ERROR CODE\s+PROVIDER\s+DEAD-LETTERED AT/);
    expect(run.stdout).toContain("[25/30] replayed 25, skipped 0, failed 0");
    expect(run.stdout).toContain("[30/30] replayed 30, skipped 0, failed 0");
    expect(run.stdout).toContain("Replayed 30, skipped 0, failed 0.");
    expect(running.requests.map((r) => [r.dry_run, r.ids?.length ?? "filter"])).toEqual([
      [true, "filter"],
      [false, 25],
      [false, 5],
    ]);
    expect(running.requests[0]?.filter).toEqual({ error_code: "provider_unavailable" });
    expect(running.jobs).toEqual([]);
  });

  it("exits non-zero and names the job when the API reports a failure", async () => {
    running = await startFakeAdmin(jobIds(3));
    running.failJobs.add("job_0001");

    const run = await runScript(["--url", running.url, "--yes"]);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Replayed 2, skipped 0, failed 1.");
    expect(run.stdout).toContain("job_0001  queue down");
  });

  it("exits non-zero when a replay call itself fails, counting its jobs as failed", async () => {
    running = await startFakeAdmin(jobIds(2));
    running.failReplayCallsWith = 503;

    const run = await runScript(["--url", running.url, "--yes", "--job", "job_0000", "--job", "job_0001"]);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("failed 2.");
    expect(run.stdout).toContain("HTTP 503 service_unavailable: try later");
  });

  it("refuses without --yes when stdin is not a terminal, before calling the API", async () => {
    running = await startFakeAdmin(jobIds(2));

    const run = await runScript(["--url", running.url]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/stdin is not a terminal.*--yes/);
    expect(running.requests).toEqual([]);
    expect(running.jobs).toHaveLength(2);
  });

  it("only lists on --dry-run, without asking", async () => {
    running = await startFakeAdmin(jobIds(2));

    const run = await runScript(["--url", running.url, "--dry-run"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Dry run: 2 jobs would be replayed.");
    expect(running.requests).toEqual([{ filter: {}, dry_run: true }]);
  });

  it("exits 2 with the usage on a bad option", async () => {
    const run = await runScript(["--limit", "9999"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--limit must be");
    expect(run.stderr).toContain("Usage: npm run dlq:replay");
  });
});

describe("postReplay", () => {
  it("turns a problem+json answer into an error with its code", async () => {
    running = await startFakeAdmin([]);
    await expect(
      postReplay({ url: running.url, adminKey: "gq_wrong" }, { filter: {}, dry_run: true }),
    ).rejects.toThrow("HTTP 401 unauthorized");
  });
});

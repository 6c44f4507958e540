// npm start's quiet output filter, on lines captured from `npm start` (wrangler 4.156, offline).
import { describe, expect, it } from "vitest";
import { createDevLogFilter } from "../../scripts/lib/dev-log";

const at = new Date(2026, 11, 3, 14, 36, 11);
const run = (lines: string[]) => {
  const filter = createDevLogFilter({ now: () => at });
  return lines.map(filter).filter((l): l is string => l !== null);
};

const STARTUP = [
  "",
  " ⛅️ wrangler 4.156.2 (update available 4.164.0)",
  "───────────────────────────────────────────────",
  "[custom build] Running: tsx scripts/vendor-assets.ts",
  "[custom build] producer/public/vendor/: up to date",
  "[custom build] ",
  "Using secrets defined in .local/dev.env",
  "genqueue-producer has access to the following bindings:",
  "Binding                                                                       Resource                  Mode",
  "env.TOKEN_BUCKET (TokenBucket, defined in genqueue-consumer)                  Durable Object            local [not connected]",
  'env.MAX_BODY_BYTES ("65536")                                                  Environment Variable      local',
  "",
  "Service bindings, Durable Object bindings, and Tail consumers connect to other Wrangler or Vite dev processes running locally, with their connection status indicated by [connected] or [not connected]. For more details, refer to https://developers.cloudflare.com/workers/runtime-apis/bindings/service-bindings/#local-development",
  "[wrangler:warn] Unable to fetch the `Request.cf` object! Falling back to a default placeholder...",
  "Error: getaddrinfo ENOTFOUND workers.cloudflare.com",
  "    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:122:26)",
  "    at GetAddrInfoReqWrap.callbackTrampoline (node:internal/async_hooks:130:17)",
  "⎔ Starting local server...",
  "[wrangler:info] Ready on http://localhost:18787",
];

const SCHEDULED_HINT = [
  "\u001b[33m▲ \u001b[43;33m[\u001b[43;30mWARNING\u001b[43;33m]\u001b[0m \u001b[1mScheduled Workers are not automatically triggered during local development.\u001b[0m",
  "",
  "  To manually trigger a scheduled event, run:",
  '    curl "http://localhost:18787/cdn-cgi/local/scheduled"',
  "  For more details, see \u001b[4mhttps://developers.cloudflare.com/workers/configuration/cron-triggers/#test-cron-triggers-locally\u001b[0m",
  "",
];

const WORKERD_LOOKUP = [
  "\u001b[31m✘ \u001b[41;31m[\u001b[41;97mERROR\u001b[41;31m]\u001b[0m \u001b[1me = rust/worker/ffi.rs:110: failed: failed to lookup address information: Name or service not known\u001b[0m",
  "",
  "  stack: /work/main/node_modules/@cloudflare/workerd-linux-64/bin/workerd@383c3f9 /work/main/node_modules/@cloudflare/workerd-linux-64/bin/workerd@28a3c60; sentryErrorContext = jsgInternalError; wdErrId = sl84l38gl2b2otgerbih7gbp",
  "",
];

describe("npm start's quiet output", () => {
  it("drops the start-up banner, binding tables, hints and the offline Request.cf trace", () => {
    expect(run([...STARTUP, ...SCHEDULED_HINT])).toEqual([]);
  });

  it("prints one short line per request", () => {
    expect(
      run([
        "[wrangler:info] POST /v1/jobs 202 Accepted (103ms)",
        "[wrangler:info] GET /health 200 OK (5072ms)",
      ]),
    ).toEqual(["14:36:11 POST /v1/jobs 202 103ms", "14:36:11 GET /health 200 5072ms"]);
  });

  it("turns the consumer's JSON lines into short job lines, without the duplicate ack", () => {
    const lines = [
      '[genqueue-consumer] {"level":"info","msg":"job succeeded","job_id":"job_waal4loc0vzly3xzb78v","request_id":"req_0bwm02s8ve6vh275c0bn","provider":"demo","images":1}',
      '[genqueue-consumer] {"level":"info","msg":"job message handled","job_id":"job_waal4loc0vzly3xzb78v","request_id":"req_0bwm02s8ve6vh275c0bn","decision":"ack","reason":"succeeded"}',
      "[wrangler:info] QUEUE genqueue-jobs 1/1 (391ms)",
      '[genqueue-consumer] {"level":"warn","msg":"provider call failed","job_id":"job_x","provider":"openai","code":"provider_unavailable","message":"upstream 503"}',
      '[genqueue-consumer] {"level":"info","msg":"job message handled","job_id":"job_x","decision":"retry","reason":"provider_unavailable"}',
      "[wrangler:info] QUEUE genqueue-jobs 0/1 (12ms)",
    ];
    expect(run(lines)).toEqual([
      "14:36:11 job_waal4loc0vzly3xzb78v job succeeded provider=demo images=1",
      '14:36:11 WARN job_x provider call failed provider=openai code=provider_unavailable message="upstream 503"',
      "14:36:11 job_x job message handled decision=retry reason=provider_unavailable",
      "14:36:11 WARN queue genqueue-jobs: 0 of 1 messages acked",
    ]);
  });

  it("keeps the consumer's line of a failed webhook attempt and drops workerd's lookup trace", () => {
    const lines = [
      '[genqueue-consumer] {"level":"info","msg":"webhook attempt failed, retry scheduled","event_id":"msg_1","job_id":"job_i","result":"network_error","error":"network error: internal error","attempt":1,"delay_seconds":5}',
      "[wrangler:info] QUEUE genqueue-webhooks 1/1 (37ms)",
      ...WORKERD_LOOKUP,
    ];
    expect(run(lines)).toEqual([
      '14:36:11 job_i webhook attempt failed, retry scheduled event_id=msg_1 result=network_error error="network error: internal error" attempt=1 delay_seconds=5',
    ]);
  });

  it("unwraps a Worker's console.warn line from wrangler's WARNING label", () => {
    const line =
      '\u001b[33m▲ \u001b[43;33m[\u001b[43;30mWARNING\u001b[43;33m]\u001b[0m \u001b[1m{"level":"warn","msg":"re-sent messages for stale jobs","count":1}\u001b[0m';
    expect(run([line])).toEqual(["14:36:11 WARN re-sent messages for stale jobs count=1"]);
  });

  it("shortens the housekeeping report", () => {
    const line =
      '[genqueue-consumer] {"level":"info","msg":"housekeeping ran","stale_jobs_resent":1,"idempotency_keys_purged":0}';
    expect(run([line])).toEqual(["14:36:11 housekeeping ran stale_jobs_resent=1 idempotency_keys_purged=0"]);
  });

  it("keeps real errors, their traces, reloads and build failures as they are", () => {
    const lines = [
      "⎔ Reloading local server...",
      "✘ [ERROR] Build failed with 1 error:",
      '  producer/src/index.ts:3:7: ERROR: Expected ";" but found "x"',
      "✘ [ERROR] Uncaught TypeError: Cannot read properties of undefined (reading 'id')",
      "    at handler (producer/src/routes/jobs.get.ts:20:5)",
      '{"level":"error","msg":"unhandled error","request_id":"req_1","error":"boom"}',
    ];
    expect(run(lines)).toEqual([
      "⎔ Reloading local server...",
      "✘ [ERROR] Build failed with 1 error:",
      '  producer/src/index.ts:3:7: ERROR: Expected ";" but found "x"',
      "✘ [ERROR] Uncaught TypeError: Cannot read properties of undefined (reading 'id')",
      "    at handler (producer/src/routes/jobs.get.ts:20:5)",
      "14:36:11 ERROR unhandled error error=boom",
    ]);
  });

  it("stops dropping a trace at the first line that is not part of it", () => {
    const lines = [
      "[wrangler:warn] Unable to fetch the `Request.cf` object! Falling back to a default placeholder...",
      "Error: getaddrinfo ENOTFOUND workers.cloudflare.com",
      "✘ [ERROR] Uncaught Error: boom",
      "    at run (consumers/src/index.ts:1:1)",
    ];
    expect(run(lines)).toEqual(["✘ [ERROR] Uncaught Error: boom", "    at run (consumers/src/index.ts:1:1)"]);
  });
});

// npm start's quiet filter (scripts/lib/dev-log.ts) on the lines the observability logger writes:
// the ids every line now carries stay out of the short line, and a request line, which wrangler's
// own request line already says, is dropped.
import { describe, expect, it } from "vitest";
import { createDevLogFilter } from "../../scripts/lib/dev-log";

const at = new Date(2026, 11, 3, 14, 36, 11);
const run = (lines: string[]) => {
  const filter = createDevLogFilter({ now: () => at });
  return lines.map(filter).filter((l): l is string => l !== null);
};

describe("npm start's quiet output, with scoped log lines", () => {
  it("shows a consumer line without its instance, request and job ids (the job id leads)", () => {
    expect(
      run([
        '[genqueue-consumer] {"level":"warn","msg":"provider call failed","job_id":"job_x","instance_id":"ins_abc","request_id":"req_1","provider":"demo","code":"provider_timeout"}',
      ]),
    ).toEqual(["14:36:11 WARN job_x provider call failed provider=demo code=provider_timeout"]);
  });

  it("drops the producer's request line, and keeps its other lines", () => {
    expect(
      run([
        '▲ [WARNING] {"level":"warn","msg":"request","request_id":"req_1","instance_id":"ins_1","method":"GET","path":"/v1/jobs/job_1","route":"/v1/jobs/:id","status":404,"duration_ms":3}',
        '✘ [ERROR] {"level":"error","msg":"unhandled error","request_id":"req_2","instance_id":"ins_1","error":"boom"}',
      ]),
    ).toEqual(["14:36:11 ERROR unhandled error error=boom"]);
  });
});

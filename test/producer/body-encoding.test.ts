// JSON is UTF-8: a body with bytes that are not is refused as malformed JSON, never read with
// U+FFFD in their place and stored altered (issue 21). Valid multi-byte text passes untouched.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedTenant } from "../support/tenant";
import { call, countJobs, expectProblem, jobBody } from "./helpers";

const encoder = new TextEncoder();

function bodyWith(prompt: Uint8Array): Uint8Array {
  const [head = "", tail = ""] = JSON.stringify(jobBody({ input: { prompt: "@@" } })).split("@@");
  return new Uint8Array([...encoder.encode(head), ...prompt, ...encoder.encode(tail)]);
}

describe("the JSON body's encoding", () => {
  it.each([
    ["a lone continuation byte", [0x80]],
    ["a truncated 2-byte sequence", [0x61, 0xc3]],
    ["an overlong encoding of '/'", [0xc0, 0xaf]],
    ["a UTF-16 surrogate encoded as UTF-8", [0xed, 0xa0, 0x80]],
    ["Latin-1 é", [0xe9]],
  ])("answers 400 malformed_json for %s, and creates no job", async (_name, bytes) => {
    const t = await seedTenant(env.DB);
    const res = await call("/v1/jobs", {
      method: "POST",
      headers: { authorization: `Bearer ${t.userKey}`, "content-type": "application/json" },
      body: bodyWith(new Uint8Array(bytes)),
    });
    const problem = await expectProblem(res, 400, "malformed_json");
    expect(problem.detail).toContain("UTF-8");
    expect(await countJobs(t.instanceId)).toBe(0);
  });

  it("keeps valid multi-byte text exactly as sent", async () => {
    const t = await seedTenant(env.DB);
    const prompt = "phare au crépuscule, 灯台, 🌅";
    const res = await call("/v1/jobs", {
      method: "POST",
      headers: { authorization: `Bearer ${t.userKey}`, "content-type": "application/json" },
      body: bodyWith(encoder.encode(prompt)),
    });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { input: { prompt: string } }).input.prompt).toBe(prompt);
  });
});

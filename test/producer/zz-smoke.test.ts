import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, it } from "vitest";
import app from "../../producer/src/index";

it("smoke", async () => {
  const res = await exports.default.fetch(new Request("https://api.test/openapi.json"));
  const doc = (await res.json()) as any;
  for (const [p, ops] of Object.entries<any>(doc.paths)) for (const [m, op] of Object.entries<any>(ops)) console.log(m, p, JSON.stringify(Object.fromEntries(Object.entries<any>(op.responses).map(([s, r]) => [s, r["x-error-codes"]]))));
  console.log(Object.keys({ ...env }));
  const r = await app.request("/health", {}, { ...env }, createExecutionContext());
  console.log(r.status, await r.text());
  expect(1).toBe(1);
});

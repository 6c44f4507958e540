// An instance's own provider prices (what provider selection ranks by instead of list prices):
// set, listed, removed, audited; admin keys only, scoped to the key's instance.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/db/client";
import { instancePrices } from "../../shared/db/queries/provider-prices";
import { authHeaders, seedTenant } from "../support/tenant";
import { call, expectProblem, rows } from "./helpers";

const PRICES = "/v1/admin/provider-prices";

function send(key: string, path: string, method = "GET", body?: unknown): Promise<Response> {
  const headers: Record<string, string> = authHeaders(key);
  if (body !== undefined) headers["content-type"] = "application/json";
  return call(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

describe("/v1/admin/provider-prices", () => {
  it("sets, lists in the providers' order, and removes an instance's prices", async () => {
    const t = await seedTenant(env.DB);
    const put = await send(t.adminKey, `${PRICES}/stability`, "PUT", { per_image_usd: 0.025 });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(await put.json()).toEqual({ provider: "stability", per_image_usd: 0.025 });
    await send(t.adminKey, `${PRICES}/openai`, "PUT", { per_image_usd: 0 });
    await send(t.adminKey, `${PRICES}/stability`, "PUT", { per_image_usd: 0.02 });

    const list = await send(t.adminKey, PRICES);
    expect(await list.json()).toEqual({
      object: "list",
      data: [
        { provider: "openai", per_image_usd: 0 },
        { provider: "stability", per_image_usd: 0.02 },
      ],
    });
    // The consumer's read sees the same prices.
    expect(await instancePrices(createDb(env.DB), t.instanceId)).toEqual(
      new Map([
        ["openai", 0],
        ["stability", 0.02],
      ]),
    );

    expect((await send(t.adminKey, `${PRICES}/stability`, "DELETE")).status).toBe(204);
    expect((await send(t.adminKey, `${PRICES}/stability`, "DELETE")).status).toBe(204);
    expect(((await (await send(t.adminKey, PRICES)).json()) as { data: unknown[] }).data).toEqual([
      { provider: "openai", per_image_usd: 0 },
    ]);
  });

  it("audits each change with the price before and after, and not a no-op delete", async () => {
    const t = await seedTenant(env.DB);
    await send(t.adminKey, `${PRICES}/ideogram`, "PUT", { per_image_usd: 0.05 });
    await send(t.adminKey, `${PRICES}/ideogram`, "DELETE");
    await send(t.adminKey, `${PRICES}/ideogram`, "DELETE");
    const audit = await rows<{ action: string; resource_id: string; before: string; after: string }>(
      "SELECT action, resource_id, before, after FROM audit_log WHERE resource_type = 'provider_price' AND resource_id = ? ORDER BY created_at, rowid",
      `${t.instanceId}/ideogram`,
    );
    expect(
      audit.map((a) => [a.action, JSON.parse(a.before).per_image_usd, JSON.parse(a.after).per_image_usd]),
    ).toEqual([
      ["provider_price.update", null, 0.05],
      ["provider_price.delete", 0.05, null],
    ]);
  });

  it("refuses an unknown provider, a negative price and extra fields with a 400", async () => {
    const t = await seedTenant(env.DB);
    await expectProblem(
      await send(t.adminKey, `${PRICES}/dalle`, "PUT", { per_image_usd: 1 }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await send(t.adminKey, `${PRICES}/openai`, "PUT", { per_image_usd: -1 }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await send(t.adminKey, `${PRICES}/openai`, "PUT", { per_image_usd: 1, model: "x" }),
      400,
      "validation_failed",
    );
  });

  it("is for admin keys: a user key gets 403", async () => {
    const t = await seedTenant(env.DB);
    await expectProblem(
      await send(t.userKey, `${PRICES}/openai`, "PUT", { per_image_usd: 1 }),
      403,
      "forbidden",
    );
    await expectProblem(await send(t.userKey, PRICES), 403, "forbidden");
  });
});

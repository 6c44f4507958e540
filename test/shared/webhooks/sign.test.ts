import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  buildWebhookBody,
  defaultWebhookEvents,
  eventForStatus,
  wantsEvent,
  webhookEventTypes,
} from "../../../shared/webhooks/payload";
import { generateWebhookSecret } from "../../../shared/webhooks/secret";
import { signWebhook, verifyWebhook, webhookHeaders } from "../../../shared/webhooks/sign";

// The reference library checks the timestamp against the real clock, so messages are stamped "now".
const nowSeconds = () => Math.floor(Date.now() / 1000);
const job = { id: "job_abc123", status: "succeeded", output: { images: [{ url: "https://x/y.png" }] } };

function message(type: (typeof webhookEventTypes)[number] = "job.succeeded") {
  const timestamp = nowSeconds();
  return {
    id: "msg_0123456789abcdef",
    timestamp,
    body: buildWebhookBody(type, new Date(timestamp * 1000), job),
  };
}

describe("signWebhook against the standardwebhooks reference library", () => {
  it.each(webhookEventTypes)("produces a signature the library verifies for %s", async (type) => {
    const secret = generateWebhookSecret();
    const msg = message(type);
    const headers = await webhookHeaders(msg, [secret]);
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["webhook-id"]).toBe(msg.id);
    expect(headers["webhook-timestamp"]).toBe(String(msg.timestamp));
    expect(new Webhook(secret).verify(msg.body, { ...headers })).toEqual({
      type,
      timestamp: new Date(msg.timestamp * 1000).toISOString(),
      data: job,
    });
  });

  it("matches the library's own signature byte for byte", async () => {
    const secret = generateWebhookSecret();
    const msg = message();
    const ours = await signWebhook(msg, [secret]);
    expect(ours).toBe(new Webhook(secret).sign(msg.id, new Date(msg.timestamp * 1000), msg.body));
  });

  it("sends one signature per secret during rotation, each verifiable alone", async () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const msg = message();
    const headers = await webhookHeaders(msg, [oldSecret, newSecret]);
    const parts = headers["webhook-signature"].split(" ");
    expect(parts).toHaveLength(2);
    for (const p of parts) expect(p).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(() => new Webhook(oldSecret).verify(msg.body, { ...headers })).not.toThrow();
    expect(() => new Webhook(newSecret).verify(msg.body, { ...headers })).not.toThrow();
    expect(await verifyWebhook(headers, msg.body, oldSecret, { now: msg.timestamp })).toBe(true);
    expect(await verifyWebhook(headers, msg.body, newSecret, { now: msg.timestamp })).toBe(true);
    expect(() => new Webhook(generateWebhookSecret()).verify(msg.body, { ...headers })).toThrow();
  });

  it("rejects a tampered body or timestamp, in the library and in verifyWebhook", async () => {
    const secret = generateWebhookSecret();
    const msg = message();
    const headers = await webhookHeaders(msg, [secret]);
    const tamperedBody = msg.body.replace("succeeded", "failed");
    const tamperedTs = { ...headers, "webhook-timestamp": String(msg.timestamp - 1) };
    const lib = new Webhook(secret);
    expect(() => lib.verify(tamperedBody, { ...headers })).toThrow(/No matching signature/);
    expect(() => lib.verify(msg.body, tamperedTs)).toThrow(/No matching signature/);
    expect(await verifyWebhook(headers, tamperedBody, secret, { now: msg.timestamp })).toBe(false);
    expect(await verifyWebhook(tamperedTs, msg.body, secret, { now: msg.timestamp })).toBe(false);
  });

  it("refuses to sign without a secret or with a fractional timestamp", async () => {
    await expect(signWebhook(message(), [])).rejects.toThrow(/at least one secret/);
    await expect(signWebhook({ ...message(), timestamp: 1.5 }, [generateWebhookSecret()])).rejects.toThrow(
      /unix seconds/,
    );
  });
});

describe("verifyWebhook", () => {
  it("agrees with the library on signatures the library makes", async () => {
    const secret = generateWebhookSecret();
    const msg = message();
    const headers = {
      "Webhook-Id": msg.id,
      "Webhook-Timestamp": String(msg.timestamp),
      "Webhook-Signature": new Webhook(secret).sign(msg.id, new Date(msg.timestamp * 1000), msg.body),
    };
    expect(await verifyWebhook(headers, msg.body, secret, { now: msg.timestamp })).toBe(true);
    expect(await verifyWebhook(new Headers(headers), msg.body, secret, { now: msg.timestamp })).toBe(true);
  });

  it("enforces the tolerance window in both directions", async () => {
    const secret = generateWebhookSecret();
    const msg = { id: "msg_1", timestamp: 1_700_000_000, body: "{}" };
    const headers = await webhookHeaders(msg, [secret]);
    const at = (now: number, toleranceSeconds?: number) =>
      verifyWebhook(headers, msg.body, secret, { now, toleranceSeconds });
    expect(await at(msg.timestamp + 300)).toBe(true);
    expect(await at(msg.timestamp + 301)).toBe(false);
    expect(await at(msg.timestamp - 301)).toBe(false);
    expect(await at(msg.timestamp + 30, 10)).toBe(false);
  });

  it("ignores other signature versions and rejects missing or malformed headers", async () => {
    const secret = generateWebhookSecret();
    const msg = message();
    const headers = await webhookHeaders(msg, [secret]);
    const sig = headers["webhook-signature"].slice(3);
    const opts = { now: msg.timestamp };
    expect(
      await verifyWebhook({ ...headers, "webhook-signature": `v1a,${sig}` }, msg.body, secret, opts),
    ).toBe(false);
    expect(
      await verifyWebhook({ ...headers, "webhook-signature": `v2,x v1,${sig}` }, msg.body, secret, opts),
    ).toBe(true);
    expect(await verifyWebhook({ ...headers, "webhook-id": undefined }, msg.body, secret, opts)).toBe(false);
    expect(await verifyWebhook({ ...headers, "webhook-timestamp": "12e3" }, msg.body, secret, opts)).toBe(
      false,
    );
  });
});

describe("payload", () => {
  it("maps job statuses to event types", () => {
    expect(eventForStatus("running")).toBe("job.started");
    expect(eventForStatus("succeeded")).toBe("job.succeeded");
    expect(eventForStatus("failed")).toBe("job.failed");
    expect(eventForStatus("dead_lettered")).toBe("job.dead_lettered");
    expect(eventForStatus("canceled")).toBe("job.canceled");
    expect(eventForStatus("queued")).toBeNull();
  });

  it("builds a {type, timestamp, data} body with an ISO timestamp", () => {
    const body = buildWebhookBody("job.failed", new Date(Date.UTC(2025, 0, 2, 3, 4, 5)), { id: "job_1" });
    expect(body).toBe('{"type":"job.failed","timestamp":"2025-01-02T03:04:05.000Z","data":{"id":"job_1"}}');
  });

  it("defaults to every event but job.started, and honours an explicit filter", () => {
    expect(defaultWebhookEvents).toEqual([
      "job.succeeded",
      "job.failed",
      "job.dead_lettered",
      "job.canceled",
    ]);
    expect(wantsEvent(null, "job.started")).toBe(false);
    expect(wantsEvent(null, "job.canceled")).toBe(true);
    expect(wantsEvent(["job.started"], "job.started")).toBe(true);
    expect(wantsEvent(["job.started"], "job.succeeded")).toBe(false);
    expect(wantsEvent([], "job.succeeded")).toBe(false);
  });
});

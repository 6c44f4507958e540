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
import { signWebhook, webhookHeaders } from "../../../shared/webhooks/sign";

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
    expect(() => new Webhook(generateWebhookSecret()).verify(msg.body, { ...headers })).toThrow();
  });

  it("is rejected by the library after its body or timestamp is tampered with", async () => {
    const secret = generateWebhookSecret();
    const msg = message();
    const headers = await webhookHeaders(msg, [secret]);
    const tamperedBody = msg.body.replace("succeeded", "failed");
    const tamperedTs = { ...headers, "webhook-timestamp": String(msg.timestamp - 1) };
    const lib = new Webhook(secret);
    expect(() => lib.verify(tamperedBody, { ...headers })).toThrow(/No matching signature/);
    expect(() => lib.verify(msg.body, tamperedTs)).toThrow(/No matching signature/);
  });

  it("refuses to sign without a secret or with a fractional timestamp", async () => {
    await expect(signWebhook(message(), [])).rejects.toThrow(/at least one secret/);
    await expect(signWebhook({ ...message(), timestamp: 1.5 }, [generateWebhookSecret()])).rejects.toThrow(
      /unix seconds/,
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

// One webhook delivery attempt: the event's signed body POSTed to its URL, the attempt recorded,
// and the next step decided from the answer (delivered, gone, retry later, or give up).
// `fetch` is injected: tests answer with scripted receivers that verify every signature.
import { consumerConfig, isLocal } from "../../shared/config";
import type { Db } from "../../shared/db/client";
import {
  allocateAttempt,
  finishEventStatement,
  getEventForDelivery,
  insertAttemptStatement,
  markUrlGoneStatement,
  type WebhookEventRow,
} from "../../shared/db/queries/webhooks";
import { type WebhookDeliveryMessage, WebhookDeliveryMessageSchema } from "../../shared/webhooks/message";
import { signingSecrets, withWebhookSecret } from "../../shared/webhooks/projects";
import {
  deliveryOutcome,
  type DeliveryOutcome,
  planHops,
  retryAfterSeconds,
  retryStepSeconds,
} from "../../shared/webhooks/schedule";
import { webhookHeaders } from "../../shared/webhooks/sign";
import { checkWebhookUrl } from "../../shared/webhooks/url-safety";
import { log } from "./log";

export interface WebhookEnv {
  ENVIRONMENT?: string;
  WEBHOOK_TIMEOUT_MS?: string;
  WEBHOOKS: Queue<WebhookDeliveryMessage>;
  WEBHOOKS_DLQ: Queue<WebhookDeliveryMessage>;
}

export interface DeliverDeps {
  db: Db;
  env: WebhookEnv;
  fetch: typeof fetch;
  now: () => number;
}

export type DeliveryResult =
  | { kind: "skipped"; reason: string }
  | { kind: "hop"; delaySeconds: number; remainingSeconds: number }
  | { kind: "refused"; reason: string }
  | { kind: "gone" }
  | { kind: "delivered"; attempt: number; statusCode: number }
  | { kind: "retry_scheduled"; attempt: number; delaySeconds: number; nextAttemptAt: number }
  | { kind: "exhausted"; attempt: number };

const USER_AGENT = "genqueue-webhooks/1";
/** Kept in the attempt row: enough to say what went wrong, never a whole error page. */
const MAX_ERROR_CHARS = 500;

type FetchResult =
  | { result: number; response: Response; error: string | null }
  | { result: "timeout" | "network_error"; response: null; error: string };

async function post(deps: DeliverDeps, event: WebhookEventRow, secrets: string[]): Promise<FetchResult> {
  const timestamp = Math.floor(deps.now() / 1000);
  const headers = await webhookHeaders({ id: event.id, timestamp, body: event.body }, secrets);
  // Called detached: workerd's global fetch throws "Illegal invocation" when called as `deps.fetch(...)`.
  const send = deps.fetch;
  try {
    const response = await send(event.url, {
      method: "POST",
      headers: { ...headers, "user-agent": USER_AGENT },
      body: event.body,
      // A redirect is a failure, never followed: its target never passed the URL check.
      redirect: "manual",
      signal: AbortSignal.timeout(consumerConfig(deps.env).WEBHOOK_TIMEOUT_MS),
    });
    // Only the status matters; free the connection.
    await response.body?.cancel().catch(() => undefined);
    const error =
      response.status >= 200 && response.status <= 299
        ? null
        : `HTTP ${response.status} ${response.statusText}`.trim();
    return { result: response.status, response, error };
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    const message = error instanceof Error ? error.message : String(error);
    if (name === "TimeoutError" || name === "AbortError") {
      return { result: "timeout", response: null, error: `timeout: ${message}`.slice(0, MAX_ERROR_CHARS) };
    }
    return {
      result: "network_error",
      response: null,
      error: `network error: ${message}`.slice(0, MAX_ERROR_CHARS),
    };
  }
}

/** One message of the webhooks queue. Throws only on infrastructure failures (D1, the queue). */
export async function deliverWebhook(
  deps: DeliverDeps,
  message: WebhookDeliveryMessage,
): Promise<DeliveryResult> {
  const msg = WebhookDeliveryMessageSchema.parse(message);
  const { db, env } = deps;
  const found = await getEventForDelivery(db, msg.event_id);
  if (!found) return { kind: "skipped", reason: "no such event" };
  const { event, project } = found;
  if (event.status !== "pending") return { kind: "skipped", reason: `event already ${event.status}` };

  if (msg.remaining_seconds > 0) {
    // A long wait travels in hops of at most 12 h: this is a waypoint, not an attempt.
    const [hop] = planHops(msg.remaining_seconds);
    await env.WEBHOOKS.send(
      { ...msg, remaining_seconds: hop!.remainingSeconds },
      { contentType: "json", delaySeconds: hop!.delaySeconds },
    );
    return { kind: "hop", delaySeconds: hop!.delaySeconds, remainingSeconds: hop!.remainingSeconds };
  }

  if (found.urlGone) {
    await finishEventStatement(db, event.id, "gone");
    return { kind: "gone" };
  }
  if (!project) return { kind: "skipped", reason: "project no longer exists" };
  const attempt = await allocateAttempt(db, event.id);
  if (attempt === null) return { kind: "skipped", reason: "event no longer pending" };
  const started = deps.now();

  // Defence in depth: the URL passed this check when it was set, but rules and settings change.
  const check = checkWebhookUrl(event.url, { allowLocalhost: isLocal(env) });
  if (!check.ok) {
    await db.batch([
      insertAttemptStatement(db, {
        eventId: event.id,
        attempt,
        jobId: event.jobId,
        url: event.url,
        statusCode: null,
        durationMs: 0,
        error: `refused: ${check.code}: ${check.message}`,
        nextAttemptAt: null,
        createdAt: started,
      }),
      finishEventStatement(db, event.id, "failed"),
    ]);
    log("warn", "webhook url refused at delivery", {
      event_id: event.id,
      job_id: event.jobId,
      code: check.code,
    });
    return { kind: "refused", reason: check.code };
  }

  const secrets = signingSecrets(await withWebhookSecret(db, project), started);
  const sent = await post(deps, event, secrets);
  const finished = deps.now();
  const outcome: DeliveryOutcome = deliveryOutcome(sent.result);
  const attemptRow = {
    eventId: event.id,
    attempt,
    jobId: event.jobId,
    url: event.url,
    statusCode: typeof sent.result === "number" ? sent.result : null,
    durationMs: Math.max(0, finished - started),
    error: sent.error,
    nextAttemptAt: null as number | null,
    createdAt: started,
  };
  const fields = { event_id: event.id, job_id: event.jobId, attempt, result: sent.result, error: sent.error };

  if (outcome === "delivered") {
    await db.batch([
      insertAttemptStatement(db, attemptRow),
      finishEventStatement(db, event.id, "delivered", finished),
    ]);
    log("info", "webhook delivered", fields);
    return { kind: "delivered", attempt, statusCode: sent.result as number };
  }
  if (outcome === "gone") {
    await db.batch([
      insertAttemptStatement(db, attemptRow),
      finishEventStatement(db, event.id, "gone"),
      markUrlGoneStatement(db, event.instanceId, event.url, finished),
    ]);
    log("warn", "webhook url gone (410): no more deliveries to it", fields);
    return { kind: "gone" };
  }

  const retryAfter = sent.response
    ? retryAfterSeconds(sent.response.status, sent.response.headers.get("retry-after"), new Date(finished))
    : undefined;
  const step = retryStepSeconds(msg.attempt, retryAfter);
  if (step === null) {
    await insertAttemptStatement(db, attemptRow);
    // The dead-letter consumer marks the event failed.
    await env.WEBHOOKS_DLQ.send(msg, { contentType: "json" });
    log("warn", "webhook retries exhausted", fields);
    return { kind: "exhausted", attempt };
  }
  const [hop] = planHops(step);
  const nextAttemptAt = finished + step * 1000;
  await insertAttemptStatement(db, { ...attemptRow, nextAttemptAt });
  await env.WEBHOOKS.send(
    { ...msg, attempt: msg.attempt + 1, remaining_seconds: hop!.remainingSeconds },
    { contentType: "json", delaySeconds: hop!.delaySeconds },
  );
  log("info", "webhook attempt failed, retry scheduled", { ...fields, delay_seconds: step });
  return { kind: "retry_scheduled", attempt, delaySeconds: step, nextAttemptAt };
}

// One webhook delivery attempt: the event's signed body POSTed to its URL, the attempt recorded,
// and the next step decided from the answer (delivered, gone, retry later, or give up).
// `fetch` is injected: tests answer with scripted receivers that verify every signature.
import { consumerConfig, isLocal } from "../../shared/config";
import type { Db } from "../../shared/db/client";
import {
  finishEventStatement,
  getEventForDelivery,
  getProjectWebhook,
  markUrlGoneStatement,
  type ProjectWebhookRow,
  recordAttemptStatement,
  type WebhookAttempt,
} from "../../shared/db/queries/webhooks";
import { MasterKeyError } from "../../shared/providers/keys/crypto";
import { type MasterKeyEnv, masterKeyFrom } from "../../shared/providers/keys/master-key";
import { TtlCache } from "../../shared/ttl-cache";
import {
  type DeliveryCopy,
  type WebhookDeliveryMessage,
  WebhookDeliveryMessageSchema,
} from "../../shared/webhooks/message";
import {
  type OpenedProject,
  openProjectForSigning,
  signingSecrets,
} from "../../shared/webhooks/project-secrets";
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

/** The master key (a secret, so not in the generated types) decrypts the projects' signing secrets. */
export interface WebhookEnv extends MasterKeyEnv {
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

/** What one attempt POSTs: the event's id (the webhook-id), URL and signed body. */
interface Outgoing {
  id: string;
  jobId: string;
  instanceId: string;
  url: string;
  body: string;
}

async function post(deps: DeliverDeps, event: Outgoing, secrets: string[]): Promise<FetchResult> {
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

/**
 * Projects' signing secrets, decrypted, per isolate for a minute (at most 10,000 projects): the
 * copy-carrying delivery then reads and decrypts nothing. A rotation's previous secret keeps signing
 * for 24 h, so a minute-old copy still signs with a secret receivers accept; only a receiver that
 * drops the old secret within that minute of the rotation sees signatures it no longer checks.
 */
const SIGNING_CACHE_TTL_MS = 60_000;
type Signing = OpenedProject & { current: string };
const signingCache = new TtlCache<Signing | null>(SIGNING_CACHE_TTL_MS, 10_000);

/** The master key, or null when it is not set or not usable (a plaintext secret still signs then). */
async function usableMasterKey(env: object): Promise<CryptoKey | null> {
  try {
    return await masterKeyFrom(env);
  } catch (error) {
    if (!(error instanceof MasterKeyError)) throw error;
    log("error", "webhook secrets: master key unusable", { error: error.message });
    return null;
  }
}

/** The project's secrets, opened (made first if it has none); throws when they cannot be read. */
async function signingOf(deps: DeliverDeps, project: ProjectWebhookRow): Promise<Signing> {
  return openProjectForSigning(deps.db, await usableMasterKey(deps.env), project);
}

async function signingProject(deps: DeliverDeps, projectId: string, now: number): Promise<Signing | null> {
  const cached = signingCache.get(projectId, now);
  if (cached !== undefined) return cached;
  const project = await getProjectWebhook(deps.db, projectId);
  const signing = project ? await signingOf(deps, project) : null;
  signingCache.set(projectId, signing, now);
  return signing;
}

/**
 * URLs this isolate saw answer 410 Gone: a copy-carrying message to one of them takes the row path,
 * which reads the authoritative gone list, so events queued before the 410 are not sent. (Another
 * isolate may still try such an event once; the 410 it gets marks the event gone too.)
 */
const recentlyGone = new TtlCache<true>(10 * 60_000, 10_000);
const goneKey = (instanceId: string, url: string) => `${instanceId}\n${url}`;

type Target =
  | { kind: "skipped"; reason: string }
  | { kind: "target"; event: Outgoing; project: ProjectWebhookRow | Signing | null; urlGone: boolean };

/** The message's own copy: nothing of the event is read (its status is settled by the final UPDATE). */
async function fromCopy(deps: DeliverDeps, eventId: string, copy: DeliveryCopy): Promise<Target> {
  const event = {
    id: eventId,
    jobId: copy.job_id,
    instanceId: copy.instance_id,
    url: copy.url,
    body: copy.body,
  };
  return {
    kind: "target",
    event,
    project: await signingProject(deps, copy.project_id, deps.now()),
    urlGone: false,
  };
}

/** A redelivery (or an older message): the event row, its project and the gone list, in one read. */
async function fromRow(deps: DeliverDeps, eventId: string): Promise<Target> {
  const found = await getEventForDelivery(deps.db, eventId);
  if (!found) return { kind: "skipped", reason: "no such event" };
  if (found.event.status !== "pending")
    return { kind: "skipped", reason: `event already ${found.event.status}` };
  return { kind: "target", event: found.event, project: found.project, urlGone: found.urlGone };
}

/** One message of the webhooks queue. Throws only on infrastructure failures (D1, the queue). */
export async function deliverWebhook(
  deps: DeliverDeps,
  message: WebhookDeliveryMessage,
): Promise<DeliveryResult> {
  const msg = WebhookDeliveryMessageSchema.parse(message);
  const { db, env } = deps;

  // Only a first attempt trusts its copy: a retry reads the row, so a chain whose event was
  // delivered meanwhile (by a redelivery) stops instead of posting again.
  const target =
    msg.delivery &&
    msg.attempt === 1 &&
    msg.remaining_seconds === 0 &&
    !recentlyGone.get(goneKey(msg.delivery.instance_id, msg.delivery.url), deps.now())
      ? await fromCopy(deps, msg.event_id, msg.delivery)
      : await fromRow(deps, msg.event_id);
  if (target.kind === "skipped") return target;

  if (msg.remaining_seconds > 0) {
    // A long wait travels in hops of at most 12 h: this is a waypoint, not an attempt.
    const [hop] = planHops(msg.remaining_seconds);
    await env.WEBHOOKS.send(
      { ...msg, remaining_seconds: hop!.remainingSeconds },
      { contentType: "json", delaySeconds: hop!.delaySeconds },
    );
    return { kind: "hop", delaySeconds: hop!.delaySeconds, remainingSeconds: hop!.remainingSeconds };
  }
  const { event, project } = target;
  if (target.urlGone) {
    await finishEventStatement(db, event.id, "gone");
    return { kind: "gone" };
  }
  if (!project) return { kind: "skipped", reason: "project no longer exists" };
  const started = deps.now();

  // Defence in depth: the URL passed this check when it was set, but rules and settings change.
  const check = checkWebhookUrl(event.url, { allowLocalhost: isLocal(env) });
  if (!check.ok) {
    const refused = {
      ...attemptOf(event, started, started),
      error: `refused: ${check.code}: ${check.message}`,
    };
    await recordAttemptStatement(db, event.id, refused, { status: "failed" });
    log("warn", "webhook url refused at delivery", {
      event_id: event.id,
      job_id: event.jobId,
      code: check.code,
    });
    return { kind: "refused", reason: check.code };
  }

  const signing = "current" in project ? project : await signingOf(deps, project);
  const secrets = signingSecrets(signing, started);
  const sent = await post(deps, event, secrets);
  const finished = deps.now();
  const outcome: DeliveryOutcome = deliveryOutcome(sent.result);
  const attemptRow: Omit<WebhookAttempt, "attempt"> = {
    ...attemptOf(event, started, finished),
    statusCode: typeof sent.result === "number" ? sent.result : null,
    error: sent.error,
  };
  const fields = { event_id: event.id, job_id: event.jobId, result: sent.result, error: sent.error };
  const numbered = (rows: { attempts: number }[]) => rows[0]?.attempts ?? msg.attempt;

  if (outcome === "delivered") {
    const rows = await recordAttemptStatement(db, event.id, attemptRow, {
      status: "delivered",
      deliveredAt: finished,
    });
    const attempt = numbered(rows);
    log("info", "webhook delivered", { ...fields, attempt });
    return { kind: "delivered", attempt, statusCode: sent.result as number };
  }
  if (outcome === "gone") {
    recentlyGone.set(goneKey(event.instanceId, event.url), true, finished);
    await db.batch([
      recordAttemptStatement(db, event.id, attemptRow, { status: "gone" }),
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
    const attempt = numbered(await recordAttemptStatement(db, event.id, attemptRow));
    // The dead-letter consumer marks the event failed.
    await env.WEBHOOKS_DLQ.send(msg, { contentType: "json" });
    log("warn", "webhook retries exhausted", { ...fields, attempt });
    return { kind: "exhausted", attempt };
  }
  const [hop] = planHops(step);
  const nextAttemptAt = finished + step * 1000;
  const attempt = numbered(await recordAttemptStatement(db, event.id, { ...attemptRow, nextAttemptAt }));
  const { delivery: _copy, ...next } = msg;
  await env.WEBHOOKS.send(
    { ...next, attempt: msg.attempt + 1, remaining_seconds: hop!.remainingSeconds },
    { contentType: "json", delaySeconds: hop!.delaySeconds },
  );
  log("info", "webhook attempt failed, retry scheduled", { ...fields, attempt, delay_seconds: step });
  return { kind: "retry_scheduled", attempt, delaySeconds: step, nextAttemptAt };
}

function attemptOf(event: Outgoing, started: number, finished: number): Omit<WebhookAttempt, "attempt"> {
  return {
    url: event.url,
    statusCode: null,
    durationMs: Math.max(0, finished - started),
    error: null,
    nextAttemptAt: null,
    createdAt: started,
  };
}

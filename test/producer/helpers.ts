// Shared by the producer tests: calling the Worker, a spy queue, and the problem+json checks.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import app from "../../producer/src/index";
import { type ErrorCode, type Problem, statusForCode } from "../../shared/errors";
import type { Job } from "../../shared/jobs/schemas";
import { authHeaders } from "../support/tenant";

export const BASE_URL = "https://api.genqueue.test";

/** A request to the real Worker (its own bindings), as a client would send it. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE_URL}${path}`, init));
}

/** A request to the app with some bindings replaced (e.g. `{ JOBS: spy.queue }`). */
export async function callWith(
  bindings: Partial<ProducerEnv>,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.request(`${BASE_URL}${path}`, init, { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** A minimal valid POST /v1/jobs body. */
export function jobBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: "image.generate", input: { prompt: "a lighthouse at dusk, watercolor" }, ...extra };
}

/** RequestInit of a JSON POST with the key; `body` is sent as is when it is a string. */
export function postInit(key: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { ...authHeaders(key), "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

export function getInit(key: string): RequestInit {
  return { headers: authHeaders(key) };
}

/** POST /v1/jobs through the real Worker; asserts the 202 and returns the job. */
export async function createJobViaApi(key: string, body: unknown = jobBody()): Promise<Job> {
  const res = await call("/v1/jobs", postInit(key, body));
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as Job;
}

export interface QueueSpy {
  queue: Queue;
  /** Bodies of the messages sent, in order. */
  sent: unknown[];
  /** How many sends were tried (including failed ones). */
  attempts: () => number;
}

/** A JOBS binding that records each body; "ok" also forwards to the real local queue. */
export function queueSpy(behaviour: "ok" | "fail" = "ok"): QueueSpy {
  const sent: unknown[] = [];
  let attempts = 0;
  const send = async (body: unknown, options?: QueueSendOptions) => {
    attempts++;
    if (behaviour === "fail") throw new Error("queue unavailable (test spy)");
    sent.push(structuredClone(body));
    await env.JOBS.send(body, options);
  };
  const queue = {
    send,
    async sendBatch(messages: Iterable<MessageSendRequest>) {
      for (const message of messages) await send(message.body);
    },
  } as unknown as Queue;
  return { queue, sent, attempts: () => attempts };
}

/**
 * Asserts an RFC 9457 problem: status, stable code, type/title, JSON content type and a
 * `request_id` equal to the `x-request-id` header. Returns the body for further checks.
 */
export async function expectProblem(res: Response, status: number, code: ErrorCode): Promise<Problem> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(statusForCode[code]).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = JSON.parse(text) as Problem;
  expect(body.code, text).toBe(code);
  expect(body.status).toBe(status);
  expect(body.type).toBe(`urn:genqueue:error:${code}`);
  expect(body.title).toEqual(expect.any(String));
  expect(body.title.length).toBeGreaterThan(0);
  const requestId = res.headers.get("x-request-id");
  expect(requestId).toMatch(/^req_[0-9a-z]{20}$/);
  expect(body.request_id).toBe(requestId);
  return body;
}

/** Rows of a raw SQL query against the test D1. */
export async function rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]> {
  return (
    await env.DB.prepare(sql)
      .bind(...params)
      .all<T>()
  ).results;
}

export async function countJobs(instanceId: string): Promise<number> {
  const [row] = await rows<{ n: number }>("SELECT count(*) AS n FROM jobs WHERE instance_id = ?", instanceId);
  return row?.n ?? -1;
}

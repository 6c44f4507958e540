import { describe, expect, it } from "vitest";
import {
  deliveryOutcome,
  isSuccessStatus,
  maxQueueDelaySeconds,
  planHops,
  retryAfterSeconds,
  retryScheduleSeconds,
  retryStepSeconds,
} from "../../../shared/webhooks/schedule";

const MIN = 60;
const HOUR = 3600;
// Immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h after each failure.
/** The delay of the queue message carrying the next attempt, as deliver-webhook.ts computes it. */
function nextAttemptDelaySeconds(attempt: number, retryAfter?: number): number | null {
  const step = retryStepSeconds(attempt, retryAfter);
  return step === null ? null : planHops(step)[0]!.delaySeconds;
}

const SCHEDULE = [5, 5 * MIN, 30 * MIN, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR];

describe("retry schedule", () => {
  it("follows the Standard Webhooks schedule step by step", () => {
    expect(retryScheduleSeconds.length + 1).toBe(10); // attempts in all
    expect(SCHEDULE.map((_, i) => retryStepSeconds(i + 1))).toEqual(SCHEDULE);
  });

  it("gives up after the tenth attempt fails, and on nonsense attempt numbers", () => {
    expect(retryStepSeconds(10)).toBeNull();
    expect(nextAttemptDelaySeconds(10)).toBeNull();
    expect(retryStepSeconds(0)).toBeNull();
    expect(retryStepSeconds(1.5)).toBeNull();
  });

  it("never asks the queue for more than 12 h in one hop", () => {
    const delays = SCHEDULE.map((_, i) => nextAttemptDelaySeconds(i + 1));
    expect(delays).toEqual(SCHEDULE.map((step) => Math.min(step, maxQueueDelaySeconds)));
    expect(nextAttemptDelaySeconds(9)).toBe(43_200);
  });
});

describe("planHops", () => {
  it.each(SCHEDULE)("splits %i s into hops of at most 12 h that sum to the step", (step) => {
    const hops = planHops(step);
    expect(hops.every((h) => h.delaySeconds <= maxQueueDelaySeconds)).toBe(true);
    expect(hops.reduce((s, h) => s + h.delaySeconds, 0)).toBe(step);
    expect(hops.at(-1)!.remainingSeconds).toBe(0);
  });

  it("carries the remaining wait so the consumer can re-plan from the message", () => {
    expect(planHops(20 * HOUR)).toEqual([
      { delaySeconds: 12 * HOUR, remainingSeconds: 8 * HOUR },
      { delaySeconds: 8 * HOUR, remainingSeconds: 0 },
    ]);
    expect(planHops(24 * HOUR)).toEqual([
      { delaySeconds: 12 * HOUR, remainingSeconds: 12 * HOUR },
      { delaySeconds: 12 * HOUR, remainingSeconds: 0 },
    ]);
    // Re-planning from the carried remainder gives the rest of the original plan.
    expect(planHops(planHops(30 * HOUR)[0]!.remainingSeconds)).toEqual(planHops(30 * HOUR).slice(1));
  });

  it("plans a single zero hop for no wait", () => {
    expect(planHops(0)).toEqual([{ delaySeconds: 0, remainingSeconds: 0 }]);
  });
});

describe("Retry-After", () => {
  it("lengthens a step when larger, never shortens it", () => {
    expect(retryStepSeconds(1, 120)).toBe(120);
    expect(retryStepSeconds(3, 60)).toBe(30 * MIN);
    expect(retryStepSeconds(2, 0)).toBe(5 * MIN);
  });

  it("is capped at 24 h", () => {
    expect(retryStepSeconds(1, 7 * 24 * HOUR)).toBe(24 * HOUR);
    expect(nextAttemptDelaySeconds(1, 7 * 24 * HOUR)).toBe(12 * HOUR);
  });

  it("does not extend the number of attempts", () => {
    expect(retryStepSeconds(10, 60)).toBeNull();
  });

  it("is read for 429, 502 and 504 only, as delta-seconds or an HTTP date", () => {
    const now = new Date("2025-01-01T00:00:00Z");
    expect(retryAfterSeconds(429, "120", now)).toBe(120);
    expect(retryAfterSeconds(502, " 30 ", now)).toBe(30);
    expect(retryAfterSeconds(504, "Wed, 01 Jan 2025 00:10:00 GMT", now)).toBe(600);
    expect(retryAfterSeconds(429, "Tue, 31 Dec 2024 23:00:00 GMT", now)).toBe(0);
    expect(retryAfterSeconds(503, "120", now)).toBeUndefined();
    expect(retryAfterSeconds(500, "120", now)).toBeUndefined();
    expect(retryAfterSeconds(429, null, now)).toBeUndefined();
    expect(retryAfterSeconds(429, "soon", now)).toBeUndefined();
    expect(retryAfterSeconds(429, "-5", now)).toBeUndefined();
  });
});

describe("delivery outcome", () => {
  it("counts only 2xx as success", () => {
    for (const s of [200, 201, 202, 204, 299]) expect(isSuccessStatus(s)).toBe(true);
    for (const s of [199, 300, 301, 304, 400, 500]) expect(isSuccessStatus(s)).toBe(false);
  });

  it.each([
    [200, "delivered"],
    [204, "delivered"],
    [410, "gone"],
    [301, "retry"], // redirects are not followed
    [302, "retry"],
    [307, "retry"],
    [308, "retry"],
    [400, "retry"],
    [404, "retry"],
    [429, "retry"],
    [500, "retry"],
    [503, "retry"],
    ["timeout", "retry"],
    ["network_error", "retry"],
  ] as const)("maps %s to %s", (result, outcome) => {
    expect(deliveryOutcome(result)).toBe(outcome);
  });
});

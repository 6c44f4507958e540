// The job state table, pair by pair: every state x event is listed here with the state it must
// lead to (or "-" for refused), so any change to the table shows up as a failing row.
import { describe, expect, it } from "vitest";
import { type JobEventType, type JobStatus, jobEventTypes, jobStatuses } from "../../../shared/jobs/enums";
import { eventsBlockedByCancelRequest, nextState, targetOf } from "../../../shared/jobs/state-machine";
import { resolveMove } from "../../../shared/jobs/transitions";

type Row = Record<JobEventType, JobStatus | "-">;

// biome-ignore format: one row per state reads as the matrix it is
const expected: Record<JobStatus, Row> = {
  queued: {
    queued: "-", running: "running", succeeded: "-", failed: "-", canceled: "canceled",
    dead_lettered: "dead_lettered", retry_scheduled: "-", replayed: "-", cancel_requested: "-",
    provider_fallback: "queued", provider_selected: "queued",
  },
  running: {
    queued: "-", running: "running", succeeded: "succeeded", failed: "failed", canceled: "canceled",
    dead_lettered: "dead_lettered", retry_scheduled: "queued", replayed: "-", cancel_requested: "running",
    provider_fallback: "queued", provider_selected: "-",
  },
  succeeded: {
    queued: "-", running: "-", succeeded: "-", failed: "-", canceled: "-", dead_lettered: "-",
    retry_scheduled: "-", replayed: "-", cancel_requested: "-", provider_fallback: "-",
    provider_selected: "-",
  },
  failed: {
    queued: "-", running: "-", succeeded: "-", failed: "-", canceled: "-", dead_lettered: "-",
    retry_scheduled: "-", replayed: "-", cancel_requested: "-", provider_fallback: "-",
    provider_selected: "-",
  },
  canceled: {
    queued: "-", running: "-", succeeded: "-", failed: "-", canceled: "-", dead_lettered: "-",
    retry_scheduled: "-", replayed: "-", cancel_requested: "-", provider_fallback: "-",
    provider_selected: "-",
  },
  dead_lettered: {
    queued: "-", running: "-", succeeded: "-", failed: "-", canceled: "-", dead_lettered: "-",
    retry_scheduled: "-", replayed: "queued", cancel_requested: "-", provider_fallback: "-",
    provider_selected: "-",
  },
};

const pairs = jobStatuses.flatMap((state) => jobEventTypes.map((event) => [state, event] as const));

describe("job state table", () => {
  it("lists every state and every event in the expected matrix", () => {
    expect(Object.keys(expected).sort()).toEqual([...jobStatuses].sort());
    for (const state of jobStatuses)
      expect(Object.keys(expected[state]).sort()).toEqual([...jobEventTypes].sort());
  });

  it.each(pairs)("%s x %s", (state, event) => {
    const want = expected[state][event];
    expect(nextState(state, event)).toBe(want === "-" ? null : want);
    if (want === "-") expect(() => resolveMove(event, [state])).toThrow(/does not accept/);
    else expect(resolveMove(event, [state])).toEqual({ from: [state], to: want });
  });

  it("gives each event one target, so one conditional UPDATE can carry it", () => {
    for (const event of jobEventTypes) {
      const targets = new Set(jobStatuses.map((s) => expected[s][event]).filter((t) => t !== "-"));
      if (targets.size === 0) expect(() => targetOf(event)).toThrow();
      else expect(targetOf(event)).toBe([...targets][0]);
    }
  });

  it("never lets a job whose cancel was asked leave running except by ending canceled", () => {
    const exits = jobEventTypes.filter((e) => e !== "canceled" && e !== "cancel_requested");
    for (const event of exits) {
      if (nextState("running", event) !== null) expect(eventsBlockedByCancelRequest).toContain(event);
    }
    expect(eventsBlockedByCancelRequest).not.toContain("canceled");
  });
});

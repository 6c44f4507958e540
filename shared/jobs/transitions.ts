// Every job state change goes through `transition`: it takes the source and target states from the
// state table (state-machine.ts), bumps the version and appends the numbered event to the job's
// history in ONE UPDATE, so history and state never disagree and no caller can make a move the
// table does not list. The row the UPDATE returns is then announced (announce.ts) to whoever
// follows the job.
import { and, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { type JobEvent, jobs } from "../db/schema";
import { recordJobChange } from "../observability/metrics";
import { announceJobChange } from "./announce";
import type { JobEventType, JobStatus } from "./enums";
import { eventsBlockedByCancelRequest, nextState, statesAccepting, targetOf } from "./state-machine";

type JobPatch = Partial<
  Pick<
    typeof jobs.$inferInsert,
    | "provider"
    | "attempts"
    | "leaseToken"
    | "leaseExpiresAt"
    | "cancelRequestedAt"
    | "resendDueAt"
    | "errorCode"
    | "errorMessage"
    | "model"
    | "revisedPrompt"
    | "costUsd"
    | "images"
    | "output"
    | "startedAt"
    | "completedAt"
  >
>;

export interface TransitionRequest {
  jobId: string;
  event: JobEventType;
  /** Narrows the sources the table allows for `event` (each must be one of them). */
  from?: readonly JobStatus[];
  data?: Record<string, unknown>;
  set?: JobPatch;
  /** Extra column updates expressed in SQL (e.g. attempts + 1). */
  setSql?: Partial<Record<"attempts" | "startedAt" | "leaseToken" | "leaseExpiresAt", SQL>>;
  /** When given, the change applies only while this lease token holds the job. */
  leaseToken?: string;
  /** Any further condition on the job row (e.g. an expired lease). */
  where?: SQL;
  /** Statements that must commit together with the change, built with the transition token. */
  extra?: (token: string) => BatchItem<"sqlite">[];
  now: number;
}

export interface TransitionResult {
  applied: boolean;
  /** The job row as the change left it (RETURNING): no read after a claim. */
  row?: typeof jobs.$inferSelect;
  /** Results of the `extra` statements, in order. */
  extras: unknown[];
}

/** The sources and target of a request, checked against the table (a wrong pair is a bug). */
export function resolveMove(event: JobEventType, from?: readonly JobStatus[]) {
  const allowed = statesAccepting(event);
  const sources = from ?? allowed;
  const refused = sources.filter((state) => nextState(state, event) === null);
  if (refused.length > 0) throw new Error(`job state table: ${refused.join(", ")} does not accept ${event}`);
  return { from: sources, to: targetOf(event) };
}

export async function transition(db: Db, req: TransitionRequest): Promise<TransitionResult> {
  const { from, to } = resolveMove(req.event, req.from);
  const token = crypto.randomUUID();
  // A deleted job (jobs/delete.ts) is a tombstone: nothing moves it again, not even a replay.
  const conditions = [eq(jobs.id, req.jobId), inArray(jobs.status, [...from]), isNull(jobs.deletedAt)];
  if (req.leaseToken) conditions.push(eq(jobs.leaseToken, req.leaseToken));
  // A job whose cancel was asked may only end canceled (lifecycle.ts falls back to that).
  if (eventsBlockedByCancelRequest.includes(req.event)) conditions.push(isNull(jobs.cancelRequestedAt));
  if (req.where) conditions.push(req.where);

  // In an UPDATE every column reads its old value: `version + 1` is the version this change makes.
  const event = sql`json_object('version', ${jobs.version} + 1, 'type', ${req.event}, 'status', ${to}, 'data', json(${req.data ? JSON.stringify(req.data) : null}), 'createdAt', ${req.now})`;
  const update = db
    .update(jobs)
    .set({
      ...req.set,
      ...req.setSql,
      status: to,
      version: sql`${jobs.version} + 1`,
      events: sql`json_insert(${jobs.events}, '$[#]', ${event})`,
      transitionToken: token,
      updatedAt: req.now,
    })
    .where(and(...conditions))
    .returning();

  // Statements in `extra` apply only when the update above matched: the token is unique to this call.
  const [updated, ...extras] = await db.batch([update, ...(req.extra?.(token) ?? [])]);
  recordJobChange(updated[0], req.now); // a terminal status is one `job` data point (observability)
  if (updated[0]) await announceJobChange(db.announceTo, updated[0], req.now);
  return { applied: updated.length === 1, row: updated[0], extras };
}

/** A new job's row, its history starting with the `queued` event. */
export function newJobRow<Row extends Omit<typeof jobs.$inferInsert, "version" | "events">>(
  row: Row,
  data?: Record<string, unknown>,
): Row & { version: number; events: JobEvent[] } {
  const queued: JobEvent = {
    version: 1,
    type: "queued",
    status: "queued",
    data: data ?? null,
    createdAt: row.updatedAt,
  };
  return { ...row, version: 1, events: [queued] };
}

// Every job state change goes through `transition`: it takes the source and target states from the
// state table (state-machine.ts), bumps the version and appends the numbered event in ONE D1 batch,
// so history and state never disagree and no caller can make a move the table does not list.
import { and, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { jobEvents, jobs } from "../db/schema";
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
  const conditions = [eq(jobs.id, req.jobId), inArray(jobs.status, [...from])];
  if (req.leaseToken) conditions.push(eq(jobs.leaseToken, req.leaseToken));
  // A job whose cancel was asked may only end canceled (lifecycle.ts falls back to that).
  if (eventsBlockedByCancelRequest.includes(req.event)) conditions.push(isNull(jobs.cancelRequestedAt));
  if (req.where) conditions.push(req.where);

  const update = db
    .update(jobs)
    .set({
      ...req.set,
      ...req.setSql,
      status: to,
      version: sql`${jobs.version} + 1`,
      transitionToken: token,
      updatedAt: req.now,
    })
    .where(and(...conditions))
    .returning();

  // Only inserts when the update above matched: the token is unique to this call.
  const event = db.insert(jobEvents).select(
    db
      .select({
        jobId: jobs.id,
        version: jobs.version,
        type: sql`${req.event}`.as("type"),
        status: sql`${to}`.as("status"),
        data: sql`${req.data ? JSON.stringify(req.data) : null}`.as("data"),
        createdAt: sql`${req.now}`.as("created_at"),
      })
      .from(jobs)
      .where(and(eq(jobs.id, req.jobId), eq(jobs.transitionToken, token))),
  );

  const [updated, inserted, ...extras] = await db.batch([update, event, ...(req.extra?.(token) ?? [])]);
  return { applied: (inserted as D1Result).meta.changes === 1, row: updated[0], extras };
}

/** Writes a new job row and its first event together. */
export function insertJobStatements(db: Db, row: typeof jobs.$inferInsert, data?: Record<string, unknown>) {
  return [
    db.insert(jobs).values({ ...row, version: 1 }),
    db.insert(jobEvents).values({
      jobId: row.id,
      version: 1,
      type: "queued",
      status: "queued",
      data: data ?? null,
      createdAt: row.updatedAt,
    }),
  ] as const;
}

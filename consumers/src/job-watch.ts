// One object per watched job (`job:{id}`): transition() announces each change of a job someone
// watches (shared/jobs/announce.ts), and the object hands the new events to the streams and
// `Prefer: wait` requests waiting on it (shared/jobs/watch.ts). It keeps the job's history as last
// announced, so a watcher that asks after the change still gets it; an alarm forgets it once idle.
import { DurableObject } from "cloudflare:workers";
import { wakeOrTimeout } from "./waiting";
import {
  eventsAfter,
  type JobChange,
  type JobWatchObject,
  MAX_WATCH_WAIT_MS,
  type WatchBatch,
} from "../../shared/jobs/watch";

/** How long the history stays after the last change: a stream's client reconnects well within it. */
const KEEP_MS = 60 * 60 * 1000;

export class JobWatch extends DurableObject<ConsumerEnv> implements JobWatchObject {
  private last: JobChange | null = null;
  /** Waiting `next` calls: each one's wake-up, and the version it waits to pass. */
  private readonly waiters = new Map<() => void, number>();

  constructor(ctx: DurableObjectState, env: ConsumerEnv) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.last = ctx.storage.kv.get<JobChange>("job") ?? null;
    });
  }

  async notify(change: JobChange): Promise<void> {
    // Two changes announced concurrently may arrive out of order: the newer history wins.
    if (this.last && this.last.version >= change.version) return;
    this.last = change;
    this.ctx.storage.kv.put("job", change);
    await this.ctx.storage.setAlarm(Date.now() + KEEP_MS);
    for (const [wake, after] of this.waiters) if (change.version > after) wake();
  }

  async next(afterVersion: number, timeoutMs: number): Promise<WatchBatch> {
    if ((this.last?.version ?? 0) <= afterVersion) {
      const waitMs = Math.min(Math.max(timeoutMs, 0), MAX_WATCH_WAIT_MS);
      await wakeOrTimeout(waitMs, (wake) => {
        this.waiters.set(wake, afterVersion);
        return () => this.waiters.delete(wake);
      });
    }
    return {
      events: eventsAfter(this.last?.events ?? [], afterVersion),
      status: this.last?.status ?? null,
      version: this.last?.version ?? 0,
    };
  }

  /** Idle for KEEP_MS: the history goes (the job's row keeps it); a waiter still there keeps it. */
  override async alarm(): Promise<void> {
    if (this.waiters.size > 0) {
      await this.ctx.storage.setAlarm(Date.now() + KEEP_MS);
      return;
    }
    this.last = null;
    await this.ctx.storage.deleteAll();
  }
}

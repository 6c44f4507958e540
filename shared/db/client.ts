import { drizzle } from "drizzle-orm/d1";
import type { AnnounceBindings } from "../jobs/announce";
import * as schema from "./schema";

export type Db = ReturnType<typeof createDb>;

/**
 * `announceTo`: the bindings every job state change made through this Db is announced to
 * (jobs/announce.ts, called by transition()). The Workers pass their env; scripts and tests that
 * pass nothing announce nothing.
 */
export function createDb(d1: D1Database, announceTo: AnnounceBindings = {}) {
  return Object.assign(drizzle(d1, { schema }), { announceTo });
}

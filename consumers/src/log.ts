// The consumer's log lines: shared/observability/log.ts, where every line also carries the ids of
// the queue message it is written for (settle-each.ts opens that scope).
export { log } from "../../shared/observability/log";

// Structured logs: one JSON line each, `level` and `msg` first (npm start's filter,
// scripts/lib/dev-log.ts, reads that shape), then the ids of the scope it is written in
// (request_id, job_id, instance_id: context.ts), then the line's own fields, which win.
import { currentScope, type LogFields } from "./context";

export type LogLevel = "info" | "warn" | "error";

export function log(level: LogLevel, msg: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ level, msg, ...currentScope().fields(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

// Structured logs: one JSON line each, always with the job and request ids so a request can be
// followed from the producer's answer to the consumer's last step.
export function log(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}) {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

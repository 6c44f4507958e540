// The ids a queue message's log lines carry, read from its body as it came (before validation:
// a malformed message is logged with whatever ids it has). Job messages carry job_id, instance_id
// and request_id; webhook messages event_id, and job_id / instance_id in their delivery copy.
import type { LogFields } from "./context";

const IDS = ["job_id", "instance_id", "request_id", "event_id"] as const;

function idsOf(value: unknown): LogFields {
  if (typeof value !== "object" || value === null) return {};
  const record = value as Record<string, unknown>;
  return Object.fromEntries(IDS.filter((k) => typeof record[k] === "string").map((k) => [k, record[k]]));
}

export function messageFields(body: unknown): LogFields {
  const delivery =
    typeof body === "object" && body !== null ? (body as { delivery?: unknown }).delivery : undefined;
  return { ...idsOf(delivery), ...idsOf(body) };
}

// The scope a log line or a data point is written in: a request of the producer, a queue message
// of the consumer. Carried by AsyncLocalStorage (nodejs_compat), so that code deep in shared/
// (transition(), the webhook emitter) logs the request, job and instance ids and records metrics
// without every signature between the entry and it passing them along.
import { AsyncLocalStorage } from "node:async_hooks";
import { NO_METRICS, type MetricsWriter } from "./metrics-writer";

export type LogFields = Record<string, unknown>;

export interface Scope {
  /** The ids every line of this scope carries; a function, so fields known later (the caller) count. */
  fields(): LogFields;
  metrics: MetricsWriter;
}

const storage = new AsyncLocalStorage<Scope>();

const NO_SCOPE: Scope = { fields: () => ({}), metrics: NO_METRICS };

/** Runs `fn` in a scope; a scope inside another keeps the outer's fields under its own. */
export function inScope<T>(scope: Partial<Scope>, fn: () => T): T {
  const outer = storage.getStore() ?? NO_SCOPE;
  const fields = scope.fields;
  return storage.run(
    {
      fields: fields ? () => ({ ...outer.fields(), ...fields() }) : outer.fields,
      metrics: scope.metrics ?? outer.metrics,
    },
    fn,
  );
}

/** The current scope (outside any: no fields, and metrics that go nowhere). */
export function currentScope(): Scope {
  return storage.getStore() ?? NO_SCOPE;
}

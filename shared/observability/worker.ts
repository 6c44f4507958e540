// A Worker's handlers run in an observability scope whose metrics go to its ANALYTICS binding
// (the no-op writer without one). The consumer's export is wrapped once in consumers/src/index.ts;
// the producer's requests get theirs from its request-log middleware.
import { inScope } from "./context";
import { type MetricsWriter, metricsWriter } from "./metrics-writer";

export interface ObservedEnv {
  ANALYTICS?: MetricsWriter;
}

/** The scope of a Worker's own work: its metrics go to the env's ANALYTICS binding. */
export const observedScope = (env: unknown) => ({ metrics: metricsWriter((env as ObservedEnv).ANALYTICS) });

/** The handler with its queue() and scheduled() run in the env's scope; its type is kept. */
export function observed<H extends ExportedHandler<never>>(handler: H): H {
  const { queue, scheduled } = handler;
  return {
    ...handler,
    ...(queue && {
      queue: (batch, env, ctx) => inScope(observedScope(env), () => queue.call(handler, batch, env, ctx)),
    }),
    ...(scheduled && {
      scheduled: (controller, env, ctx) =>
        inScope(observedScope(env), () => scheduled.call(handler, controller, env, ctx)),
    }),
  } satisfies ExportedHandler<never>;
}

// Bench-only timing trace for pacing analysis (`npm run bench -- --trace-pacing`, and the soak):
// logs one line `{"trace":{"kind":"grant"|"deny"|"rebook"|"early"|"fetch",…}}` when the consumer
// is granted (or denied, with the reason) a pacing slot by a TokenBucket stub, when a caller that
// checks in late is booked again (or early, told to wait more), and when it starts a provider
// generation request (tagged with an x-bench-call header the fake logs), so the bench can measure
// how long a granted slot takes to become a call at the provider (the gap a strict provider sees
// as jitter). Wrapped around the real consumer by a generated entry; no application file changes.

const GENERATE = /\/v1\/ideogram-v3\/generate$/;

function traceLine(kind: string, fields: Record<string, unknown>) {
  console.log(JSON.stringify({ trace: { kind, at: Date.now(), ...fields } }));
}

function tracedNamespace(ns: DurableObjectNamespace): DurableObjectNamespace {
  return new Proxy(ns, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop !== "getByName" || typeof value !== "function") {
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return (name: string, ...rest: unknown[]) => {
        const stub = Reflect.apply(value as (...a: unknown[]) => object, target, [name, ...rest]) as Record<
          string,
          unknown
        >;
        return new Proxy(stub, {
          get(s, p) {
            const v = Reflect.get(s, p);
            if (p === "checkIn") {
              return async (...args: unknown[]) => {
                const answer = (await Reflect.apply(v as (...a: unknown[]) => Promise<unknown>, s, args)) as {
                  kind: string;
                  dueAt?: number;
                };
                if (answer.kind !== "due")
                  traceLine(answer.kind === "rebooked" ? "rebook" : "early", {
                    bucket: name,
                    dueAt: answer.dueAt,
                  });
                return answer;
              };
            }
            if (p !== "acquire") return v;
            return async (...args: unknown[]) => {
              const answer = (await Reflect.apply(v as (...a: unknown[]) => Promise<unknown>, s, args)) as {
                granted?: boolean;
                dueAt?: number;
                reason?: string;
                retryAfterMs?: number;
              };
              // A booked token's slot starts when it falls due (by the bucket's clock), not when it was booked.
              if (answer?.granted) traceLine("grant", { bucket: name, at: answer.dueAt });
              else
                traceLine("deny", {
                  bucket: name,
                  reason: answer?.reason,
                  retryAfterMs: answer?.retryAfterMs,
                });
              return answer;
            };
          },
        });
      };
    },
  });
}

let fetchPatched = false;

export function traceWorker<E extends object>(handler: ExportedHandler<E>): ExportedHandler<E> {
  const envs = new WeakMap<object, E>();
  return {
    ...handler,
    async queue(batch, env, ctx) {
      if (!fetchPatched) {
        fetchPatched = true;
        const original = globalThis.fetch;
        globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
          const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
          if (!GENERATE.test(url)) return original(input, init);
          const call = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
          traceLine("fetch", { call });
          const headers = new Headers(init?.headers);
          headers.set("x-bench-call", call);
          return original(input, { ...init, headers });
        }) as typeof fetch;
      }
      let traced = envs.get(env);
      if (!traced) {
        const ns = (env as { TOKEN_BUCKET?: DurableObjectNamespace }).TOKEN_BUCKET;
        traced = (ns ? { ...env, TOKEN_BUCKET: tracedNamespace(ns) } : env) as E;
        envs.set(env, traced);
      }
      await handler.queue!(batch, traced, ctx);
    },
  };
}

// Bench-only fault injection for `npm run soak`, wrapped around the real consumer by a generated
// entry (bench/lib/entries.ts); no application file knows about it.
//   duplicateQueues        every message of these queues is delivered twice: on its first delivery
//                          a copy (marked `chaos_copy`, a field the consumers' schemas drop) is
//                          sent to the same queue through the named binding with a 0-2 s delay,
//                          so the two deliveries overlap or follow each other as Queues'
//                          at-least-once delivery allows. Each distinct body is doubled once:
//                          a retry (its attempt number changes the body) is doubled again, but a
//                          deferral re-sends the same body and is not, or every deferral round
//                          would double the job's messages (the consumer requeues each delivery
//                          it defers, duplicates included).
//   crashAfterProviderRate the share of jobs whose first result write fails: the consumer has called
//                          the provider (and would be billed) but the first R2 put of the job's
//                          images throws before anything is recorded, like a consumer that died
//                          there. The job stays `running` under its lease; recovery is the
//                          consumer's own business (redelivery, lease expiry, takeover).
// Each injected fault logs one line `{"chaos":{...}}` that the soak counts.

export interface ChaosOptions {
  /** Queue name -> the producer binding that sends to it. */
  duplicateQueues: Record<string, string>;
  crashAfterProviderRate: number;
}

const crashed = new Set<string>();
/** Bodies already doubled (JSON without the marker), per isolate; local dev runs one isolate. */
const doubled = new Set<string>();

function fingerprint(body: unknown): string | null {
  if (!body || typeof body !== "object") return null;
  const { chaos_copy: _marker, ...rest } = body as Record<string, unknown>;
  return JSON.stringify(rest, Object.keys(rest).sort());
}

/** A stable number in [0, 1) for a job id: the same jobs crash on every run. */
export function unitHash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  // murmur3's finaliser: FNV-1a alone spreads short, similar ids poorly.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

function crashingBucket(bucket: R2Bucket, rate: number): R2Bucket {
  return new Proxy(bucket, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === "put") {
        return (key: string, ...rest: unknown[]) => {
          // Keys are {instance}/{project}/{job}/{n}.{ext} (consumers/src/store-images.ts).
          const jobId = key.split("/")[2] ?? key;
          if (rate > 0 && !crashed.has(jobId) && unitHash(jobId) < rate) {
            crashed.add(jobId);
            console.log(JSON.stringify({ chaos: { kind: "crash_after_provider", job_id: jobId } }));
            throw new Error(`chaos: consumer crashed after the provider call (job ${jobId})`);
          }
          return Reflect.apply(value as (...a: unknown[]) => unknown, target, [key, ...rest]);
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const chaosEnvs = new WeakMap<object, object>();

function chaosEnv<E extends object>(env: E, opts: ChaosOptions): E {
  let out = chaosEnvs.get(env);
  if (!out) {
    const images = (env as { IMAGES?: R2Bucket }).IMAGES;
    out = images ? { ...env, IMAGES: crashingBucket(images, opts.crashAfterProviderRate) } : env;
    chaosEnvs.set(env, out);
  }
  return out as E;
}

export function chaosWorker<E extends object>(
  handler: ExportedHandler<E>,
  opts: ChaosOptions,
): ExportedHandler<E> {
  return {
    ...handler,
    async queue(batch, env, ctx) {
      const binding = opts.duplicateQueues[batch.queue];
      const target = binding ? (env as Record<string, Queue | undefined>)[binding] : undefined;
      if (target) {
        const copies = batch.messages
          .filter((m) => {
            const body = m.body as Record<string, unknown> | null;
            const key = fingerprint(body);
            if (!body || key === null || body.chaos_copy || doubled.has(key)) return false;
            doubled.add(key);
            return true;
          })
          .map((m) => ({
            body: { ...(m.body as object), chaos_copy: 1 },
            contentType: "json" as const,
            delaySeconds: Math.floor(Math.random() * 3),
          }));
        if (copies.length > 0) {
          await target.sendBatch(copies);
          console.log(
            JSON.stringify({ chaos: { kind: "duplicate", queue: batch.queue, count: copies.length } }),
          );
        }
      }
      await handler.queue!(batch, chaosEnv(env, opts), ctx);
    },
  };
}

// Dependency checks for GET /health: cheap calls that prove each binding answers.
interface Check {
  ok: boolean;
  latency_ms: number;
  error?: string;
}

async function timed(fn: () => Promise<unknown>): Promise<Check> {
  const started = performance.now();
  try {
    await fn();
    return { ok: true, latency_ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latency_ms: Math.round(performance.now() - started), error: String(error) };
  }
}

export async function checkHealth(env: { DB: D1Database; IMAGES: R2Bucket; JOBS: Queue }) {
  const [d1, r2, queue] = await Promise.all([
    timed(() => env.DB.prepare("SELECT 1").first()),
    timed(() => env.IMAGES.head("health-check")),
    // Sending would create work; the binding's presence and shape is what can be checked for free.
    timed(async () => {
      if (typeof env.JOBS?.send !== "function") throw new Error("JOBS queue binding missing");
    }),
  ]);
  return {
    status: d1.ok && r2.ok && queue.ok ? ("ok" as const) : ("degraded" as const),
    checks: { d1, r2, queue },
  };
}

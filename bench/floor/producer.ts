// Fair-floor producer: the platform work one job cannot avoid at enqueue, and nothing else: one D1
// insert (the job row, so a job outlives its message) and one queue send. No auth and no
// validation: the input is what genqueue's schema makes of the bench's body (one 1x1 image).
import type { ImageInput } from "../../shared/providers/types";
import type { FloorJobMessage } from "./message";

interface FloorProducerEnv {
  DB: D1Database;
  JOBS: Queue<FloorJobMessage>;
}

interface JobRequest {
  input?: { prompt?: unknown; seed?: unknown };
  webhook_url?: unknown;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return Response.json({ status: "ok" });
    if (request.method !== "POST" || url.pathname !== "/v1/jobs")
      return new Response("not found", { status: 404 });
    const body = await request.json<JobRequest>();
    const seed = body.input?.seed;
    const input: ImageInput = {
      prompt: String(body.input?.prompt ?? ""),
      aspect_ratio: "1x1",
      num_images: 1,
      ...(typeof seed === "number" ? { seed } : {}),
    };
    const id = crypto.randomUUID();
    await env.DB.prepare("INSERT INTO floor_jobs (id, input, created_at) VALUES (?, ?, ?)")
      .bind(id, JSON.stringify(input), Date.now())
      .run();
    await env.JOBS.send({ id, input, webhookUrl: String(body.webhook_url ?? "") }, { contentType: "json" });
    return Response.json({ id, status: "queued" }, { status: 202 });
  },
} satisfies ExportedHandler<FloorProducerEnv>;

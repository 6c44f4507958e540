// Bare-baseline producer: what the platform costs with no application in the way. POST /v1/jobs
// parses the JSON body and sends it to the queue (same queue settings as genqueue's jobs queue);
// nothing else: no auth, no D1, no validation.
interface BaselineProducerEnv {
  JOBS: Queue;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return Response.json({ status: "ok" });
    if (request.method === "POST" && url.pathname === "/v1/jobs") {
      const body = await request.json();
      const id = crypto.randomUUID();
      await env.JOBS.send({ id, body }, { contentType: "json" });
      return Response.json({ id, status: "queued" }, { status: 202 });
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<BaselineProducerEnv>;

// A fake provider's HTTP shell: admin routes, image URLs, and the order in which a call meets
// the knobs (down → auth → rate limit → failNext → random errors → in-flight → latency →
// the provider's own handler). The provider-specific parts come in a ProviderSpec.
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { ImageStore } from "./images";
import { type FakeKnobs, TokenBucket, applyKnobs, defaultKnobs, emptyStats, seededRng } from "./knobs";
import { readRequest } from "./request";
import type { FakeOptions, FakeReply, FakeRequest, FakeTools, ProviderSpec, RunningFake } from "./spec";

export type { FakeOptions, FakeReply, FakeRequest, FakeTools, ProviderSpec, RunningFake };

const GENERIC = ["timeout", "malformed"];

/** When each connection was accepted and how many requests it carried: when a call was late, was it
 * the connection or the request that came late? (The bench tags calls with x-bench-call.) */
const accepted = new WeakMap<Socket, { acceptedAt: number; served: number }>();
function connectionOf(raw: IncomingMessage) {
  const conn = accepted.get(raw.socket) ?? { acceptedAt: 0, served: 0 };
  conn.served++;
  return { acceptedAt: conn.acceptedAt, nthOnConnection: conn.served };
}
type CallRequest = FakeRequest & { connection: ReturnType<typeof connectionOf> };

export async function startFake(spec: ProviderSpec, opts: FakeOptions = {}): Promise<RunningFake> {
  const apiKey = opts.apiKey ?? "test-key";
  const knobs = defaultKnobs();
  const images = new ImageStore();
  let stats = emptyStats();
  let errorRng = seededRng(knobs.seed);
  let idRng = seededRng(knobs.seed + 1);
  let bucket: TokenBucket | null = null;
  let baseUrl = "";

  const configure = (patch: unknown) => {
    const p = patch as Partial<FakeKnobs>;
    for (const kind of p.failNext ?? []) {
      const known =
        /^\d{3}$/.test(kind) || [...GENERIC, ...spec.errorKinds, ...spec.handlerOutcomes].includes(kind);
      if (!known) throw new Error(`unknown failNext outcome "${kind}" for ${spec.name}`);
    }
    applyKnobs(knobs, patch);
    if (p.seed !== undefined) [errorRng, idRng] = [seededRng(knobs.seed), seededRng(knobs.seed + 1)];
    if (p.rateLimit !== undefined) bucket = null;
  };
  configure(opts.knobs ?? {});

  const tools = (forced: string | undefined): FakeTools => ({
    knobs,
    baseUrl,
    apiKey,
    rng: idRng,
    addImage: (w, h) => baseUrl + images.add(w, h, forced === "expired" ? 0 : knobs.imageTtlMs, Date.now()),
  });

  const send = (res: ServerResponse, reply: FakeReply, counted: boolean) => {
    if (counted) stats.callsByStatus[reply.status] = (stats.callsByStatus[reply.status] ?? 0) + 1;
    const body = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.body ?? "");
    const type = reply.contentType ?? (reply.json !== undefined ? "application/json" : "text/plain");
    res.writeHead(reply.status, { "content-type": type, ...reply.headers });
    res.end(body);
  };

  const hang = async (res: ServerResponse) => {
    stats.callsByStatus.hang = (stats.callsByStatus.hang ?? 0) + 1;
    const ac = new AbortController();
    res.once("close", () => ac.abort());
    await sleep(knobs.hangMs, undefined, { signal: ac.signal }).catch(() => undefined);
    res.destroy();
  };

  /** The gauntlet a generation call runs; returns a reply to send instead of the handler's, if any. */
  const gauntlet = (req: CallRequest, units: number, now: number): { reply?: FakeReply; forced?: string } => {
    stats.generateCalls++;
    if (stats.callLog.length < 100_000)
      stats.callLog.push({ call: req.headers["x-bench-call"] ?? "", at: now, ...req.connection });
    if (knobs.rateLimit) {
      bucket ??= new TokenBucket(knobs.rateLimit.ratePerSecond, knobs.rateLimit.burst ?? 1, now);
      const waitMs = bucket.take(now);
      if (waitMs > 0) {
        stats.overRateCalls++;
        stats.overLimitCalls++;
        const reply = spec.errorReply("429", req, tools(undefined));
        return {
          reply: {
            ...reply,
            headers: { ...reply.headers, "retry-after": String(Math.max(1, Math.ceil(waitMs / 1000))) },
          },
        };
      }
    }
    const forced = knobs.failNext.shift();
    const malformed: FakeReply = {
      status: 200,
      body: '{"created": 1, "data": [{"url": "',
      contentType: "application/json",
    };
    if (forced === "timeout") return { reply: { status: 0, hang: true } };
    if (forced === "malformed") return { reply: malformed };
    if (forced && !spec.handlerOutcomes.includes(forced))
      return { reply: spec.errorReply(forced, req, tools(forced)) };
    if (!forced) {
      const r = errorRng();
      const { timeout, malformed: bad, server5xx, rateLimit429 } = knobs.errorRates;
      if (r < timeout) return { reply: { status: 0, hang: true } };
      if (r < timeout + bad) return { reply: malformed };
      if (r < timeout + bad + server5xx) return { reply: spec.errorReply("500", req, tools(undefined)) };
      if (r < timeout + bad + server5xx + rateLimit429) {
        const reply = spec.errorReply("429", req, tools(undefined));
        return { reply: { ...reply, headers: { ...reply.headers, "retry-after": "1" } } };
      }
    }
    if (knobs.inflightLimit !== null && stats.inFlightUnits + units > knobs.inflightLimit) {
      stats.overInflightCalls++;
      stats.overLimitCalls++;
      return { reply: spec.errorReply("inflight_limit", req, tools(undefined)) };
    }
    return { forced };
  };

  const api = async (raw: IncomingMessage, res: ServerResponse, url: URL) => {
    // A provider's rate limiter counts a request when it arrives, not once its body is read: a
    // busy fake reads several bodies in one go, and would see calls that came apart as a clump.
    const arrivedAt = Date.now();
    const connection = connectionOf(raw);
    const recorded = await readRequest(raw, url);
    const req: CallRequest = { ...recorded, url, connection };
    stats.calls++;
    stats.lastRequest = recorded;
    stats.requests = [...stats.requests.slice(-199), recorded];
    if (knobs.down) return send(res, spec.errorReply("503", req, tools(undefined)), true);
    if (!spec.authorized(req, apiKey)) return send(res, spec.errorReply("401", req, tools(undefined)), true);

    const units = spec.generationUnits(req);
    const { reply, forced } = units > 0 ? gauntlet(req, units, arrivedAt) : {};
    if (reply?.hang) return hang(res);
    if (reply) return send(res, reply, true);

    stats.inFlight++;
    stats.inFlightUnits += units;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    stats.maxInFlightUnits = Math.max(stats.maxInFlightUnits, stats.inFlightUnits);
    try {
      if (knobs.latencyMs > 0) await sleep(knobs.latencyMs);
      send(res, await spec.handle(req, tools(forced), forced), true);
    } finally {
      stats.inFlight--;
      stats.inFlightUnits -= units;
    }
  };

  const admin = async (raw: IncomingMessage, res: ServerResponse, path: string) => {
    if (raw.method === "GET" && path === "/__fake/stats")
      return send(res, { status: 200, json: stats }, false);
    if (raw.method === "GET" && path === "/__fake/config")
      return send(res, { status: 200, json: knobs }, false);
    if (raw.method === "POST" && path === "/__fake/reset") {
      stats = emptyStats();
      bucket = null;
      return send(res, { status: 200, json: { ok: true } }, false);
    }
    if (raw.method === "POST" && path === "/__fake/config") {
      try {
        const { json } = await readRequest(raw, new URL(path, baseUrl));
        configure(json);
        return send(res, { status: 200, json: knobs }, false);
      } catch (e) {
        return send(res, { status: 400, json: { error: e instanceof Error ? e.message : String(e) } }, false);
      }
    }
    return send(res, { status: 404, json: { error: "no such admin route" } }, false);
  };

  const image = (res: ServerResponse, path: string) => {
    if (knobs.down) return send(res, { status: 503, body: "Service Unavailable" }, false);
    stats.imageDownloads++;
    const found = images.get(path, Date.now());
    if (found === "expired") stats.expiredImageDownloads++;
    if (found === "expired") {
      const xml =
        "<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
      return send(res, { status: 403, body: xml, contentType: "application/xml" }, false);
    }
    if (!found) return send(res, { status: 404, body: "Not Found" }, false);
    send(
      res,
      {
        status: 200,
        body: found,
        contentType: "image/png",
        headers: { "cache-control": "private, max-age=60" },
      },
      false,
    );
  };

  const server = createServer((raw, res) => {
    const url = new URL(raw.url ?? "/", baseUrl);
    const route = url.pathname.startsWith("/__fake/")
      ? admin(raw, res, url.pathname)
      : url.pathname.startsWith("/images/")
        ? Promise.resolve(image(res, url.pathname))
        : api(raw, res, url);
    route.catch((e: unknown) => {
      if (!res.headersSent) send(res, { status: 500, json: { error: `fake crashed: ${String(e)}` } }, false);
    });
  });
  server.on("connection", (socket) => accepted.set(socket, { acceptedAt: Date.now(), served: 0 }));
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${opts.host ?? "127.0.0.1"}:${port}`;

  return {
    url: baseUrl,
    port,
    knobs,
    stats: () => structuredClone(stats),
    configure,
    reset: () => {
      stats = emptyStats();
      bucket = null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// A stand-in for Cloudflare AI Gateway on 127.0.0.1: `/v1/{account}/{gateway}/{slug}/…` is
// forwarded to that provider's fake the way Cloudflare's provider pages describe it (the gateway
// URL replaces `https://api.openai.com/v1`, `https://api.replicate.com/v1`, and
// `https://api.ideogram.ai`), written here from those pages, not from the code under test. It
// records every request (path and headers), answers 401 when a token is required and missing,
// strips the cf-aig-* headers before forwarding, and adds cf-aig-log-id / cf-aig-cache-status.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** What the gateway replaces of each provider's URL: the rest of the path follows unchanged. */
const UPSTREAM_PREFIX: Record<string, string> = { openai: "/v1", replicate: "/v1", ideogram: "" };

export interface GatewayRecord {
  method: string;
  path: string;
  headers: Record<string, string>;
}

export interface RunningGatewayFake {
  url: string;
  records(): GatewayRecord[];
  close(): Promise<void>;
}

async function body(raw: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of raw) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startGatewayFake(
  upstreams: Record<string, string>,
  opts: { token?: string } = {},
): Promise<RunningGatewayFake> {
  let records: GatewayRecord[] = [];
  let logIds = 0;
  const server = createServer(async (raw, res) => {
    const url = new URL(raw.url ?? "/", "http://gateway.local");
    if (url.pathname === "/__gateway/requests") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(records));
    }
    if (url.pathname === "/__gateway/reset") {
      records = [];
      return res.writeHead(204).end();
    }
    const headers = Object.fromEntries(
      Object.entries(raw.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
    );
    records.push({ method: raw.method ?? "GET", path: url.pathname, headers });
    const answer = (status: number, json: unknown) => {
      res.writeHead(status, { "content-type": "application/json", "cf-aig-log-id": `log_${++logIds}` });
      res.end(JSON.stringify(json));
    };
    const m = /^\/v1\/[0-9a-f]{32}\/[^/]+\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const slug = m?.[1] ?? "";
    const upstream = upstreams[slug];
    if (!m || upstream === undefined || UPSTREAM_PREFIX[slug] === undefined)
      return answer(400, { success: false, error: [{ code: 2001, message: "Please configure AI Gateway" }] });
    if (opts.token && headers["cf-aig-authorization"] !== `Bearer ${opts.token}`)
      return answer(401, { success: false, error: [{ code: 2009, message: "Unauthorized" }] });

    const forward = new Headers();
    for (const [k, v] of Object.entries(headers))
      if (!k.startsWith("cf-aig-") && !["host", "connection", "content-length"].includes(k))
        forward.set(k, v);
    const sent = await body(raw);
    const target = `${upstream}${UPSTREAM_PREFIX[slug]}${m[2] ?? ""}${url.search}`;
    const up = await fetch(target, {
      method: raw.method,
      headers: forward,
      ...(sent.length > 0 ? { body: new Uint8Array(sent) } : {}),
    });
    const out: Record<string, string> = { "cf-aig-log-id": `log_${++logIds}`, "cf-aig-cache-status": "MISS" };
    up.headers.forEach((v, k) => {
      if (!["content-length", "content-encoding", "transfer-encoding", "connection"].includes(k)) out[k] = v;
    });
    res.writeHead(up.status, out);
    res.end(Buffer.from(await up.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    records: () => structuredClone(records),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

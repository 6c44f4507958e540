// One provider base URL, several provider accounts: forwards each request to the fake whose API
// key it carries (Ideogram's `Api-Key`, or a Bearer token), so each bench instance can have its own
// strict fake, with its own rate limit and its own call log, behind the single
// IDEOGRAM_BASE_URL the consumer knows.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface KeyRouter {
  url: string;
  close(): Promise<void>;
}

function keyOf(req: IncomingMessage): string | undefined {
  const apiKey = req.headers["api-key"];
  if (typeof apiKey === "string") return apiKey;
  const auth = req.headers.authorization;
  return typeof auth === "string" && auth.startsWith("Bearer ") ? auth.slice(7) : undefined;
}

/** `routes`: API key -> base URL of the fake that owns it. */
export async function startKeyRouter(routes: Record<string, string>): Promise<KeyRouter> {
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const target = routes[keyOf(req) ?? ""];
    if (!target) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "key-router: unknown API key" }));
      return;
    }
    const url = new URL(req.url ?? "/", target);
    const upstream = httpRequest(
      url,
      { method: req.method, headers: { ...req.headers, host: url.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `key-router: ${error.message}` }));
    });
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  };
  const server = createServer(forward);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// The remote MCP endpoint (Streamable HTTP, stateless: a server per request, JSON answers) at
// /v1/mcp, behind the same API key check and rate limit as every /v1 route. Not in the OpenAPI
// document: its contract is MCP's (tools/list describes the tools).
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { App } from "../app";
import { genqueueMcpServer } from "../mcp/tools";

export const MCP_PATH = "/v1/mcp";

export function registerMcp(app: App) {
  app.all(MCP_PATH, async (c) => {
    const authorization = c.req.header("authorization") ?? "";
    const origin = new URL(c.req.url).origin;
    const server = genqueueMcpServer(async (path, body) =>
      app.fetch(
        new Request(`${origin}${path}`, {
          method: body === undefined ? "GET" : "POST",
          headers: { authorization, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
        c.env,
        c.executionCtx,
      ),
    );
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    return transport.handleRequest(c.req.raw);
  });
}

// The MCP tools of genqueue: submit a job, read one, list them. Each tool is one call of the
// REST API itself, in process, with the caller's own API key, so validation, authorization,
// tenancy, idempotency and error codes are the API's and are written once. A refused call comes
// back as a tool error carrying the API's problem+json.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "@hono/zod-openapi";
import { jobStatuses } from "../../../shared/jobs/enums";
import { CreateJobFlatSchema } from "../../../shared/jobs/schemas";

/** One request to the API with the MCP caller's key: a path and, for a POST, its JSON body. */
export type ApiCall = (path: string, body?: unknown) => Promise<Response>;

async function toolResult(res: Response) {
  const text = await res.text();
  let structured: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      structured = parsed as Record<string, unknown>;
  } catch {
    structured = undefined;
  }
  return {
    content: [{ type: "text" as const, text }],
    ...(structured ? { structuredContent: structured } : {}),
    ...(res.ok ? {} : { isError: true }),
  };
}

export function genqueueMcpServer(call: ApiCall): McpServer {
  const server = new McpServer({ name: "genqueue", version: "0.1.0" });
  server.registerTool(
    "submit_job",
    {
      title: "Submit a generation job",
      description:
        "Enqueues an AI image or text job (POST /v1/jobs; `input` is ImageInput for image.generate, TextInput {messages, model?, max_tokens?, temperature?} for text.generate) and answers at once with the job (status queued); read it with get_job until it ends.",
      // The same fields in a new object: the original carries the `id` that names it in
      // /openapi.json, which makes its JSON Schema a reference, and MCP wants an object inline.
      inputSchema: CreateJobFlatSchema,
    },
    async (body) => toolResult(await call("/v1/jobs", body)),
  );
  server.registerTool(
    "get_job",
    {
      title: "Get a job",
      description:
        "A job's status, provider, attempts, error and, once succeeded, its result: images with a signed URL that needs no key.",
      inputSchema: z.object({ id: z.string().min(1).max(64) }),
    },
    async ({ id }) => toolResult(await call(`/v1/jobs/${encodeURIComponent(id)}`)),
  );
  server.registerTool(
    "list_jobs",
    {
      title: "List jobs",
      description: "The caller's jobs, newest first, optionally of one status; `next_cursor` pages on.",
      inputSchema: z.object({
        status: z.enum(jobStatuses).optional(),
        limit: z.number().int().min(1).max(100).optional(),
        cursor: z.string().max(200).optional(),
      }),
    },
    async (query) => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query))
        if (value !== undefined) params.set(key, String(value));
      return toolResult(await call(`/v1/jobs${params.size > 0 ? `?${params}` : ""}`));
    },
  );
  return server;
}

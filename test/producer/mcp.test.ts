// The remote MCP endpoint driven by the official MCP client SDK (Streamable HTTP), inside workerd:
// the same API keys, the job API's answers as tool results, its refusals as tool errors.
import { exports } from "cloudflare:workers";
import { env } from "cloudflare:workers";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, it } from "vitest";
import { seedTenant } from "../support/tenant";
import { BASE_URL, jobBody } from "./helpers";

async function connect(key: string) {
  const client = new Client({ name: "genqueue-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE_URL}/v1/mcp`), {
    fetch: (url, init) => exports.default.fetch(new Request(url, init)),
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

type Structured = { structuredContent?: Record<string, unknown>; isError?: boolean };

describe("MCP endpoint /v1/mcp", () => {
  it("lists the three tools with their input schemas", async () => {
    const t = await seedTenant(env.DB);
    const client = await connect(t.userKey);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(["get_job", "list_jobs", "submit_job"]);
    const submit = tools.find((tool) => tool.name === "submit_job");
    expect(submit?.inputSchema.properties).toHaveProperty("input");
    await client.close();
  });

  it("submits a job, reads it back and lists it, with the caller's key", async () => {
    const t = await seedTenant(env.DB);
    const client = await connect(t.userKey);
    const submitted = (await client.callTool({ name: "submit_job", arguments: jobBody() })) as Structured;
    expect(submitted.isError).toBeFalsy();
    const job = submitted.structuredContent as { id: string; status: string; project_id: string };
    expect(job).toMatchObject({ status: "queued", project_id: t.projectId });

    const read = (await client.callTool({ name: "get_job", arguments: { id: job.id } })) as Structured;
    expect(read.structuredContent).toMatchObject({ id: job.id, status: "queued" });
    const listed = (await client.callTool({ name: "list_jobs", arguments: { limit: 5 } })) as Structured;
    expect(((listed.structuredContent?.data ?? []) as { id: string }[]).map((j) => j.id)).toContain(job.id);
    await client.close();
  });

  it("answers the API's refusals as tool errors with their problem codes", async () => {
    const t = await seedTenant(env.DB);
    const client = await connect(t.userKey);
    const missing = (await client.callTool({
      name: "get_job",
      arguments: { id: "job_nowhere0000000000000" },
    })) as Structured;
    expect(missing.isError).toBe(true);
    expect(missing.structuredContent).toMatchObject({ code: "job_not_found", status: 404 });
    const bad = (await client.callTool({
      name: "submit_job",
      arguments: { type: "image.generate", input: { prompt: "x" }, webhook_url: "https://10.0.0.1/h" },
    })) as Structured;
    expect(bad.structuredContent).toMatchObject({ code: "webhook_url_invalid" });
    await client.close();
  });

  it("keeps another tenant's jobs out of reach", async () => {
    const a = await seedTenant(env.DB);
    const b = await seedTenant(env.DB);
    const clientA = await connect(a.userKey);
    const job = ((await clientA.callTool({ name: "submit_job", arguments: jobBody() })) as Structured)
      .structuredContent as { id: string };
    const clientB = await connect(b.userKey);
    const peek = (await clientB.callTool({ name: "get_job", arguments: { id: job.id } })) as Structured;
    expect(peek.structuredContent).toMatchObject({ code: "job_not_found" });
    await Promise.all([clientA.close(), clientB.close()]);
  });

  it("refuses a connection without a valid key (401 problem+json)", async () => {
    const res = await exports.default.fetch(
      new Request(`${BASE_URL}/v1/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      }),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    await expect(connect("gq_live_unknown0000000000000000000000")).rejects.toThrow();
  });
});

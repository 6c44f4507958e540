// Reads an incoming request the way the fakes' assertions want it: headers flattened, query as
// an object, JSON parsed, multipart parsed with the Web Request API (no busboy needed).
import type { IncomingMessage } from "node:http";
import type { RecordedRequest } from "./knobs";

const MAX_BODY = 25 * 1024 * 1024;

async function readAll(raw: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of raw) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readRequest(raw: IncomingMessage, url: URL): Promise<RecordedRequest> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
  const body = await readAll(raw);
  const recorded: RecordedRequest = {
    at: Date.now(),
    method: raw.method ?? "GET",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
  };
  const type = headers["content-type"] ?? "";
  if (body.length > 0 && type.includes("application/json")) {
    try {
      recorded.json = JSON.parse(body.toString("utf8"));
    } catch {
      recorded.bodyError = "body is not valid JSON";
    }
  } else if (body.length > 0 && type.includes("multipart/form-data")) {
    try {
      const request = new Request(url, {
        method: "POST",
        headers: { "content-type": type },
        body: Uint8Array.from(body),
      });
      const fields: Record<string, string> = {};
      (await request.formData()).forEach((v, k) => {
        fields[k] = typeof v === "string" ? v : `[file ${v.name}, ${v.size} bytes]`;
      });
      recorded.fields = fields;
    } catch {
      recorded.bodyError = "body is not valid multipart/form-data";
    }
  }
  return recorded;
}

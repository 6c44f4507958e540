import { createMiddleware } from "hono/factory";
import { ApiError } from "../../../shared/errors";
import type { AppEnv } from "../env";

/**
 * 413 above MAX_BODY_BYTES. A declared Content-Length above it fails at once; otherwise the body is
 * read and counted (hono's bodyLimit trusts a Content-Length, so a lying one would get past it),
 * then handed on as a buffer with its true Content-Length. At most MAX_BODY_BYTES are ever held.
 */
export const limitBody = createMiddleware<AppEnv>(async (c, next) => {
  const raw = c.req.raw;
  if (raw.body === null) return next();
  const maxSize = c.get("config").MAX_BODY_BYTES;
  const tooLarge = () => new ApiError("payload_too_large", `The body may be at most ${maxSize} bytes`);
  if (Number(raw.headers.get("content-length")) > maxSize) throw tooLarge();
  const reader = raw.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxSize) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  // JSON is UTF-8 (RFC 8259): a body that is not would be parsed with U+FFFD in place of its bad
  // bytes and stored altered. Marked here, refused as malformed JSON where a route reads its JSON
  // body (validationHook), so routes that take no body are not concerned.
  if (!isUtf8(body)) c.set("bodyNotUtf8", true);
  const headers = new Headers(raw.headers);
  headers.set("content-length", String(size));
  headers.delete("transfer-encoding");
  c.req.raw = new Request(raw, { headers, body });
  await next();
});

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** For routes whose JSON body is required: an absent or empty body is malformed JSON, whatever its type. */
export const requireBody = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.raw.body === null || c.req.header("content-length") === "0") {
    throw new ApiError("malformed_json", "The request body is empty: send a JSON object");
  }
  await next();
});

/** Requests with a body must send JSON: anything else is a 415, never a confusing 400. */
export const requireJson = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.method === "POST" || c.req.method === "PUT" || c.req.method === "PATCH") {
    const type = c.req.header("content-type") ?? "";
    const hasBody = c.req.header("content-length") !== "0" && (c.req.raw.body !== null || type !== "");
    if (hasBody && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
      throw new ApiError(
        "unsupported_media_type",
        "Send the body as JSON with `Content-Type: application/json`",
      );
    }
  }
  await next();
});

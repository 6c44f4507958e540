import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { ApiError } from "../../../shared/errors";
import type { AppEnv } from "../env";

const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** 413 above MAX_BODY_BYTES, counted on the stream so a lying Content-Length does not help. */
export const limitBody = createMiddleware<AppEnv>(async (c, next) =>
  bodyLimit({
    maxSize: Number(c.env.MAX_BODY_BYTES) || DEFAULT_MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError("payload_too_large", `The body may be at most ${c.env.MAX_BODY_BYTES} bytes`);
    },
  })(c, next),
);

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

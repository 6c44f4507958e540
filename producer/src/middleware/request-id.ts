import { createMiddleware } from "hono/factory";
import { createDb } from "../../../shared/db/client";
import { newId } from "../../../shared/ids";
import type { AppEnv } from "../env";

export const REQUEST_ID_HEADER = "x-request-id";

/** Gives every request an id (echoed in a header, carried into queue messages and logs) and a db. */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const requestId = newId("req");
  c.set("requestId", requestId);
  c.set("db", createDb(c.env.DB));
  c.header(REQUEST_ID_HEADER, requestId);
  await next();
  c.res.headers.set(REQUEST_ID_HEADER, requestId);
});

import { createMiddleware } from "hono/factory";
import { producerConfig } from "../../../shared/config";
import { createDb } from "../../../shared/db/client";
import { newId } from "../../../shared/ids";
import type { AppEnv } from "../env";

export const REQUEST_ID_HEADER = "x-request-id";

/**
 * Gives every request an id (echoed in a header, carried into queue messages and logs), a db and
 * the validated configuration: a bad variable answers 500 configuration_invalid naming it.
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const requestId = newId("req");
  c.set("requestId", requestId);
  c.header(REQUEST_ID_HEADER, requestId);
  c.set("config", producerConfig(c.env));
  c.set("db", createDb(c.env.DB, c.env));
  await next();
  c.res.headers.set(REQUEST_ID_HEADER, requestId);
});

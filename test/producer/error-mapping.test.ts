// What the error handler makes of errors thrown below the routes: every HTTPException keeps its
// status with its own code, and a bad Worker variable is a clear 500 naming it, never a default.
import { env } from "cloudflare:workers";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { createApp } from "../../producer/src/app";
import { requestContext } from "../../producer/src/middleware/request-id";
import type { ErrorCode } from "../../shared/errors";
import { producerConfig } from "../../shared/config";
import { seedTenant } from "../support/tenant";
import { callWith, expectProblem, getInit, jobBody, postInit } from "./helpers";

/** An app like the producer's (same error handler and request context) with one extra route. */
function appWith(path: string, error: HTTPException) {
  const app = createApp();
  app.use("*", requestContext);
  app.get(path, () => {
    throw error;
  });
  return (url: string) => app.request(url, {}, env);
}

describe("HTTPException mapping", () => {
  const cases: [status: 401 | 403 | 404 | 405 | 413 | 415 | 503, ErrorCode][] = [
    [401, "unauthorized"],
    [403, "forbidden"],
    [404, "route_not_found"],
    [405, "method_not_allowed"],
    [413, "payload_too_large"],
    [415, "unsupported_media_type"],
    [503, "service_unavailable"],
  ];

  it.each(cases)("keeps status %i as %s", async (status, code) => {
    const request = appWith("/boom", new HTTPException(status, { message: "from below" }));
    await expectProblem(await request("/boom"), status, code);
  });

  it("maps a 400 about JSON to malformed_json and another 400 to validation_failed", async () => {
    const json = appWith("/json", new HTTPException(400, { message: "Malformed JSON in request body" }));
    await expectProblem(await json("/json"), 400, "malformed_json");
    const other = appWith("/other", new HTTPException(400, { message: "bad" }));
    await expectProblem(await other("/other"), 400, "validation_failed");
  });

  it("answers a status it has no code for as internal_error", async () => {
    const request = appWith("/teapot", new HTTPException(418, { message: "teapot" }));
    await expectProblem(await request("/teapot"), 500, "internal_error");
  });
});

describe("producer configuration", () => {
  it("validates the variables once and applies them", async () => {
    const t = await seedTenant(env.DB);
    const res = await callWith(
      { MAX_BODY_BYTES: "2048" as never },
      "/v1/jobs",
      postInit(t.userKey, jobBody({ metadata: { pad: "x".repeat(3000) } })),
    );
    await expectProblem(res, 413, "payload_too_large");
  });

  it("answers 500 configuration_invalid naming a bad variable, instead of falling back to a default", async () => {
    const t = await seedTenant(env.DB);
    const res = await callWith({ MAX_BODY_BYTES: "lots" as never }, "/v1/jobs", getInit(t.userKey));
    const problem = await expectProblem(res, 500, "configuration_invalid");
    expect(problem.detail).toMatch(/MAX_BODY_BYTES/);
  });

  it("refuses a value out of range with the variable's name", () => {
    expect(() => producerConfig({ MAX_BODY_BYTES: "10" })).toThrow(
      /producer configuration is invalid: MAX_BODY_BYTES/,
    );
  });
});

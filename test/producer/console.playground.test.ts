// The console's playground builds its POST /v1/jobs body and its "copy as curl" command with pure
// functions (producer/public/console/js/pages/playground.js): the body is sent here to the real
// Worker, so a console whose form drifts from the API's schema fails on the Workers runtime.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { curlCommand, jobBody } from "../../producer/public/console/js/pages/playground.js";
import { seedTenant } from "../support/tenant";
import { call, postInit } from "./helpers";

/** The form's values as the page reads them: strings, empty when a control is left alone. */
const EMPTY_FORM = {
  prompt: "",
  negative_prompt: "",
  aspect_ratio: "1x1",
  seed: "",
  num_images: "1",
  provider: "",
  fallback_1: "",
  fallback_2: "",
  fallback_3: "",
  webhook_url: "",
  project_id: "",
};

describe("playground request", () => {
  it("sends a body with every field filled that the API accepts as given", async () => {
    const t = await seedTenant(env.DB);
    const body = jobBody({
      ...EMPTY_FORM,
      prompt: "  a lighthouse at dusk  ",
      negative_prompt: "text",
      aspect_ratio: "16x9",
      seed: "42",
      num_images: "2",
      provider: "demo",
      fallback_1: "openai",
      fallback_2: "openai",
      fallback_3: "replicate",
      webhook_url: "https://example.com/hooks/genqueue",
      project_id: t.projectId,
    });
    expect(body).toEqual({
      type: "image.generate",
      input: {
        prompt: "a lighthouse at dusk",
        negative_prompt: "text",
        aspect_ratio: "16x9",
        seed: 42,
        num_images: 2,
      },
      provider: "demo",
      fallback_providers: ["openai", "replicate"],
      webhook_url: "https://example.com/hooks/genqueue",
      project_id: t.projectId,
    });
    const res = await call("/v1/jobs", postInit(t.instanceWideKey, body));
    expect(res.status, await res.clone().text()).toBe(202);
    const job = (await res.json()) as { input: unknown; provider: string | null; project_id: string };
    expect(job.input).toEqual(body.input);
    expect(job.project_id).toBe(t.projectId);
  });

  it("leaves out what the form left empty, and the API fills its defaults", async () => {
    const t = await seedTenant(env.DB);
    const body = jobBody({ ...EMPTY_FORM, prompt: "a red square" });
    expect(body).toEqual({
      type: "image.generate",
      input: { prompt: "a red square", aspect_ratio: "1x1", num_images: 1 },
    });
    const res = await call("/v1/jobs", postInit(t.userKey, body));
    expect(res.status, await res.clone().text()).toBe(202);
  });

  it("copies the same request as curl, the key left to $GENQUEUE_KEY and quotes escaped", () => {
    const body = jobBody({ ...EMPTY_FORM, prompt: "it's a lighthouse" });
    const cmd = curlCommand("http://localhost:8787", body);
    expect(cmd).toContain("curl -s -X POST 'http://localhost:8787/v1/jobs'");
    expect(cmd).toContain('-H "authorization: Bearer $GENQUEUE_KEY"');
    expect(cmd).not.toMatch(/gq_[0-9a-z]{10,}/);
    // The single quote is closed, escaped and reopened, so the shell passes the JSON unchanged.
    const json = cmd.slice(cmd.indexOf("-d '") + 4, cmd.lastIndexOf("'")).replaceAll("'\\''", "'");
    expect(JSON.parse(json)).toEqual(body);
  });
});

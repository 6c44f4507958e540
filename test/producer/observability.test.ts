// The producer's logs and metrics on the Workers runtime: the app is called with a recording
// ANALYTICS writer, and console output is captured, so a test reads what was written.
import { afterEach, describe, expect, it, vi } from "vitest";
import { type DataPoint, recordingWriter } from "../../shared/observability/metrics-writer";
import { authHeaders, seedJob, seedTenant } from "../support/tenant";
import { callWith } from "./helpers";
import { env } from "cloudflare:workers";

function captureLogs(): () => Record<string, unknown>[] {
  const seen: string[] = [];
  for (const level of ["log", "warn", "error"] as const)
    vi.spyOn(console, level).mockImplementation((line: unknown) => void seen.push(String(line)));
  return () => seen.flatMap((l) => (l.startsWith("{") ? [JSON.parse(l) as Record<string, unknown>] : []));
}

const ofEvent = (points: DataPoint[], event: string) => points.filter((p) => p.blobs[0] === event);

afterEach(() => vi.restoreAllMocks());

describe("producer observability", () => {
  it("logs a failed request with its request id and the key's instance", async () => {
    const tenant = await seedTenant(env.DB);
    const lines = captureLogs();
    const res = await callWith({}, "/v1/jobs/job_doesnotexist", { headers: authHeaders(tenant.userKey) });
    expect(res.status).toBe(404);
    const request = lines().filter((l) => l.msg === "request");
    expect(request).toEqual([
      expect.objectContaining({
        level: "warn",
        request_id: res.headers.get("x-request-id"),
        instance_id: tenant.instanceId,
        method: "GET",
        route: "/v1/jobs/:id",
        status: 404,
      }),
    ]);
  });

  it("writes no request line for a quick success, but a request data point for every request", async () => {
    const tenant = await seedTenant(env.DB);
    const job = await seedJob(env.DB, tenant);
    const analytics = recordingWriter();
    const lines = captureLogs();
    const res = await callWith({ ANALYTICS: analytics }, `/v1/jobs/${job.id}`, {
      headers: authHeaders(tenant.userKey),
    });
    expect(res.status).toBe(200);
    expect(lines().filter((l) => l.msg === "request")).toEqual([]);
    const [point] = ofEvent(analytics.points, "request");
    expect(point).toMatchObject({
      indexes: [tenant.instanceId],
      blobs: ["request", "GET", "/v1/jobs/:id", "200"],
    });
    expect(point!.doubles[1]).toBe(200);
  });

  it("counts a job canceled through the API as a job data point of its instance", async () => {
    const tenant = await seedTenant(env.DB);
    const job = await seedJob(env.DB, tenant, { status: "queued" });
    const analytics = recordingWriter();
    const res = await callWith({ ANALYTICS: analytics }, `/v1/jobs/${job.id}/cancel`, {
      method: "POST",
      headers: authHeaders(tenant.userKey),
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    const points = ofEvent(analytics.points, "job");
    expect(points).toHaveLength(1);
    expect(points[0]!.indexes).toEqual([tenant.instanceId]);
    expect(points[0]!.blobs[2]).toBe("canceled");
  });

  it("marks an unauthenticated request's data point with no instance", async () => {
    const analytics = recordingWriter();
    const res = await callWith({ ANALYTICS: analytics }, "/v1/jobs");
    expect(res.status).toBe(401);
    expect(ofEvent(analytics.points, "request")[0]).toMatchObject({
      indexes: ["-"],
      blobs: ["request", "GET", "/v1/jobs", "401"],
    });
  });
});

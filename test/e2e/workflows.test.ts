// Workflows on the real local system (`npm start`): the producer opens the consumer's WorkflowState
// object across Workers (script_name), the consumer's job changes reach it through transition()'s
// announce hook, and a client reads the workflow's event stream until the completing version.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type System } from "./support/system";

let sys: System;

beforeAll(async () => {
  sys = await startSystem();
}, 90_000);

afterAll(async () => {
  await sys?.stop();
});

const job = (prompt: string) => ({ type: "image.generate", input: { prompt } });

/** Reads `text/event-stream` until it ends: each event's id and its data. */
async function readStream(res: Response): Promise<{ id: number; data: { type: string; done: boolean } }[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  const events: { id: number; data: { type: string; done: boolean } }[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return events;
    buffer += value;
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(
        block
          .split("\n")
          .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]),
      );
      if (fields.id) events.push({ id: Number(fields.id), data: JSON.parse(fields.data!) });
      end = buffer.indexOf("\n\n");
    }
  }
}

describe("workflows on the running system", () => {
  it("runs a workflow's jobs, streams its versions until it completes, and snapshots it", async () => {
    const created = await sys.api("/v1/workflows", {
      method: "POST",
      body: JSON.stringify({ name: "e2e", jobs: [job("a red chair"), job("a blue chair")] }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { workflow } = (await created.json()) as { workflow: { id: string } };

    const stream = await sys.api(`/v1/workflows/${workflow.id}/stream`, {
      signal: AbortSignal.timeout(60_000),
    });
    const events = await readStream(stream);
    expect(events.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(events.map((e) => e.data.type)).toEqual(["created", "job_ended", "job_ended"]);
    expect(events.at(-1)?.data.done).toBe(true);

    const res = await sys.api(`/v1/workflows/${workflow.id}`);
    expect(await res.json()).toMatchObject({
      status: "done",
      total: 2,
      counts: { succeeded: 2, queued: 0, running: 0 },
    });

    const snap = await sys.api(`/v1/workflows/${workflow.id}/snapshots`, { method: "POST", body: "{}" });
    expect(snap.status, await snap.clone().text()).toBe(201);
    expect(await snap.json()).toMatchObject({ version: 3, job_count: 2, failed_count: 0 });
  }, 90_000);
});

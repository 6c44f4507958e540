// Property-based fuzzing of every producer route (read from the OpenAPI document, see fuzz/routes.ts):
// malformed and hostile bodies, headers, paths and queries, bursts of concurrent duplicates. Every
// answer must keep the invariants of fuzz/harness.ts: never a 5xx, always a problem+json with a
// stable, declared code and the request id, never tenant B's data or a raw API key. Tenant B's rows
// must not change whatever A sends; what a write answers, a later read must answer too.
//
// `npm test` runs FUZZ_RUNS=300 cases in all (fixed seed); `npm run fuzz` runs 10,000.
// FUZZ_SEED=<n> changes the seed (printed on failure); FUZZ_COLLECT=1 lists every kind of break
// instead of stopping at the first. See docs-fuzz.md.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bodyArb,
  bodyText,
  contentTypes,
  headersArb,
  methods,
  normalHeaders,
  pathArb,
  type RequestSpec,
  showSpec,
  spec,
  toRequest,
  weirdString,
} from "./fuzz/arbitraries";
import {
  assertProperty,
  collected,
  escapeLoneSurrogates,
  FUZZ_COLLECT,
  FUZZ_RUNS,
  FUZZ_SEED,
  report,
  runsFor,
  type Sent,
  sendAndCheck,
  timeoutFor,
} from "./fuzz/harness";
import { type FuzzRoute, fillPath, fuzzRoutes, idsForParam } from "./fuzz/routes";
import { type FuzzTenant, type FuzzWorld, seedWorld, snapshotTenant } from "./fuzz/world";

const routes = fuzzRoutes();
const byName = new Map(routes.map((r) => [`${r.method} ${r.template}`, r]));
const bodyRoutes = routes.filter((r) => r.hasBody || ["POST", "PUT", "PATCH", "DELETE"].includes(r.method));
/** Routes with a path id that belongs to a tenant (`n` is an index; `provider` a name shared by all). */
const paramRoutes = routes.filter((r) => r.params.some((p) => p !== "n" && p !== "provider"));
const namingRoutes = routes.filter((r) => r.naming);

/** Shares of FUZZ_RUNS: the properties' runs add up to FUZZ_RUNS cases (a case may send several requests). */
const SHARES = { bodies: 0.3, headers: 0.2, paths: 0.25, isolation: 0.1, roundTrip: 0.1, bursts: 0.05 };

type Statuses = Map<number, number>;

function keyOf(t: FuzzTenant, role: "user" | "admin" | "instanceWide"): string {
  return role === "admin" ? t.adminKey : role === "instanceWide" ? t.instanceWideKey : t.userKey;
}

/** A's real ids in the route's parameters (so the request reaches the handler). */
function ownPath(world: FuzzWorld, route: FuzzRoute): fc.Arbitrary<string> {
  if (!route.params.length) return fc.constant(route.template);
  return fc
    .record(
      Object.fromEntries(route.params.map((p) => [p, fc.constantFrom(...idsForParam(route, p, world.a))])),
    )
    .map((values) => fillPath(route, values as Record<string, string>));
}

/** The request the route normally gets from A: right key, valid body. */
function normalSpec(world: FuzzWorld, route: FuzzRoute, path: string): RequestSpec {
  const body = route.hasBody ? JSON.stringify(route.validBody?.(world.a) ?? {}) : undefined;
  return spec({
    method: route.method,
    path,
    body,
    headers: [
      ["authorization", `Bearer ${route.admin ? world.a.adminKey : world.a.userKey}`],
      ...(body === undefined ? [] : ([["content-type", "application/json"]] as [string, string][])),
    ],
  });
}

/** Runs one request spec through the app and the invariants. */
async function exercise(world: FuzzWorld, s: RequestSpec, statuses: Statuses): Promise<Sent> {
  const request = toRequest(s);
  fc.pre(request !== null);
  const sent = await sendAndCheck(world, request!, bodyText(s));
  statuses.set(sent.response.status, (statuses.get(sent.response.status) ?? 0) + 1);
  return sent;
}

/** Seeds the world, runs the property, then checks tenant B's rows did not change. */
async function withWorld(name: string, run: (world: FuzzWorld, statuses: Statuses) => Promise<void>) {
  const world = await seedWorld();
  const before = await snapshotTenant(world.b);
  const statuses: Statuses = new Map();
  collected.clear();
  await run(world, statuses);
  expect(await snapshotTenant(world.b), "tenant B's rows changed").toBe(before);
  if (FUZZ_RUNS >= 1000 || FUZZ_COLLECT) {
    const histogram = [...statuses].sort(([x], [y]) => x - y).map(([s, n]) => `${s}:${n}`);
    console.log(`[fuzz] ${name}: ${histogram.join(" ")}`);
  }
  if (FUZZ_COLLECT && collected.size) {
    const lines = [...collected].map(([sig, { count, detail }]) => `${count}x ${sig}\n    e.g. ${detail}`);
    console.log(
      escapeLoneSurrogates(`[fuzz] ${name}: ${collected.size} kinds of break\n${lines.join("\n")}`),
    );
  }
  expect([...collected.keys()], "invariant breaks (FUZZ_COLLECT)").toEqual([]);
}

/** A body or text with ids and request ids replaced, to compare two answers. */
function normalise(text: string, id: string, ghost: string): string {
  return text.replaceAll(id, ghost).replace(/req_[0-9a-z]{20}/g, "req_…");
}

describe(`fuzz (FUZZ_RUNS=${FUZZ_RUNS}, FUZZ_SEED=${FUZZ_SEED}, ${routes.length} routes)`, () => {
  it("reads every route from the OpenAPI document", () => {
    for (const route of ["POST /v1/jobs", "GET /v1/jobs", "GET /v1/jobs/{id}", "POST /v1/jobs/{id}/cancel"]) {
      expect([...byName.keys()]).toContain(route);
    }
    expect(routes.filter((r) => r.admin).length).toBeGreaterThan(0);
  });

  const bodyRuns = runsFor(SHARES.bodies);
  it(
    `answers ${bodyRuns} malformed, hostile and huge bodies on every route that takes one`,
    async () => {
      await withWorld("bodies", async (world, statuses) => {
        const specs = fc.constantFrom(...bodyRoutes).chain((route) =>
          fc
            .record({
              path: ownPath(world, route),
              body: bodyArb(route, world.a),
              headers: normalHeaders(world.a, route),
              type: fc.option(contentTypes, { freq: 3 }),
            })
            .map(({ path, body, headers, type }) =>
              spec({
                method: route.method,
                path,
                body,
                headers:
                  type === null
                    ? [...headers.filter(([n]) => n !== "content-type"), ["content-type", "application/json"]]
                    : [...headers.filter(([n]) => n !== "content-type"), ["content-type", type]],
              }),
            ),
        );
        await assertProperty(
          "bodies",
          fc.asyncProperty(specs, async (s) => void (await exercise(world, s, statuses))),
          bodyRuns,
          1,
        );
      });
    },
    timeoutFor(bodyRuns),
  );

  const headerRuns = runsFor(SHARES.headers);
  it(
    `answers ${headerRuns} missing, duplicated and garbled headers on every route`,
    async () => {
      await withWorld("headers", async (world, statuses) => {
        const specs = fc.constantFrom(...routes).chain((route) =>
          fc
            .record({
              path: ownPath(world, route),
              body: route.hasBody
                ? fc.oneof(
                    { weight: 3, arbitrary: fc.constant(JSON.stringify(route.validBody?.(world.a) ?? {})) },
                    { weight: 1, arbitrary: bodyArb(route, world.a) },
                  )
                : fc.option(fc.constantFrom("", "{}", "x"), { freq: 4 }).map((b) => b ?? undefined),
            })
            .chain(({ path, body }) =>
              headersArb(world.a, route, body).map((headers) =>
                spec({ method: route.method, path, body, headers }),
              ),
            ),
        );
        await assertProperty(
          "headers",
          fc.asyncProperty(specs, async (s) => void (await exercise(world, s, statuses))),
          headerRuns,
          2,
        );
      });
    },
    timeoutFor(headerRuns),
  );

  const pathRuns = runsFor(SHARES.paths);
  it(
    `answers ${pathRuns} random ids, paths, queries and methods`,
    async () => {
      await withWorld("paths", async (world, statuses) => {
        const specs = fc.constantFrom(...routes).chain((route) =>
          fc
            .record({
              path: pathArb(world, route),
              method: fc.oneof(
                { weight: 6, arbitrary: fc.constant(route.method) },
                { weight: 1, arbitrary: methods },
              ),
            })
            .map(({ path, method }) => spec({ ...normalSpec(world, route, path), method })),
        );
        await assertProperty(
          "paths",
          fc.asyncProperty(specs, async (s) => void (await exercise(world, s, statuses))),
          pathRuns,
          3,
        );
      });
    },
    timeoutFor(pathRuns),
  );

  const isolationRuns = runsFor(SHARES.isolation);
  it(
    `answers A's keys on ${isolationRuns} ids out of their reach (B's; another project's) exactly as on unknown ids`,
    async () => {
      await withWorld("isolation", async (world, statuses) => {
        type Case = { route: FuzzRoute; via: "path" | "naming"; theirs: string; key: string };
        const viaPath: fc.Arbitrary<Case> = fc.constantFrom(...paramRoutes).chain((route) =>
          fc.record({
            route: fc.constant(route),
            via: fc.constant("path" as const),
            theirs: fc.constantFrom(
              ...route.params.flatMap((p) => (p === "n" ? [] : idsForParam(route, p, world.b))),
            ),
            key: fc.constantFrom(world.a.userKey, world.a.adminKey, world.a.instanceWideKey),
          }),
        );
        const viaNaming: fc.Arbitrary<Case> = fc.constantFrom(...namingRoutes).chain((route) =>
          fc.record({
            route: fc.constant(route),
            via: fc.constant("naming" as const),
            theirs: fc.constantFrom(...route.naming!.ids(world.b)),
            key: fc.constant(keyOf(world.a, route.naming!.key)),
          }),
        );
        // A's project-bound key on the jobs of the other project of its own instance.
        const siblingView = {
          ...world.a,
          jobIds: world.a.sibling.jobIds,
          webhookEventIds: world.a.sibling.webhookEventIds,
        };
        const siblingRoutes = paramRoutes.filter((r) => !r.admin && r.template.startsWith("/v1/jobs/"));
        const viaSibling: fc.Arbitrary<Case> = fc.constantFrom(...siblingRoutes).chain((route) =>
          fc.record({
            route: fc.constant(route),
            via: fc.constant("path" as const),
            theirs: fc.constantFrom(
              ...route.params.flatMap((p) => (p === "n" ? [] : idsForParam(route, p, siblingView))),
            ),
            key: fc.constant(world.a.userKey),
          }),
        );
        const ask = async ({ route, via, key }: Case, id: string) => {
          const naming = via === "naming" ? route.naming : undefined;
          const path = naming
            ? `${route.template}${naming.query?.(id) ?? ""}`
            : fillPath(route, Object.fromEntries(route.params.map((p) => [p, p === "n" ? "0" : id])));
          const payload = naming?.body
            ? naming.body(id)
            : route.hasBody
              ? route.validBody?.(world.a)
              : undefined;
          const body = payload === undefined ? undefined : JSON.stringify(payload);
          const s = spec({
            method: route.method,
            path,
            body,
            headers: [
              ["authorization", `Bearer ${key}`],
              ...(body === undefined ? [] : ([["content-type", "application/json"]] as [string, string][])),
            ],
          });
          return exercise(world, s, statuses);
        };
        await assertProperty(
          "isolation",
          fc.asyncProperty(fc.oneof(viaPath, viaNaming, viaSibling), async (c) => {
            // A look-alike of B's id that names nothing: same prefix and length, another random part.
            const ghost = `${c.theirs.split("_")[0]}_${"z".repeat(c.theirs.length - c.theirs.indexOf("_") - 1)}`;
            const forTheirs = await ask(c, c.theirs);
            const forGhost = await ask(c, ghost);
            const theirs = `${forTheirs.response.status} ${normalise(forTheirs.text, c.theirs, ghost)}`;
            const none = `${forGhost.response.status} ${normalise(forGhost.text, c.theirs, ghost)}`;
            if (theirs !== none) {
              report(
                `${c.route.method} ${c.route.template}: a real id out of reach answers unlike an unknown id`,
                `real ${c.theirs}: ${theirs.slice(0, 300)}\n    unknown ${ghost}: ${none.slice(0, 300)}`,
              );
            }
          }),
          isolationRuns,
          4,
        );
      });
    },
    timeoutFor(isolationRuns * 2),
  );

  const roundTripRuns = runsFor(SHARES.roundTrip);
  it(
    `reads back ${roundTripRuns} accepted writes with odd text exactly as the write answered them`,
    async () => {
      await withWorld("round trip", async (world, statuses) => {
        const text = fc.oneof(
          weirdString,
          fc.constantFrom("abcd\u{1F600}\u{1F600}x", "key-\u{1F600}", "abcdefg\ud800", "xxxxxxxx\udc00"),
        );
        type Write = {
          write: RequestSpec;
          read: (answer: unknown) => string;
          pick: (read: unknown, answer: unknown) => unknown;
        };
        const writes: fc.Arbitrary<Write>[] = [];
        const jobs = byName.get("POST /v1/jobs");
        if (jobs) {
          writes.push(
            fc
              .record(
                {
                  prompt: text,
                  negative_prompt: text,
                  metadata: fc.dictionary(text, text, { maxKeys: 4 }),
                  webhook_url: text.map((t) => `https://hooks.example.org/${t}`),
                },
                { requiredKeys: ["prompt"] },
              )
              .map(({ prompt, negative_prompt, metadata, webhook_url }) => ({
                write: spec({
                  ...normalSpec(world, jobs, "/v1/jobs"),
                  body: JSON.stringify({
                    type: "image.generate",
                    input: { prompt, ...(negative_prompt === undefined ? {} : { negative_prompt }) },
                    ...(metadata === undefined ? {} : { metadata }),
                    ...(webhook_url === undefined ? {} : { webhook_url }),
                  }),
                }),
                read: (answer) => `/v1/jobs/${(answer as { id: string }).id}`,
                pick: (read) => read,
              })),
          );
        }
        const providerKeys = byName.get("POST /v1/admin/provider-keys");
        if (providerKeys) {
          writes.push(
            text.map((t) => ({
              write: spec({
                ...normalSpec(world, providerKeys, "/v1/admin/provider-keys"),
                body: JSON.stringify({ provider: "ideogram", api_key: `ideo_${t}` }),
              }),
              read: () => "/v1/admin/provider-keys",
              pick: (read, answer) =>
                (read as { data: { id: string }[] }).data.find((k) => k.id === (answer as { id: string }).id),
            })),
          );
        }
        const webhook = byName.get("PUT /v1/admin/projects/{id}/webhook");
        if (webhook) {
          const path = `/v1/admin/projects/${world.a.projectId}/webhook`;
          writes.push(
            text.map((t) => ({
              write: spec({
                ...normalSpec(world, webhook, path),
                body: JSON.stringify({ url: `https://hooks.example.org/${t}` }),
              }),
              read: () => path,
              pick: (read) => read,
            })),
          );
        }
        await assertProperty(
          "round trip",
          fc.asyncProperty(fc.oneof(...writes), async ({ write, read, pick }) => {
            const written = await exercise(world, write, statuses);
            if (written.response.status >= 300) return;
            const answer = JSON.parse(written.text) as unknown;
            const readSpec = spec({ method: "GET", path: read(answer), headers: write.headers.slice(0, 1) });
            const reread = await exercise(world, readSpec, statuses);
            const where = `${write.method} ${write.path.replace(/prj_[0-9a-z]+/, "{id}")}`;
            const stored = reread.response.status === 200 ? pick(JSON.parse(reread.text), answer) : undefined;
            if (JSON.stringify(stored) !== JSON.stringify(answer)) {
              report(
                `${where}: a later read differs from the write's answer`,
                `${showSpec(write)}\n    wrote ${written.text.slice(0, 300)}\n    read ${JSON.stringify(stored)?.slice(0, 300)}`,
              );
            }
            const sent = JSON.parse(bodyText(write)) as { metadata?: Record<string, string> };
            const returned = (answer as { metadata?: unknown }).metadata;
            if (sent.metadata && JSON.stringify(returned) !== JSON.stringify(sent.metadata)) {
              report(
                `${where}: metadata is not returned as given`,
                `sent ${JSON.stringify(sent.metadata)}, returned ${JSON.stringify(returned)}`,
              );
            }
          }),
          roundTripRuns,
          5,
        );
      });
    },
    timeoutFor(roundTripRuns * 2),
  );

  const burstRuns = runsFor(SHARES.bursts);
  it(
    `answers ${burstRuns} bursts of identical concurrent requests within the invariants`,
    async () => {
      await withWorld("bursts", async (world, statuses) => {
        const bursts = fc.constantFrom(...routes.filter((r) => r.method !== "GET")).chain((route) =>
          fc.record({
            path: ownPath(world, route),
            size: fc.integer({ min: 2, max: 6 }),
            idempotencyKey: fc.option(fc.stringMatching(/^[a-z0-9-]{1,20}$/), { freq: 2 }),
            route: fc.constant(route),
          }),
        );
        await assertProperty(
          "bursts",
          fc.asyncProperty(bursts, async ({ path, size, idempotencyKey, route }) => {
            const base = normalSpec(world, route, path);
            const s = spec({
              ...base,
              headers: idempotencyKey ? [...base.headers, ["idempotency-key", idempotencyKey]] : base.headers,
            });
            await Promise.all(Array.from({ length: size }, () => exercise(world, s, statuses)));
          }),
          burstRuns,
          6,
        );
      });
    },
    timeoutFor(burstRuns * 6),
  );
});

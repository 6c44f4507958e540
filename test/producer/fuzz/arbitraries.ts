// fast-check arbitraries for requests to the producer: bodies, headers, paths and queries. A
// request is generated as a plain RequestSpec (readable in a counterexample) and only then built.
import fc from "fast-check";
import { jobStatuses } from "../../../shared/jobs/enums";
import { BASE_URL } from "./harness";
import { type FuzzRoute, fillPath, idsForParam } from "./routes";
import type { FuzzTenant, FuzzWorld } from "./world";

export interface RequestSpec {
  method: string;
  /** Path and query, as they go after the origin (not re-encoded by us). */
  path: string;
  /** Appended in order, so a name may repeat (Headers joins the values with ", "). */
  headers: [string, string][];
  body?: string | Uint8Array;
}

export const MAX_BODY_BYTES = 65_536;

/** Short enough to read in a counterexample: long bodies and header values are cut. */
export function showSpec(spec: RequestSpec): string {
  const cut = (v: string) => (v.length > 160 ? `${v.slice(0, 160)}…(${v.length} chars)` : v);
  const body =
    spec.body === undefined
      ? ""
      : ` body=${cut(typeof spec.body === "string" ? JSON.stringify(spec.body) : `bytes[${spec.body.length}]`)}`;
  const headers = spec.headers.map(([n, v]) => `${n}: ${JSON.stringify(cut(v))}`).join("; ");
  return `${spec.method} ${cut(spec.path)} [${headers}]${body}`;
}

/** Attaches showSpec as the value's fast-check printer. */
export function spec(value: RequestSpec): RequestSpec {
  return Object.assign(value, { [fc.toStringMethod]: () => showSpec(value) });
}

/** The Request a client would send, or null when fetch itself refuses to build it. */
export function toRequest(spec: RequestSpec): Request | null {
  const headers = new Headers();
  for (const [name, value] of spec.headers) {
    try {
      headers.append(name, value);
    } catch {
      // A value fetch refuses (NUL, CR, LF) cannot reach the Worker from a client: skip it.
    }
  }
  const bodyAllowed = spec.method !== "GET" && spec.method !== "HEAD";
  try {
    return new Request(`${BASE_URL}${spec.path}`, {
      method: spec.method,
      headers,
      body: bodyAllowed ? spec.body : undefined,
    });
  } catch {
    return null;
  }
}

export function bodyText(spec: RequestSpec): string {
  if (spec.body === undefined) return "";
  return typeof spec.body === "string" ? spec.body : new TextDecoder().decode(spec.body);
}

// ---------------------------------------------------------------------------------------------
// Strings and values

const unicode = fc.string({ unit: "binary", maxLength: 40 });
const loneSurrogates = fc.constantFrom("\ud800", "\udfff", "a\udc00b", "\ud83d", "😀\ud800");
const specialStrings = fc.constantFrom(
  "",
  " ",
  "\u0000",
  "\t\n\r",
  "null",
  "undefined",
  "__proto__",
  "constructor",
  "'; DROP TABLE jobs; --",
  "%00",
  "../../etc/passwd",
  "\u202e\u200b\ufeff",
  "é",
  "𝕏",
  "{{7*7}}",
  "$(id)",
  "<script>alert(1)</script>",
);
export const weirdString = fc.oneof(unicode, loneSurrogates, specialStrings, fc.string({ maxLength: 20 }));

/** Sizes close to MAX_BODY_BYTES on both sides, and a character of 1 to 4 UTF-8 bytes. */
export const hugeString = fc
  .record({
    size: fc.oneof(
      fc.integer({ min: MAX_BODY_BYTES - 64, max: MAX_BODY_BYTES + 64 }),
      fc.integer({ min: 4000, max: 4100 }),
      fc.integer({ min: 1, max: 3 * MAX_BODY_BYTES }),
    ),
    unit: fc.constantFrom("a", "é", "€", "😀", "\ud800", " ", "\\", '"'),
  })
  .map(({ size, unit }) => unit.repeat(Math.max(1, Math.floor(size / unit.length))));

export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  weirdString,
  fc.constantFrom(null, true, false, 0, -0, -1, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 31, 5e-324, [], {}),
  fc.double(),
  fc.integer(),
  fc.array(weirdString, { maxLength: 5 }),
  fc.dictionary(weirdString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

/** Literal JSON texts JSON.stringify cannot produce: numbers out of range, NaN, hex, leading zeros. */
const numberTexts = fc.constantFrom(
  "1e308",
  "1e309",
  "-1e999",
  "-0",
  "0.0000000000000000000000001",
  "1e-400",
  "NaN",
  "Infinity",
  "-Infinity",
  "0x10",
  "010",
  ".5",
  "5.",
  "+1",
  "1_000",
  "9007199254740993",
  "123456789012345678901234567890",
);

// ---------------------------------------------------------------------------------------------
// Bodies

function deepNest(depth: number, kind: "array" | "object", inner = "1"): string {
  return kind === "array"
    ? "[".repeat(depth) + inner + "]".repeat(depth)
    : '{"a":'.repeat(depth) + inner + "}".repeat(depth);
}

type Mutation =
  | { kind: "drop"; index: number }
  | { kind: "replace"; index: number; value: unknown }
  | { kind: "add"; key: string; value: unknown }
  | { kind: "nested"; index: number; key: string; value: unknown }
  | { kind: "duplicate"; index: number; value: unknown }
  | { kind: "wrap"; into: "array" | "string" | "object" };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), index: fc.nat() }),
  fc.record({ kind: fc.constant("replace" as const), index: fc.nat(), value: weirdValue }),
  fc.record({ kind: fc.constant("add" as const), key: weirdString, value: weirdValue }),
  fc.record({ kind: fc.constant("nested" as const), index: fc.nat(), key: weirdString, value: weirdValue }),
  fc.record({ kind: fc.constant("duplicate" as const), index: fc.nat(), value: weirdValue }),
  fc.record({ kind: fc.constant("wrap" as const), into: fc.constantFrom("array", "string", "object") }),
);

/** Applies mutations to a valid body; returns the JSON text (duplicate keys only exist as text). */
export function mutate(valid: unknown, mutations: Mutation[]): string {
  let body: unknown = structuredClone(valid);
  let duplicate: { key: string; value: unknown } | undefined;
  for (const m of mutations) {
    if (!body || typeof body !== "object" || Array.isArray(body)) break;
    const obj = body as Record<string, unknown>;
    const keys = Object.keys(obj);
    const key = keys.length ? keys[("index" in m ? m.index : 0) % keys.length]! : "x";
    switch (m.kind) {
      case "drop":
        delete obj[key];
        break;
      case "replace":
        obj[key] = m.value;
        break;
      case "add":
        obj[m.key] = m.value;
        break;
      case "nested": {
        const inner = obj[key];
        if (inner && typeof inner === "object" && !Array.isArray(inner)) {
          (inner as Record<string, unknown>)[m.key] = m.value;
        } else obj[key] = { [m.key]: m.value };
        break;
      }
      case "duplicate":
        duplicate = { key, value: m.value };
        break;
      case "wrap":
        body = m.into === "array" ? [obj] : m.into === "string" ? JSON.stringify(obj) : { body: obj };
        break;
    }
  }
  const text = JSON.stringify(body) ?? "null";
  if (duplicate && text.startsWith("{")) {
    const extra = `${JSON.stringify(duplicate.key)}:${JSON.stringify(duplicate.value) ?? "null"}`;
    return text === "{}" ? `{${extra},${extra}}` : `{${extra},${text.slice(1)}`;
  }
  return text;
}

/** Any body: valid-ish JSON, broken JSON, huge, unicode, raw bytes. */
export function bodyArb(route: FuzzRoute, tenant: FuzzTenant): fc.Arbitrary<string | Uint8Array> {
  const valid = route.validBody?.(tenant) ?? {};
  const validText = JSON.stringify(valid);
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }).map((ms) => mutate(valid, ms)),
    },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constant(validText) },
    {
      weight: 1,
      arbitrary: fc
        .record({ depth: fc.integer({ min: 1, max: 20_000 }), kind: fc.constantFrom("array", "object") })
        .map(({ depth, kind }) => deepNest(depth, kind as "array" | "object")),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ depth: fc.integer({ min: 1, max: 2000 }), index: fc.nat(), nested: fc.boolean() })
        .map(({ depth, index, nested }) => {
          const value = JSON.parse(deepNest(depth, "object")) as unknown;
          return mutate(valid, [
            nested ? { kind: "nested", index, key: "a", value } : { kind: "replace", index, value },
          ]);
        }),
    },
    {
      weight: 2,
      arbitrary: hugeString.chain((huge) =>
        fc.constantFrom(
          mutate(valid, [{ kind: "add", key: "pad", value: huge }]),
          JSON.stringify({ ...(valid as object), input: { prompt: huge } }),
          JSON.stringify(huge),
          huge,
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          index: fc.nat(),
          text: numberTexts,
          nestedKey: fc.option(fc.constantFrom("seed", "num_images", "limit", "prompt", "dry_run")),
        })
        .map(({ index, text, nestedKey }) => {
          // JSON.stringify cannot write these numbers: a marker string is replaced in the text.
          const marker = "__fuzz_number__";
          const m: Mutation =
            nestedKey === null
              ? { kind: "replace", index, value: marker }
              : { kind: "nested", index, key: nestedKey, value: marker };
          return mutate(valid, [m]).replaceAll(`"${marker}"`, text);
        }),
    },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.string({ unit: "binary", maxLength: 200 }),
        fc.string({ maxLength: 200 }),
        fc.constantFrom(
          "",
          " ",
          "null",
          "[]",
          "{}",
          '""',
          "{",
          "}",
          "{'a': 1}",
          '{"a":1,}',
          `\ufeff${validText}`,
          `${validText}garbage`,
          `${validText}${validText}`,
          validText.slice(0, -1),
          "a=b&c=d",
          '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
        ),
      ),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    {
      weight: 1,
      arbitrary: fc
        .dictionary(weirdString, weirdValue, { maxKeys: 6 })
        .map((extra) => JSON.stringify({ ...(valid as object), ...extra })),
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Headers

export const contentTypes = fc.oneof(
  {
    weight: 70,
    arbitrary: fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "application/json;charset=UTF-8",
      'application/json; charset="utf-8"',
      "application/json; charset=utf-16",
      "application/json;",
      "application/json; ;",
      "APPLICATION/JSON",
      "Application/Json; Charset=utf-8",
      " application/json ",
      "application/json\t",
      "application/problem+json",
      "application/merge-patch+json",
      "application/vnd.api+json",
      "application/+json",
      "application/jsonx",
      "application/json-seq",
      "application/json, text/plain",
      "text/json",
      "text/plain",
      "text/plain; charset=utf-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/octet-stream",
      "application/xml",
      "*/*",
      "",
      ";",
      "json",
    ),
  },
  { weight: 20, arbitrary: fc.string({ maxLength: 60 }) },
  // Non-ASCII reaches the Worker as UTF-8; workerd logs a warning for each, so they stay rare.
  {
    weight: 2,
    arbitrary: fc.constantFrom("application/json; charset=\u00e9", "\u00e9", "application/\u{1f600}json"),
  },
);

export const idempotencyKeys = fc.oneof(
  {
    weight: 100,
    arbitrary: fc.constantFrom(
      "",
      " ",
      "order-1",
      '"order-1"',
      '""',
      '"',
      'a"b',
      "'single'",
      "\u0001",
      "a\tb",
      "a b",
      "x".repeat(255),
      "x".repeat(256),
      "x".repeat(300),
      `"${"y".repeat(255)}"`,
    ),
  },
  { weight: 50, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  { weight: 50, arbitrary: fc.stringMatching(/^[\x21-\x7e]{1,300}$/) },
  // Non-ASCII reaches the Worker as UTF-8; workerd logs a warning for each, so they stay rare.
  { weight: 3, arbitrary: fc.constantFrom("clé", "\u00a0", "😀") },
);

/** An Authorization header value: valid keys of tenant A, broken ones, huge and non-ASCII ones. */
export function authorizationArb(t: FuzzTenant): fc.Arbitrary<string> {
  const keys = fc.constantFrom(t.userKey, t.adminKey, t.instanceWideKey, t.revokedKey);
  return fc.oneof(
    { weight: 120, arbitrary: keys.map((k) => `Bearer ${k}`) },
    {
      weight: 80,
      arbitrary: keys.chain((k) =>
        fc.constantFrom(
          "Bearer",
          "Bearer ",
          "bearer  x",
          `bearer  ${k}`,
          `BEARER ${k}`,
          `Bearer ${k} `,
          `Bearer\t${k}`,
          `Bearer ${k} extra`,
          `Bearer ${k},Bearer ${k}`,
          `Bearer ${k.toUpperCase()}`,
          `Bearer ${k.slice(0, -1)}`,
          `Bearer ${k}x`,
          `Bearer "${k}"`,
          `Basic ${btoa(`${k}:`)}`,
          `Token ${k}`,
          k,
          ` Bearer ${k}`,
          "Bearer gq_",
          `Bearer gq_${"a".repeat(40)}`,
          `Bearer gq_${"A".repeat(40)}`,
          "Bearer null",
        ),
      ),
    },
    { weight: 10, arbitrary: fc.integer({ min: 1, max: 200_000 }).map((n) => `Bearer ${"a".repeat(n)}`) },
    { weight: 10, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 10, arbitrary: fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`) },
    // Non-ASCII reaches the Worker as UTF-8; workerd logs a warning for each, so they stay rare.
    { weight: 3, arbitrary: keys.map((k) => `Bearer ${k}\u00e9`) },
  );
}

const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,24}$/);

export type HeaderOp = [name: string, value: string];

/** Header lists: Authorization (none, one, two), Idempotency-Key, Content-Type/Length, spoofs. */
export function headersArb(t: FuzzTenant, route: FuzzRoute, body: string | Uint8Array | undefined) {
  const size =
    body === undefined ? 0 : typeof body === "string" ? new TextEncoder().encode(body).length : body.length;
  const auth = fc.oneof(
    { weight: 1, arbitrary: fc.constant([] as HeaderOp[]) },
    { weight: 6, arbitrary: authorizationArb(t).map((v): HeaderOp[] => [["authorization", v]]) },
    {
      weight: 2,
      arbitrary: fc.tuple(authorizationArb(t), authorizationArb(t)).map(([x, y]): HeaderOp[] => [
        ["authorization", x],
        ["authorization", y],
      ]),
    },
  );
  const idem = fc.option(
    fc
      .array(idempotencyKeys, { minLength: 1, maxLength: 2 })
      .map((vs) => vs.map((v): HeaderOp => ["idempotency-key", v])),
    { freq: 2 },
  );
  const type = fc.option(
    fc
      .array(contentTypes, { minLength: 1, maxLength: 2 })
      .map((vs) => vs.map((v): HeaderOp => ["content-type", v])),
    { freq: 4 },
  );
  const length = fc.option(
    fc
      .constantFrom(
        "0",
        "-1",
        "abc",
        "1e3",
        " 5",
        String(size),
        String(size + 1),
        String(Math.max(0, size - 1)),
        "99999999999",
        String(MAX_BODY_BYTES + 1),
      )
      .map((v): HeaderOp[] => [["content-length", v]]),
    { freq: 6 },
  );
  const extra = fc.array(
    fc.oneof(
      fc.constantFrom<HeaderOp>(
        ["x-request-id", "req_spoofed0000000000000"],
        ["x-request-id", "<script>"],
        ["accept", "application/xml"],
        ["accept", "*/*;q=0"],
        ["x-forwarded-for", "127.0.0.1"],
        ["x-http-method-override", "DELETE"],
        ["transfer-encoding", "chunked"],
        ["content-encoding", "gzip"],
        ["expect", "100-continue"],
        ["cookie", "a=b"],
        ["origin", "https://evil.example"],
      ),
      fc.tuple(headerName, fc.string({ maxLength: 40 })),
    ),
    { maxLength: 3 },
  );
  return fc
    .record({ auth, idem, type, length, extra })
    .map(({ auth: a, idem: i, type: ty, length: l, extra: e }) => [
      ...a,
      ...(i ?? []),
      ...(ty ?? (route.hasBody ? ([["content-type", "application/json"]] as HeaderOp[]) : [])),
      ...(l ?? []),
      ...e,
    ]);
}

/** The header a route normally gets: A's key of the right role (mostly), JSON content type. */
export function normalHeaders(t: FuzzTenant, route: FuzzRoute): fc.Arbitrary<HeaderOp[]> {
  const key = fc.oneof(
    { weight: 8, arbitrary: fc.constant(route.admin ? t.adminKey : t.userKey) },
    { weight: 1, arbitrary: fc.constantFrom(t.userKey, t.adminKey, t.instanceWideKey) },
  );
  return key.map((k): HeaderOp[] => [
    ["authorization", `Bearer ${k}`],
    ...(route.hasBody || route.method === "POST"
      ? ([["content-type", "application/json"]] as HeaderOp[])
      : []),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Paths and queries

/** encodeURIComponent, which throws on a lone surrogate: those go as U+FFFD (as fetch would). */
const enc = (s: string) =>
  encodeURIComponent(
    s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"),
  );

/** A path segment for an id: real ids of A and B, look-alikes, traversal, encodings, huge. */
export function idSegment(world: FuzzWorld, route: FuzzRoute, param: string): fc.Arbitrary<string> {
  const own = idsForParam(route, param, world.a);
  const other = idsForParam(route, param, world.b);
  const anyReal = [
    ...world.a.jobIds,
    ...world.a.sibling.jobIds,
    world.a.sibling.projectId,
    ...world.b.jobIds,
    world.b.projectId,
    ...world.b.deadLetterIds,
    ...world.b.providerKeyIds,
  ];
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...own) },
    { weight: 3, arbitrary: fc.constantFrom(...other) },
    { weight: 2, arbitrary: fc.constantFrom(...anyReal) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...own, ...other)
        .chain((id) =>
          fc.constantFrom(
            id.toUpperCase(),
            `${id}/`,
            `${id}%20`,
            ` ${id}`,
            `${id}%00`,
            `${id}%2F..`,
            enc(id).replace(/_/g, "%5F"),
            id.slice(0, -1),
            `${id}x`,
            `${id};a=b`,
            `${id}%3Fa%3Db`,
          ),
        ),
    },
    { weight: 2, arbitrary: unicode.map(enc) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "..",
        "%2e%2e",
        "..%2F..%2Fadmin",
        "%2F",
        "%",
        "%zz",
        "%E0%A4%A",
        "%C0%AF",
        "%EF%BF%BD",
        "%F0%9F%98%80",
        "%ED%A0%80",
        "0",
        "-1",
        "null",
        "undefined",
        "job_",
        "dl_",
        "pk_",
        "prj_",
        `job_${"0".repeat(20)}`,
        `job_${"a".repeat(60)}`,
        "a".repeat(64),
        "a".repeat(65),
        "%41".repeat(64),
        "%41".repeat(65),
        "1e2",
        "0x10",
        "63",
        "64",
        "9007199254740993",
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => "a".repeat(n)) },
  );
}

/** B's real keyset cursor, and other plausible and implausible cursors. */
function cursorArb(world: FuzzWorld): fc.Arbitrary<string> {
  const toCursor = (ms: number | string, id: string) => btoa(`${ms}:${id}`).replaceAll("=", "");
  return fc.oneof(
    fc
      .constantFrom(...world.b.jobIds, ...world.b.deadLetterIds, ...world.a.jobIds)
      .map((id) => toCursor(Date.now() + 60_000, id)),
    fc
      .tuple(fc.oneof(fc.integer(), fc.constantFrom("NaN", "1e400", "-0", "", "9007199254740993")), unicode)
      .map(([ms, id]) => {
        try {
          return toCursor(ms, id);
        } catch {
          return "bad";
        }
      }),
    fc.base64String({ maxLength: 200 }),
    fc.string({ maxLength: 210 }),
    fc.constantFrom(
      "",
      "=",
      "====",
      "!!!",
      "a".repeat(200),
      "a".repeat(201),
      btoa(":"),
      btoa("1:"),
      btoa(":x"),
    ),
  );
}

const queryValue = fc.oneof(
  fc.constantFrom(
    "",
    "0",
    "1",
    "-1",
    "20",
    "100",
    "101",
    "1e2",
    "1.5",
    "NaN",
    "Infinity",
    "0x10",
    " 5",
    "5 ",
    "true",
    "null",
    "2026-11-20T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
    "2026-11-20T00:00:00+14:00",
    "2026-11-20T00:00:00+23:59",
    "2026-11-20T24:00:00Z",
    "2026-11-20T23:59:60Z",
    "2026-11-20",
    "+275760-09-13T00:00:00.000Z",
    "ideogram",
    "openai",
    "demo",
    "provider_unavailable",
  ),
  fc.constantFrom(...jobStatuses),
  fc.string({ maxLength: 30 }),
  unicode,
);

/** A query string for the route: its own parameters (repeated, empty, garbage) and unknown ones. */
export function queryArb(world: FuzzWorld, route: FuzzRoute): fc.Arbitrary<string> {
  const names = route.query.length ? route.query : ["limit", "status", "cursor"];
  const pair = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...names), queryValue) },
    { weight: 2, arbitrary: fc.tuple(fc.constant("cursor"), cursorArb(world)) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constant("project_id"), fc.constantFrom(world.a.projectId, world.b.projectId)),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.oneof(weirdString, fc.constantFrom("limit[]", "__proto__", "a[b]")), queryValue),
    },
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant("") },
    {
      weight: 6,
      arbitrary: fc
        .array(pair, { minLength: 1, maxLength: 5 })
        .map((pairs) => `?${pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join("&")}`),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((raw) => `?${raw}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("?", "?&", "?=", "?limit", "?limit=%", "?limit=%zz", "?status=%00", "?#x"),
    },
  );
}

/** A path for the route with fuzzed parameters, or a mangled version of its template. */
export function pathArb(world: FuzzWorld, route: FuzzRoute): fc.Arbitrary<string> {
  const params = fc.record(Object.fromEntries(route.params.map((p) => [p, idSegment(world, route, p)])));
  const base = params.map((values) => fillPath(route, values as Record<string, string>));
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(base, queryArb(world, route)).map(([p, q]) => p + q) },
    {
      weight: 1,
      arbitrary: base.chain((p) =>
        fc.constantFrom(
          `${p}/`,
          `/${p}`,
          p.toUpperCase(),
          p.replace("/v1/", "/v1//"),
          p.replace("/v1/", "/v1/./"),
          p.replace("/v1/", "/v1/admin/../"),
          p.replace("/v1/", "/v1/%2e%2e/v1/"),
          p.replace("/v1/", "/v2/"),
          `${p}%00`,
          `${p}#frag`,
          `${p}/extra`,
          p.replaceAll("/", "%2F"),
        ),
      ),
    },
  );
}

export const methods = fc.constantFrom(
  "GET",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
  "HEAD",
  "QUERY",
  "TRACE",
  "get",
);

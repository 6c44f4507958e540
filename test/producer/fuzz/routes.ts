// The route table the fuzzer drives, read from the app's own OpenAPI document: a route registered
// with `app.openapi(...)` is fuzzed with no change here. Per route it knows the method, the path
// template, which key it needs (admin under /v1/admin), whether it takes a JSON body, and a valid
// example body built from the schema's examples. `bodyOverrides` and `idsForParam` are the two
// places to touch when a new route needs real ids in its body or its path.
import app from "../../../producer/src/index";
import { providerNames } from "../../../shared/jobs/enums";
import type { FuzzTenant } from "./world";

export interface FuzzRoute {
  /** Upper-case HTTP method. */
  method: string;
  /** OpenAPI template, e.g. `/v1/jobs/{id}/images/{n}`. */
  template: string;
  /** Names of the path parameters, in order. */
  params: string[];
  /** Query parameter names the route declares. */
  query: string[];
  admin: boolean;
  /** No Authorization needed (health). */
  public: boolean;
  hasBody: boolean;
  /** The error codes the OpenAPI document declares for the route (`x-error-codes`). */
  declaredCodes: string[];
  /** Matches a request path (after the origin, without the query) that this route serves. */
  pattern: RegExp;
  /** A valid body, from the schema's examples (or an override), given tenant A's ids. */
  validBody?: (t: FuzzTenant) => unknown;
  /** For the isolation property: a request naming `id` in its body or query instead of its path. */
  naming?: IdNaming;
}

/** How a route names an id outside its path: in its body or its query (key chooses the API key). */
export interface IdNaming {
  key: "user" | "admin" | "instanceWide";
  ids: (t: FuzzTenant) => string[];
  body?: (id: string) => unknown;
  query?: (id: string) => string;
}

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  example?: unknown;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

/** Bodies that must carry real ids of the sending tenant to be valid. Keyed `METHOD template`. */
const bodyOverrides: Record<string, (t: FuzzTenant) => unknown> = {
  "POST /v1/jobs": () => ({ type: "image.generate", input: { prompt: "a lighthouse at dusk, watercolor" } }),
  "POST /v1/admin/dead-letters/replay": (t) => ({ ids: t.deadLetterIds, dry_run: true }),
  "POST /v1/admin/provider-keys": () => ({ provider: "ideogram", api_key: "ideo_fuzz_0123456789abcdef" }),
  "PUT /v1/admin/projects/{id}/webhook": () => ({ url: "https://hooks.example.org/genqueue" }),
  "PUT /v1/admin/provider-limits/{provider}": () => ({ rate_per_second: 2.5, burst: 5, max_in_flight: 4 }),
  "PUT /v1/admin/fallback-providers": () => ({ fallback_providers: ["openai", "replicate"] }),
};

/** Routes that name ids in their body or query. Keyed `METHOD template`. */
const idNamings: Record<string, IdNaming> = {
  "POST /v1/jobs": {
    key: "instanceWide",
    ids: (t) => [t.projectId],
    body: (id) => ({ type: "image.generate", input: { prompt: "x" }, project_id: id }),
  },
  "POST /v1/admin/dead-letters/replay": {
    key: "admin",
    ids: (t) => [...t.deadLetterIds, ...t.jobIds],
    body: (id) => ({ ids: [id], dry_run: true }),
  },
  "GET /v1/admin/dead-letters": {
    key: "admin",
    ids: (t) => [t.projectId],
    query: (id) => `?project_id=${id}`,
  },
  "GET /v1/admin/metrics": {
    key: "admin",
    ids: (t) => [t.instanceId],
    query: (id) => `?instance_id=${id}`,
  },
};

/** Real ids of a tenant that fit a path parameter, chosen by the path segment before it. */
export function idsForParam(route: FuzzRoute, param: string, t: FuzzTenant): string[] {
  if (param === "n") return ["0", "1", "63"];
  const segments = route.template.split("/");
  const before = segments[segments.indexOf(`{${param}}`) - 1] ?? "";
  switch (before) {
    case "jobs":
      return t.jobIds;
    case "provider-keys":
      return t.providerKeyIds;
    case "projects":
      return [t.projectId];
    case "dead-letters":
      return t.deadLetterIds;
    case "provider-limits":
      // Provider names, the same for every tenant: not ids (fuzz.test.ts leaves them out of isolation).
      return [...providerNames];
    case "events":
    case "webhook-events":
      return t.webhookEventIds;
    default:
      return [...t.jobIds, t.projectId, ...t.deadLetterIds, ...t.providerKeyIds, ...t.webhookEventIds];
  }
}

function resolve(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  let current = schema;
  for (let depth = 0; current.$ref && depth < 10; depth++) {
    current = components[current.$ref.replace("#/components/schemas/", "")] ?? {};
  }
  return current;
}

/** A value the schema accepts, from its examples and defaults where it has them. */
export function exampleOf(schema: JsonSchema, components: Record<string, JsonSchema>, depth = 0): unknown {
  const s = resolve(schema, components);
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (s.enum?.length) return s.enum[0];
  const alt = s.anyOf?.[0] ?? s.oneOf?.[0] ?? s.allOf?.[0];
  if (alt) return exampleOf(alt, components, depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((x) => x !== "null") : s.type;
  if (depth > 8) return null;
  switch (type) {
    case "object":
      return Object.fromEntries(
        Object.entries(s.properties ?? {})
          .filter(([name]) => s.required?.includes(name) ?? false)
          .map(([name, prop]) => [name, exampleOf(prop, components, depth + 1)]),
      );
    case "array":
      return s.items ? [exampleOf(s.items, components, depth + 1)] : [];
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    case "string":
      return "example";
    default:
      return null;
  }
}

interface OpenApiOperation {
  responses?: Record<string, { "x-error-codes"?: string[] }>;
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
}

/** Every route of the producer's OpenAPI document, plus the two documentation routes. */
export function fuzzRoutes(): FuzzRoute[] {
  const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "fuzz", version: "0" } });
  const components = (doc.components?.schemas ?? {}) as Record<string, JsonSchema>;
  const routes: FuzzRoute[] = [];
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, raw] of Object.entries(item ?? {})) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const op = raw as OpenApiOperation;
      const jsonSchema = op.requestBody?.content?.["application/json"]?.schema;
      const key = `${method.toUpperCase()} ${template}`;
      const override = bodyOverrides[key];
      routes.push({
        method: method.toUpperCase(),
        template,
        params: (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name),
        query: (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name),
        admin: template.startsWith("/v1/admin/"),
        public: !template.startsWith("/v1/"),
        hasBody: jsonSchema !== undefined,
        declaredCodes: Object.values(op.responses ?? {}).flatMap((r) => r["x-error-codes"] ?? []),
        pattern: patternOf(template),
        validBody: override ?? (jsonSchema ? () => exampleOf(jsonSchema, components) : undefined),
        naming: idNamings[key],
      });
    }
  }
  for (const template of ["/openapi.json", "/docs"]) {
    const doc = { params: [], query: [], admin: false, public: true, hasBody: false, declaredCodes: [] };
    routes.push({ ...doc, method: "GET", template, pattern: patternOf(template) });
  }
  return routes;
}

function patternOf(template: string): RegExp {
  const source = template
    .split(/\{\w+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
    .join("[^/]+");
  return new RegExp(`^${source}$`);
}

/** The route a request reaches (method and path), if any: the one the router would pick. */
export function routeOf(routes: FuzzRoute[], method: string, pathname: string): FuzzRoute | undefined {
  const m = method === "HEAD" ? "GET" : method;
  return routes.find((r) => r.method === m && r.pattern.test(pathname));
}

/** The template with each parameter replaced by the given (already encoded) segment. */
export function fillPath(route: FuzzRoute, values: Record<string, string>): string {
  return route.template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? "x");
}

// The layers, checked on the source: shared/ is plain modules both Workers use, so it imports
// neither the HTTP/OpenAPI layer (hono, @hono/*) nor either Worker; the Workers do not import
// each other; route files do not import each other (what several routes share is in
// producer/src/schemas); what the consumer bundles uses zod/mini, never classic zod (see
// shared/zod-mini.ts). A file that breaks a rule is named with the import it should not have.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Every module specifier a file imports or re-exports, statically or with import(). */
function importsOf(source: string): string[] {
  const found = source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g);
  return [...found].map((m) => m[1]!);
}

/** The imports of files under `dir` that break `forbidden`, as "file -> specifier". */
function violations(
  dir: string,
  forbidden: (specifier: string, resolved: string | null) => boolean,
): string[] {
  return sourceFiles(dir).flatMap((file) =>
    importsOf(readFileSync(join(ROOT, file), "utf8"))
      .filter((spec) => {
        const resolved = spec.startsWith(".") ? relative(ROOT, resolve(ROOT, dirname(file), spec)) : null;
        return forbidden(spec, resolved);
      })
      .map((spec) => `${file} -> ${spec}`),
  );
}

/** importsOf without the imports a bundler erases: `import type`, and `{ type A, type B }`. */
function valueImportsOf(source: string): string[] {
  const typeOnly = /^\s*(?:import|export)\s+(?:type\s|\{(?:\s*type\s+[^,}]+,?)+\s*\}\s*from)[^;]*;/gm;
  return importsOf(source.replace(typeOnly, ""));
}

/** The packages the files a bundle of `entry` holds import, as "file -> specifier". */
function packagesReachedFrom(entry: string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of valueImportsOf(readFileSync(join(ROOT, file), "utf8"))) {
      if (!spec.startsWith(".")) {
        found.push(`${file} -> ${spec}`);
        continue;
      }
      const base = relative(ROOT, resolve(ROOT, dirname(file), spec));
      const target = [base, `${base}.ts`, `${base}/index.ts`].find(
        (f) => f.endsWith(".ts") && existsSync(join(ROOT, f)),
      );
      if (target) visit(target);
    }
  };
  visit(entry);
  return found;
}

const isHttpLayer = (spec: string) =>
  spec === "hono" || spec.startsWith("hono/") || spec.startsWith("@hono/");
const under = (resolved: string | null, dir: string) => resolved?.startsWith(`${dir}/`) ?? false;

describe("layering", () => {
  it("finds static, type-only, re-exported and dynamic imports", () => {
    const source = [
      'import { z } from "@hono/zod-openapi";',
      'import type { Context } from "hono";',
      'export { x } from "../producer/src/app";',
      'const m = await import("./fakes/x.ts");',
      "// a comment naming hono is not an import",
    ].join("\n");
    expect(importsOf(source)).toEqual(["@hono/zod-openapi", "hono", "../producer/src/app", "./fakes/x.ts"]);
  });

  it("shared/ imports no HTTP/OpenAPI layer (hono, @hono/*)", () => {
    expect(violations("shared", (spec) => isHttpLayer(spec))).toEqual([]);
  });

  it("shared/ imports neither Worker", () => {
    expect(
      violations("shared", (_, resolved) => under(resolved, "producer") || under(resolved, "consumers")),
    ).toEqual([]);
  });

  it("the Workers do not import each other", () => {
    expect(violations("producer", (_, resolved) => under(resolved, "consumers"))).toEqual([]);
    expect(violations("consumers", (_, resolved) => under(resolved, "producer"))).toEqual([]);
  });

  it("the consumer's modules import zod/mini, not classic zod (its 40 locales) nor @hono/*", () => {
    const reached = packagesReachedFrom("consumers/src/index.ts");
    expect(reached.some((r) => r.endsWith("-> zod/mini"))).toBe(true);
    expect(reached.filter((r) => /-> (zod|zod\/v4|@hono\/.*)$/.test(r))).toEqual([]);
  });

  it("route files do not import other route files", () => {
    expect(
      violations("producer/src/routes", (_, resolved) => under(resolved, "producer/src/routes")),
    ).toEqual([]);
  });
});

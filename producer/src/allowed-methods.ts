// Which methods the app serves on a path, from its registered routes: a known path asked with
// another method answers 405 with an `Allow` header instead of 404.
import type { RouterRoute } from "hono/types";

const paramSegment = /^:[^/{]+(\{.+\})?$/;

function matches(pattern: string, path: string): boolean {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return false;
  return want.every((segment, i) => segment === got[i] || (paramSegment.test(segment) && got[i] !== ""));
}

/** The methods of the routes (not middleware) whose pattern matches `path`; HEAD comes with GET. */
export function allowedMethods(routes: readonly RouterRoute[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === "ALL" || route.path.includes("*") || !matches(route.path, path)) continue;
    methods.add(route.method);
    if (route.method === "GET") methods.add("HEAD");
  }
  return [...methods].sort();
}

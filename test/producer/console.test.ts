// Issue 16: the web console and /docs as the producer serves them. The console's files are Workers
// static assets (producer/public/), read here through the ASSETS binding (the Worker's own
// `exports.default.fetch` does not reach assets); /docs and the redirects are the Worker's. Every
// file the console or /docs loads is crawled from its entry page: each is served with its content
// type, and none names a script, stylesheet or font on another origin (the console works offline).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DOCS_ASSETS } from "../../producer/src/docs-page";
import { BASE_URL, call } from "./helpers";

const asset = (path: string) => env.ASSETS.fetch(new Request(new URL(path, BASE_URL)));

/** The one absolute URL the console may contain: the SVG namespace its charts are created in. */
const ALLOWED_URLS = new Set(["http://www.w3.org/2000/svg"]);
const ABSOLUTE_URL = /(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'`)<>]*/gi;

const CONTENT_TYPES: Record<string, RegExp> = {
  ".html": /^text\/html/,
  ".js": /^(text|application)\/javascript/,
  ".css": /^text\/css/,
};

/** What a file loads: <script src>, <link href>, ES module imports, CSS url() and @import. */
function references(text: string, contentType: string): string[] {
  const found: string[] = [];
  const collect = (re: RegExp) => {
    for (const m of text.matchAll(re)) found.push(m[1]!);
  };
  if (contentType.startsWith("text/html")) {
    collect(/<script\b[^>]*\bsrc="([^"]+)"/g);
    collect(/<link\b[^>]*\bhref="([^"]+)"/g);
    collect(/<img\b[^>]*\bsrc="([^"]+)"/g);
  } else if (contentType.includes("javascript")) {
    collect(/\bimport\s[^"'`;]*?from\s*["']([^"']+)["']/g);
    collect(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g);
    collect(/^\s*import\s*["']([^"']+)["']/gm);
  } else if (contentType.startsWith("text/css")) {
    collect(/url\(\s*["']?([^"')]+)["']?\s*\)/g);
    collect(/@import\s+["']([^"']+)["']/g);
  }
  return found.filter((ref) => !ref.startsWith("data:"));
}

interface Served {
  path: string;
  contentType: string;
  text: string;
}

/** Every file reachable from the entry page, fetched from the static assets. */
async function crawl(entry: string): Promise<Served[]> {
  const seen = new Map<string, Served>();
  const queue = [new URL(entry, BASE_URL)];
  while (queue.length > 0) {
    const url = queue.shift()!;
    if (seen.has(url.pathname)) continue;
    const res = await asset(url.href);
    expect(res.status, `${url.pathname} is served`).toBe(200);
    const contentType = res.headers.get("content-type") ?? "";
    const text = await res.text();
    seen.set(url.pathname, { path: url.pathname, contentType, text });
    for (const ref of references(text, contentType)) {
      const next = new URL(ref, url);
      // A reference to another origin is reported by the URL test, not followed.
      if (next.origin === url.origin) queue.push(next);
    }
  }
  return [...seen.values()];
}

function externalUrls(text: string): string[] {
  return [...text.matchAll(ABSOLUTE_URL)].map((m) => m[0]).filter((u) => !ALLOWED_URLS.has(u));
}

describe("web console", () => {
  it("redirects / and /console to /console/", async () => {
    for (const path of ["/", "/console"]) {
      const res = await call(path, { redirect: "manual" });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/console/");
    }
  });

  it("serves the console page at /console/ as HTML that loads its module", async () => {
    const res = await asset("/console/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<script type="module" src="js/main.js"></script>');
    expect(html).toContain('<html lang="en">');
  });

  it("serves every file the console loads with its content type", async () => {
    const files = await crawl("/console/");
    const paths = files.map((f) => f.path);
    // The shell, its stylesheet, the router and every page module are reached from the entry page.
    for (const path of [
      "/console/",
      "/console/console.css",
      "/console/js/main.js",
      "/console/js/api.js",
      "/console/js/charts.js",
      "/console/js/pages/playground.js",
      "/console/js/pages/dashboard.js",
      "/console/js/pages/admin/keys.js",
    ])
      expect(paths).toContain(path);
    for (const file of files) {
      const ext = file.path.endsWith("/") ? ".html" : file.path.slice(file.path.lastIndexOf("."));
      expect(CONTENT_TYPES[ext], `a known kind of file: ${file.path}`).toBeDefined();
      expect(file.contentType, file.path).toMatch(CONTENT_TYPES[ext]!);
    }
  });

  it("names no URL of another origin in any console file (nothing from a CDN)", async () => {
    const files = await crawl("/console/");
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(externalUrls(file.text), file.path).toEqual([]);
  });

  it("does not serve the console's README", async () => {
    expect((await asset("/console/README.md")).status).toBe(404);
  });
});

describe("/docs offline", () => {
  it("references only scripts and stylesheets served by this Worker's assets", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    const html = await res.text();
    const refs = references(html, "text/html");
    expect(refs.sort()).toEqual([DOCS_ASSETS.script, DOCS_ASSETS.stylesheet].sort());
    for (const ref of refs) expect(ref).toMatch(/^\/[^/]/);
    expect(externalUrls(html)).toEqual([]);
    // Swagger UI's validator badge is the one thing it would load from elsewhere: it is off.
    expect(html).toContain('"validatorUrl":null');
  });

  it("serves the reference's script and stylesheet with their content types", async () => {
    const script = await asset(DOCS_ASSETS.script);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/^(text|application)\/javascript/);
    expect(await script.text()).toContain("SwaggerUIBundle");
    const css = await asset(DOCS_ASSETS.stylesheet);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toMatch(/^text\/css/);
  });

  it("loads no stylesheet, font or script from another origin through the reference's files", async () => {
    const css = await (await asset(DOCS_ASSETS.stylesheet)).text();
    expect(references(css, "text/css").filter((ref) => /^(https?:)?\/\//.test(ref))).toEqual([]);
    expect(css).not.toMatch(/@import|@font-face/);
    const script = await (await asset(DOCS_ASSETS.script)).text();
    // The bundle mentions specification links in its text; what would load is a CDN, a font host
    // or a stylesheet or script injected from an absolute URL.
    expect(script).not.toMatch(/cdn\.jsdelivr|unpkg\.com|cdnjs|fonts\.googleapis|fonts\.gstatic|@font-face/);
    expect(script).not.toMatch(/<(script|link)[^>]+(src|href)=["']?(https?:)?\/\//);
  });
});

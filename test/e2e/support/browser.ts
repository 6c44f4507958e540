// A real headless Chromium for the console's end-to-end tests: Debian's `chromium` package
// (/usr/bin/chromium, installed by .ci/run through apt) driven by playwright-core, which brings no
// browser of its own and downloads nothing. CHROMIUM_PATH points elsewhere when needed.
//
//   const browser = await openBrowser();
//   const page = await browser.newPage({ baseURL: sys.baseUrl });
//   ...
//   await browser.close();
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ROOT = resolve(import.meta.dirname, "../../..");
/** Where the console test run writes one screenshot per page (committed, shown by the README). */
export const SCREENSHOT_DIR = join(ROOT, "docs/screenshots");

/** Flags that keep the browser quiet and self-contained: no GPU, no sandbox (CI runs as root), no calls home. */
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface ConsoleBrowser {
  /** A page in a fresh context (its own storage, so its own sign-in). */
  newPage(options?: BrowserContextOptions): Promise<Page>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<ConsoleBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y --no-install-recommends chromium) or set CHROMIUM_PATH`,
    );
  }
  // chromium.launch gives the browser a fresh temporary profile (removed on close): nothing cached
  // or signed in from an earlier run; each context then has its own storage.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, timeout: 60_000 });
  const contexts: BrowserContext[] = [];
  return {
    newPage: async (options = {}) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
      contexts.push(context);
      return context.newPage();
    },
    close: async () => {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close();
    },
  };
}

/**
 * Saves docs/screenshots/<name>.png (overwriting the last run's): the viewport, or the whole page
 * with `fullPage`. Animations are stopped and the caret hidden, so reruns differ only in data.
 */
export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({
    path: join(SCREENSHOT_DIR, `${name}.png`),
    fullPage: options.fullPage ?? false,
    animations: "disabled",
    caret: "hide",
  });
}

/** Collects the requests a page made to hosts other than localhost, to assert it stayed offline. */
export async function denyOutsideRequests(page: Page): Promise<string[]> {
  const attempted: string[] = [];
  await page.route(
    (url) => !isLocal(url),
    (route) => {
      attempted.push(route.request().url());
      return route.abort("blockedbyclient");
    },
  );
  return attempted;
}

function isLocal(url: URL): boolean {
  if (url.protocol === "data:" || url.protocol === "blob:") return true;
  return ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

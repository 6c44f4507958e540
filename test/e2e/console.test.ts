// The web console (issue 16) in a real headless Chromium against the real local system: sign in,
// run a job, manage keys, replay a dead letter, the dashboard's charts, a user key's refusal,
// keyboard use, phone width, and /docs offline. Each page's screenshot goes to docs/screenshots/.
// Controls are found by their accessible names (producer/public/console/README.md lists them).
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleBrowser, denyOutsideRequests, openBrowser, screenshot } from "./support/browser";
import { type ApiJob, type System, startSystem } from "./support/system";

const JOB_TIMEOUT_MS = 60_000;
/** The demo provider's marker for a retryable failure: the job spends its attempts, then is dead-lettered. */
const POISON_PROMPT = "a console dead letter [demo:fail=provider_network_error]";

let sys: System;
let browser: ConsoleBrowser;
/** Jobs run through the API while the browser tests go: the dead letter to replay, and dashboard data. */
let deadLetter: Promise<ApiJob>;
let background: Promise<ApiJob[]>;

const terminal = (job: ApiJob) => ["succeeded", "failed", "canceled", "dead_lettered"].includes(job.status);

async function enqueue(prompt: string): Promise<string> {
  const res = await sys.api("/v1/jobs", {
    method: "POST",
    body: JSON.stringify({ type: "image.generate", input: { prompt } }),
  });
  if (res.status !== 202) throw new Error(`POST /v1/jobs answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as ApiJob).id;
}

beforeAll(async () => {
  // Both start together; if one fails, the other is still assigned, so afterAll stops it.
  const [system, chromium] = await Promise.allSettled([startSystem(), openBrowser()]);
  if (system.status === "fulfilled") sys = system.value;
  if (chromium.status === "fulfilled") browser = chromium.value;
  if (system.status === "rejected") throw system.reason;
  if (chromium.status === "rejected") throw chromium.reason;
  const poison = await enqueue(POISON_PROMPT);
  deadLetter = sys.pollJob(poison, terminal, 120_000);
  const others = await Promise.all([
    ...Array.from({ length: 4 }, (_, i) => enqueue(`dashboard filler ${i}`)),
    enqueue("a permanent failure [demo:fail=provider_bad_request]"),
  ]);
  background = Promise.all(others.map((id) => sys.pollJob(id, terminal, JOB_TIMEOUT_MS)));
  // Not awaited here: a test that needs them awaits them, so a failure lands on that test.
  deadLetter.catch(() => {});
  background.catch(() => {});
});

afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

/** Signs in on the console's front page and waits for the page it lands on (the playground). */
async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${sys.baseUrl}/console/`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("signed-in-as").waitFor();
  await page.getByRole("form", { name: "New image job" }).waitFor();
}

/** Opens a console page by its address and waits for its heading and its first data. */
async function open(page: Page, hash: string, heading: string): Promise<void> {
  await page.goto(`${sys.baseUrl}/console/#/${hash}`);
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
  await page.waitForLoadState("networkidle");
}

/** Presses Tab until the focused element is the one `matches` describes; throws after `max` presses. */
async function tabTo(page: Page, matches: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const hit = await page.evaluate(
      (selector) => document.activeElement?.matches(selector) ?? false,
      matches,
    );
    if (hit) return;
  }
  throw new Error(`${max} presses of Tab never reached ${matches}`);
}

async function waitForStatus(page: Page, status: string): Promise<void> {
  await page
    .locator(`[data-testid="job-status"][data-status="${status}"]`)
    .first()
    .waitFor({ timeout: JOB_TIMEOUT_MS });
}

/** The first generated image on the page, once the browser has decoded it. */
async function imageWidth(page: Page): Promise<number> {
  const img = page.getByRole("img", { name: /^Generated image 1 of / }).first();
  await img.waitFor();
  await expect
    .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0))
    .toBe(true);
  return img.evaluate((el: HTMLImageElement) => el.naturalWidth);
}

/** Horizontal overflow of the document, in CSS pixels (0 when nothing scrolls sideways). */
const overflowX = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe("as the dev user key", () => {
  it("signs in, runs a job in the playground to succeeded and shows its image", async () => {
    const page = await browser.newPage();
    await signIn(page, sys.apiKey);
    await page.getByRole("heading", { level: 1, name: "Playground" }).waitFor();
    expect(await page.getByTestId("signed-in-as").textContent()).toContain("(user)");

    await page.getByLabel("Prompt", { exact: true }).fill("a lighthouse at dusk, console test");
    await page.getByLabel("Aspect ratio").selectOption("16x9");
    await page.getByLabel("Seed").fill("42");
    await page.getByRole("button", { name: "Generate" }).click();
    await waitForStatus(page, "succeeded");
    expect(await imageWidth(page)).toBeGreaterThan(0);
    const jobId = (await page.locator(".job-panel h2 code").first().textContent())?.trim() ?? "";
    expect(jobId).toMatch(/^job_/);
    const job = (await (await sys.api(`/v1/jobs/${jobId}`)).json()) as ApiJob;
    expect(job.status).toBe("succeeded");
    await screenshot(page, "playground", { fullPage: true });

    await page.getByRole("link", { name: "Open job page" }).click();
    await page.getByRole("heading", { level: 1, name: `Job ${jobId}` }).waitFor();
    await waitForStatus(page, "succeeded");
    expect(await imageWidth(page)).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByRole("region", { name: "Event history" }).textContent())
      .toContain("succeeded");
    await screenshot(page, "job");

    await background;
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Jobs" }).waitFor();
    await page.getByRole("link", { name: jobId }).waitFor();
    await screenshot(page, "jobs");
  });

  it("follows a job live through running to succeeded, and copies it as curl", async () => {
    const page = await browser.newPage();
    await signIn(page, sys.apiKey);
    // The demo provider waits 2.5 s on this marker: long enough for the page to show `running`.
    const prompt = "a slow lighthouse [demo:delay=2500]";
    await page.getByLabel("Prompt", { exact: true }).fill(prompt);
    await page.getByRole("button", { name: "Copy as curl" }).click();
    const curl = await page.getByLabel("curl command").inputValue();
    expect(curl).toContain(`${sys.baseUrl}/v1/jobs`);
    expect(curl).toContain(JSON.stringify(prompt));
    expect(curl).not.toContain(sys.apiKey);

    await page.evaluate(() => {
      (window as { sameDocument?: boolean }).sameDocument = true;
    });
    await page.getByRole("button", { name: "Generate" }).click();
    const status = page.getByTestId("job-status");
    const seen: string[] = [];
    const deadline = Date.now() + JOB_TIMEOUT_MS;
    while (seen.at(-1) !== "succeeded" && Date.now() < deadline) {
      const now = await status.getAttribute("data-status").catch(() => null);
      if (now && now !== seen.at(-1)) seen.push(now);
      await page.waitForTimeout(100);
    }
    expect(seen).toContain("running");
    expect(seen.at(-1)).toBe("succeeded");
    expect(seen.indexOf("running")).toBeLessThan(seen.indexOf("succeeded"));
    // No reload: the page itself followed the job.
    expect(await page.evaluate(() => (window as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(await imageWidth(page)).toBeGreaterThan(0);
  });

  it("shows a text job's reply, its tokens and the prompt on the job page", async () => {
    const res = await sys.api("/v1/jobs", {
      method: "POST",
      body: JSON.stringify({
        type: "text.generate",
        input: { messages: [{ role: "user", content: "A console text job [demo:words=7]" }], max_tokens: 50 },
      }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as ApiJob;
    const done = await sys.pollJob(id, terminal, JOB_TIMEOUT_MS);
    expect(done.status).toBe("succeeded");
    const page = await browser.newPage();
    await signIn(page, sys.apiKey);
    await open(page, `jobs/${id}`, `Job ${id}`);
    await waitForStatus(page, "succeeded");
    const reply = page.locator("figure.output pre");
    await reply.waitFor();
    expect(await reply.textContent()).toBe(done.result?.text?.content);
    await expect.poll(() => page.getByText("A console text job [demo:words=7]").count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByText(/\d+ in · 7 out/).count()).toBeGreaterThan(0);
  });

  it("shows a user key no Admin link, and the admin page refuses it", async () => {
    const page = await browser.newPage();
    await signIn(page, sys.apiKey);
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Playground" }).waitFor();
    expect(await nav.getByRole("link", { name: "Admin" }).count()).toBe(0);
    expect(await nav.getByRole("link", { name: "Dead letters" }).count()).toBe(0);
    expect(await nav.getByRole("link", { name: "Dashboard" }).count()).toBe(0);

    await page.goto(`${sys.baseUrl}/console/#/admin/api-keys`);
    await page.getByRole("heading", { level: 1, name: "Not found" }).waitFor();
    expect(await page.getByText("There is no such page for this key.").count()).toBe(1);
    expect(await page.getByLabel("Key name").count()).toBe(0);
    // And the API refuses the key anyway (a user may list only its own keys, so those answer).
    for (const path of ["/v1/admin/dead-letters", "/v1/admin/audit-log", "/v1/admin/provider-limits"])
      expect((await sys.api(path)).status, path).toBe(403);
  });

  it("runs a job from the playground with the keyboard alone", async () => {
    const page = await browser.newPage();
    await page.goto(`${sys.baseUrl}/console/`);
    // The key field has focus on arrival; Enter submits the sign-in form.
    await page.getByLabel("API key").waitFor();
    await page.keyboard.type(sys.apiKey);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Playground" }).waitFor();

    await tabTo(page, 'textarea[name="prompt"]');
    await page.keyboard.type("typed without a mouse");
    await tabTo(page, 'select[name="aspect_ratio"]');
    const before = await page.getByLabel("Aspect ratio").inputValue();
    await page.keyboard.press("ArrowDown");
    expect(await page.getByLabel("Aspect ratio").inputValue()).not.toBe(before);
    await tabTo(page, 'input[name="seed"]');
    await page.keyboard.type("7");
    await tabTo(page, 'button[type="submit"]');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Generate");
    await page.keyboard.press("Enter");
    await waitForStatus(page, "succeeded");
    expect(await imageWidth(page)).toBeGreaterThan(0);
  });
});

describe("as the dev admin key", () => {
  it("shows only the page navigated to when the previous one was still loading", async () => {
    const page = await browser.newPage();
    await signIn(page, sys.adminKey);
    // Leave each page right away, before its data arrived; the last one must be alone on screen.
    for (const hash of ["jobs", "dead-letters", "dashboard", "admin/api-keys", "playground", "jobs"])
      await page.evaluate((h) => {
        location.hash = `#/${h}`;
      }, hash);
    await page.getByRole("heading", { level: 1, name: "Jobs" }).waitFor();
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(1_000);
    // A page's heading is drawn at once and its forms after its first requests: neither may linger.
    expect(await page.locator("main h1").allTextContents()).toEqual(["Jobs"]);
    const forms = await page
      .locator("main form, main section[aria-label]")
      .evaluateAll((els) => els.map((el) => el.getAttribute("aria-label")));
    expect(forms).toEqual(["Job filters"]);
  });

  it("creates an API key, shows its secret once, and revokes it", async () => {
    const page = await browser.newPage();
    await signIn(page, sys.adminKey);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
    await page.getByRole("heading", { level: 1, name: "Admin" }).waitFor();
    await page.getByRole("link", { name: "API keys" }).click();

    const name = `console-${Date.now()}`;
    await page.getByLabel("Key name").fill(name);
    await page.getByRole("button", { name: "Create key" }).click();
    const secretField = page.getByLabel("New key secret");
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^gq_/);
    expect(await page.getByText("shown this once").count()).toBe(1);
    const me = await fetch(`${sys.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(me.status).toBe(200);

    const row = page.getByRole("row").filter({ hasText: name });
    await row.waitFor();
    await row.getByRole("button", { name: "Revoke" }).click();
    await page.getByText(`Key ${name} revoked.`).waitFor();
    await expect.poll(() => row.textContent()).toContain("revoked");
    expect(await row.getByRole("button", { name: "Revoke" }).count()).toBe(0);
    // Shown once: no longer on the page, and not in the list the API serves.
    expect(await page.getByTestId("secret").count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    await screenshot(page, "admin");

    // A revoked key stops within 10 s everywhere (README).
    await expect
      .poll(
        async () =>
          (await fetch(`${sys.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${secret}` } })).status,
        { timeout: 15_000, interval: 500 },
      )
      .toBe(401);
  });

  it("replays a dead letter: dry run, then replay with the progress bar reaching done", async () => {
    const dead = await deadLetter;
    expect(dead.status).toBe("dead_lettered");
    const page = await browser.newPage();
    await signIn(page, sys.adminKey);
    await open(page, "dead-letters", "Dead letters");

    await page.getByLabel("Error code").fill(dead.error?.code ?? "provider_network_error");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByRole("link", { name: dead.id }).waitFor();
    await page.getByRole("checkbox", { name: `Select ${dead.id}` }).check();

    await page.getByRole("button", { name: "Dry run" }).click();
    await page.getByText("Dry run: 1 would be replayed").waitFor();
    // A dry run replays nothing.
    const after = (await (await sys.api(`/v1/jobs/${dead.id}`)).json()) as ApiJob;
    expect(after.status).toBe("dead_lettered");
    await screenshot(page, "dead-letters");

    const progress = page.getByRole("progressbar", { name: "Replay progress" });
    expect(await progress.evaluate((el: HTMLProgressElement) => el.value)).toBe(0);
    await page.getByRole("button", { name: "Replay", exact: true }).click();
    await page.getByText("Replayed 1, skipped 0, failed 0.").waitFor();
    expect(await progress.evaluate((el: HTMLProgressElement) => [el.value, el.max])).toEqual([1, 1]);
    expect(await page.getByText("1 of 1 done").count()).toBe(1);

    const events = (await (await sys.api(`/v1/jobs/${dead.id}/events`)).json()) as {
      data: { type: string }[];
    };
    expect(events.data.map((e) => e.type)).toContain("replayed");
  });

  it("draws the dashboard's charts from the jobs that ran", async () => {
    await background;
    const page = await browser.newPage();
    await signIn(page, sys.adminKey);
    await open(page, "dashboard", "Dashboard");

    const jobsChart = page.getByTestId("chart-jobs").locator("svg");
    await jobsChart.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("dashboard-empty").count()).toBe(0);
    const jobs = Number(await page.getByTestId("tile-jobs").locator("strong").textContent());
    expect(jobs).toBeGreaterThan(0);
    // Every line chart has a drawn path, and the jobs chart's peak is above zero.
    for (const chart of ["jobs", "outcomes", "latency", "provider-errors", "spend"]) {
      const drawn = await page
        .getByTestId(`chart-${chart}`)
        .locator("svg path, svg circle")
        .evaluateAll((els) => els.filter((el) => (el.getAttribute("d") ?? "x").length > 0).length);
      expect(drawn, chart).toBeGreaterThan(0);
    }
    expect(await jobsChart.getAttribute("aria-label")).not.toMatch(/max 0[;.]?$/);
    const outcomes = await page.getByTestId("chart-outcomes").locator("svg").getAttribute("aria-label");
    expect(outcomes).toMatch(/Succeeded: latest [^;]*, max [1-9]/);
    const bars = await page.getByTestId("chart-utilisation").locator("svg rect.bar").count();
    expect(bars).toBeGreaterThan(0);
    await screenshot(page, "dashboard");

    // Another window: fetched and drawn again, with the same jobs in it.
    const range = page.getByText(/-minute buckets/);
    const hour = await range.textContent();
    await page.getByLabel("Window").selectOption("day");
    await expect.poll(() => range.textContent()).not.toBe(hour);
    await jobsChart.waitFor();
    const dayJobs = Number(await page.getByTestId("tile-jobs").locator("strong").textContent());
    expect(dayJobs).toBeGreaterThanOrEqual(jobs);
  });

  it("fits every page in a 375 px wide screen with no horizontal scroll", async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 812 }, isMobile: true });
    await signIn(page, sys.adminKey);
    for (const [hash, heading, drawn] of await adminPages(page)) {
      await open(page, hash, heading);
      await drawn();
      expect(await overflowX(page), hash).toBeLessThanOrEqual(0);
      if (hash === "playground") await screenshot(page, "phone");
    }
  });

  it("loads every page without an error, every control and image named", async () => {
    const page = await browser.newPage();
    await signIn(page, sys.adminKey);
    for (const [hash, heading, drawn] of await adminPages(page)) {
      await open(page, hash, heading);
      await drawn();
      expect(await page.getByRole("alert").allTextContents(), hash).toEqual([]);
      expect(await unnamed(page), hash).toEqual([]);
    }
  });
});

/** Every page an admin key reaches, each with a wait for its data (tables, charts) to be drawn. */
async function adminPages(page: Page): Promise<[string, string, () => Promise<void>][]> {
  const [job] = await background;
  if (!job) throw new Error("no background job");
  return [
    ["playground", "Playground", () => page.getByRole("form", { name: "New image job" }).waitFor()],
    ["jobs", "Jobs", () => page.getByRole("region", { name: "Jobs" }).waitFor()],
    [`jobs/${job.id}`, `Job ${job.id}`, () => waitForStatus(page, job.status)],
    ["dead-letters", "Dead letters", () => page.getByText(/\d+ dead letters ·/).waitFor()],
    ["dashboard", "Dashboard", () => page.getByTestId("chart-jobs").waitFor()],
    ["admin/organizations", "Admin", () => page.getByRole("region", { name: "Organizations" }).waitFor()],
    ["admin/instances", "Admin", () => page.getByRole("region", { name: "Instances" }).waitFor()],
    ["admin/projects", "Admin", () => page.getByRole("region", { name: "Projects" }).waitFor()],
    ["admin/api-keys", "Admin", () => page.getByRole("region", { name: "API keys" }).waitFor()],
    ["admin/users", "Admin", () => page.getByRole("region", { name: "Users" }).waitFor()],
    ["admin/provider-keys", "Admin", () => page.getByRole("button", { name: "Add provider key" }).waitFor()],
    ["admin/pacing", "Admin", () => page.getByRole("button", { name: "Save limit" }).waitFor()],
    ["admin/fallback", "Admin", () => page.getByRole("button", { name: "Save fallback chain" }).waitFor()],
    ["admin/webhooks", "Admin", () => page.getByRole("button", { name: "Save webhook URL" }).waitFor()],
    [
      "admin/audit-log",
      "Admin",
      () =>
        page
          .getByRole("region", { name: "Audit log" })
          .or(page.getByText("No audit records match."))
          .waitFor(),
    ],
  ];
}

/**
 * The visible form controls, buttons, links and images with no accessible name: no label, no
 * aria-label(ledby), no text, no alt. Described as tag#id or tag[name] for the failure message.
 */
function unnamed(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const named = (el: Element): boolean => {
      if (el.getAttribute("aria-label")?.trim()) return true;
      const by = el.getAttribute("aria-labelledby");
      if (by?.split(/\s+/).some((id) => document.getElementById(id)?.textContent?.trim())) return true;
      if (el instanceof HTMLImageElement) return el.alt.trim().length > 0;
      if ("labels" in el && (el as HTMLInputElement).labels?.length) return true;
      if (el.getAttribute("title")?.trim()) return true;
      if (el instanceof HTMLButtonElement || el instanceof HTMLAnchorElement)
        return (el.textContent ?? "").trim().length > 0;
      return false;
    };
    const visible = (el: Element) =>
      (el as HTMLElement).offsetParent !== null || el.getClientRects().length > 0;
    return Array.from(
      document.querySelectorAll(
        "main input:not([type=hidden]), main select, main textarea, main button, main a[href], main img, main svg[role=img], nav a",
      ),
    )
      .filter((el) => visible(el) && !named(el))
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.getAttribute("name") ? `[name=${el.getAttribute("name")}]` : ""}`,
      );
  });
}

describe("/docs", () => {
  it("renders the API reference with no request leaving localhost", async () => {
    const page = await browser.newPage();
    const outside = await denyOutsideRequests(page);
    await page.goto(`${sys.baseUrl}/docs`);
    // Swagger UI draws one block per operation of /openapi.json.
    await page.locator(".opblock").first().waitFor({ timeout: 30_000 });
    expect(await page.locator(".opblock").count()).toBeGreaterThan(10);
    expect(await page.getByText("/v1/jobs", { exact: true }).count()).toBeGreaterThan(0);
    await page.waitForLoadState("networkidle");
    await screenshot(page, "docs");
    expect(outside).toEqual([]);
  });
});

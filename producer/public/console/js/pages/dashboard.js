// Dashboard: one instance's aggregates over the last hour, day or week, from
// GET /v1/admin/metrics (totals, a time series and per-provider pacing), drawn as SVG charts.
import { ApiError, api, listAll, query } from "../api.js";
import { errorMessage, field, fmtMs, fmtPct, fmtUsd, h, notice, replace, select } from "../dom.js";
import { barChart, lineChart } from "../charts.js";

const REFRESH_MS = 30_000;
const WINDOWS = [
  ["hour", "Last hour"],
  ["day", "Last day"],
  ["week", "Last week"],
];

function tile(id, label, value) {
  return h(
    "div",
    { class: "tile", "data-testid": `tile-${id}` },
    h("span", { class: "tile-label" }, label),
    h("strong", {}, value),
  );
}

function chartSection(name, heading, chart) {
  return h(
    "section",
    { class: "card chart-card", "data-testid": `chart-${name}` },
    h("h2", {}, heading),
    chart,
  );
}

/** The page's content for one metrics answer. */
export function metricsView(m) {
  const t = m.totals;
  const times = m.series.map((p) => p.t);
  const perMinute = (n) => (n * 60) / m.bucket_seconds;
  const series = (pick) => m.series.map(pick);
  const count = (v) => String(Number(v.toFixed(2)));
  return [
    h(
      "div",
      { class: "tiles", "aria-label": "Totals", role: "group" },
      tile("jobs", "Jobs", String(t.jobs)),
      tile("success-rate", "Success rate", fmtPct(t.success_rate)),
      tile("p50", "p50 to terminal", fmtMs(t.p50_ms)),
      tile("p95", "p95 to terminal", fmtMs(t.p95_ms)),
      tile("backlog", "Queue backlog", String(t.queue_backlog)),
      tile("dead-letters", "Dead letters", String(t.dead_letters)),
      tile("provider-errors", "Provider errors", String(t.provider_errors)),
      tile("rate-limited", "429s", String(t.rate_limited)),
      tile("spend", "Spend", fmtUsd(t.spend_usd)),
    ),
    h(
      "div",
      { class: "charts" },
      chartSection(
        "jobs",
        "Jobs per minute",
        lineChart({
          label: "Jobs per minute",
          times,
          format: count,
          minMax: 4,
          series: [{ name: "Jobs per minute", className: "s1", values: series((p) => perMinute(p.jobs)) }],
        }),
      ),
      chartSection(
        "outcomes",
        "Success and failure",
        lineChart({
          label: "Succeeded and failed jobs per bucket",
          times,
          format: count,
          minMax: 4,
          series: [
            { name: "Succeeded", className: "s-ok", values: series((p) => p.succeeded) },
            { name: "Failed", className: "s-bad", values: series((p) => p.failed) },
          ],
        }),
      ),
      chartSection(
        "latency",
        "Time to terminal (p50 / p95)",
        lineChart({
          label: "Time from enqueue to terminal state, p50 and p95",
          times,
          format: fmtMs,
          minMax: 1000,
          series: [
            { name: "p50", className: "s1", values: series((p) => p.p50_ms) },
            { name: "p95", className: "s2", values: series((p) => p.p95_ms) },
          ],
        }),
      ),
      chartSection(
        "provider-errors",
        "Provider errors and 429s",
        lineChart({
          label: "Provider errors and rate-limited (429) answers per bucket",
          times,
          format: count,
          minMax: 4,
          series: [
            { name: "Provider errors", className: "s-bad", values: series((p) => p.provider_errors) },
            { name: "429s", className: "s2", values: series((p) => p.rate_limited) },
          ],
        }),
      ),
      chartSection(
        "utilisation",
        "Pacing utilisation per provider",
        barChart({
          label: "Pacing utilisation per provider",
          items: m.providers.map((p) => ({
            label: p.provider,
            value: p.utilisation,
            text: `${fmtPct(p.utilisation)} of ${p.limit_per_minute ?? "?"}/min`,
          })),
        }),
      ),
      chartSection(
        "spend",
        "Spend",
        lineChart({
          label: "Spend in US dollars per bucket",
          times,
          format: (v) => `$${v.toFixed(v < 1 ? 3 : 2)}`,
          minMax: 0.01,
          series: [{ name: "Spend (USD)", className: "s1", values: series((p) => p.spend_usd) }],
        }),
      ),
    ),
  ];
}

export async function renderDashboard({ me, main, title, onLeave }) {
  title("Dashboard");
  main.append(h("h1", { tabindex: "-1" }, "Dashboard"));
  const instances = me.instance
    ? [me.instance]
    : (await listAll("/v1/admin/instances").catch(() => [])).filter((i) => i.status === "active");
  if (!instances.length) {
    main.append(notice("info", "No instance to show: create one in Admin › Instances."));
    return;
  }
  const instance = select(
    "instance_id",
    instances.map((i) => [i.id, i.name]),
    instances[0].id,
  );
  const windowSel = select("window", WINDOWS, "hour");
  const body = h("div", { class: "dashboard", "aria-live": "polite", "aria-busy": "true" });
  const updated = h("p", { class: "hint" });
  let timer = null;
  let stopped = false;

  async function load() {
    clearTimeout(timer);
    body.setAttribute("aria-busy", "true");
    try {
      const m = await api(
        "GET",
        `/v1/admin/metrics${query({ instance_id: instance.value, window: windowSel.value })}`,
      );
      if (stopped) return;
      replace(body, metricsView(m));
      updated.textContent = `From ${new Date(m.from).toLocaleString()} to ${new Date(m.to).toLocaleString()}, ${m.bucket_seconds / 60}-minute buckets. Refreshes every 30 s.`;
    } catch (err) {
      if (stopped) return;
      const missing = err instanceof ApiError && err.status === 404 && err.code === "route_not_found";
      replace(
        body,
        h(
          "div",
          { class: "card empty-state", "data-testid": "dashboard-empty" },
          h("h2", {}, missing ? "No metrics yet" : "Metrics unavailable"),
          h(
            "p",
            {},
            missing ? "This deployment does not serve GET /v1/admin/metrics yet." : errorMessage(err),
          ),
        ),
      );
    } finally {
      body.setAttribute("aria-busy", "false");
    }
    if (!stopped) timer = setTimeout(load, REFRESH_MS);
  }

  instance.addEventListener("change", load);
  windowSel.addEventListener("change", load);
  onLeave(() => {
    stopped = true;
    clearTimeout(timer);
  });
  main.append(
    h(
      "form",
      { class: "card filters", "aria-label": "Dashboard settings", onsubmit: (e) => e.preventDefault() },
      h("div", { class: "row" }, field("Instance", instance), field("Window", windowSel)),
    ),
    updated,
    body,
  );
  await load();
}

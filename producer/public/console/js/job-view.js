// One job, live: status, images, cost, history and webhook deliveries, polled until the job ends
// (and a little longer while webhook deliveries are still pending). Used by the playground and
// the job page.
import { ApiError, api, imageBlobUrl } from "./api.js";
import { busy, errorMessage, fmtTime, fmtUsd, h, notice, replace, table } from "./dom.js";

const TERMINAL = new Set(["succeeded", "failed", "canceled", "dead_lettered"]);
const POLL_MS = 1000;
/** After the job ends, webhook deliveries are polled this much longer while any is pending. */
const WEBHOOK_TAIL_MS = 20_000;

export function isTerminal(status) {
  return TERMINAL.has(status);
}

/** A panel that follows job `id`; `onLeave` registers its cleanup with the page. */
export function jobPanel(id, onLeave) {
  const status = h("strong", { "data-testid": "job-status", class: "status" }, "loading");
  const facts = h("dl", { class: "facts" });
  const actions = h("div", { class: "actions" });
  const out = h("div", { class: "out" });
  const images = h("div", { class: "images", "aria-live": "polite" });
  const events = h("div");
  const webhooks = h("div");
  const panel = h(
    "section",
    { class: "card job-panel", "aria-labelledby": `job-${id}-title` },
    h("h2", { id: `job-${id}-title` }, "Job ", h("code", {}, id)),
    h("p", { class: "status-line", "aria-live": "polite" }, "Status: ", status),
    facts,
    actions,
    out,
    h("h3", {}, "Images"),
    images,
    h("h3", {}, "Event history"),
    events,
    h("h3", {}, "Webhook deliveries"),
    webhooks,
  );

  const blobUrls = [];
  let timer = null;
  let stopped = false;
  let endedAt = null;
  let imagesShown = false;

  async function refresh() {
    const [job, ev, wh] = await Promise.all([
      api("GET", `/v1/jobs/${encodeURIComponent(id)}`),
      api("GET", `/v1/jobs/${encodeURIComponent(id)}/events`),
      api("GET", `/v1/jobs/${encodeURIComponent(id)}/webhooks`).catch(() => ({ data: [] })),
    ]);
    if (stopped) return null;
    status.textContent = job.status;
    status.dataset.status = job.status;
    renderFacts(job);
    renderActions(job, wh.data);
    if (job.status === "succeeded" && !imagesShown) {
      imagesShown = true;
      await showImages(job);
    } else if (!imagesShown) {
      const ended = isTerminal(job.status)
        ? `No images: the job ended ${job.status.replace("_", " ")}.`
        : "Not yet.";
      replace(images, h("p", { class: "empty" }, ended));
    }
    replace(
      events,
      table(
        "Event history",
        ["#", "Event", "Status", "When", "Details"],
        ev.data.map((e) => [
          String(e.version),
          e.type,
          e.status,
          fmtTime(e.created_at),
          e.data ? JSON.stringify(e.data) : "",
        ]),
      ),
    );
    replace(
      webhooks,
      table(
        "Webhook deliveries",
        ["Event", "URL", "Status", "Attempts", "Last answer", "Delivered"],
        wh.data.map((w) => {
          const last = w.attempts[w.attempts.length - 1];
          return [
            w.type,
            w.url,
            w.status,
            String(w.attempts.length),
            last ? (last.status_code ?? last.error ?? "") : "",
            fmtTime(w.delivered_at),
          ];
        }),
        "No webhook deliveries (the job has no webhook URL, or none is due yet).",
      ),
    );
    return { job, webhooks: wh.data };
  }

  function renderFacts(job) {
    const rows = [
      ["Provider", job.provider ?? "not chosen yet"],
      ["Attempts", String(job.attempts)],
      ["Project", job.project_id],
      ["Prompt", promptOf(job)],
      ["Cost", fmtUsd(job.result?.cost_usd)],
      ["Model", job.result?.model ?? "—"],
      ["Created", fmtTime(job.created_at)],
      ["Finished", fmtTime(job.completed_at)],
    ];
    const usage = job.result?.usage;
    if (usage) rows.push(["Tokens", `${usage.input_tokens} in · ${usage.output_tokens} out`]);
    if (job.error) rows.push(["Error", `${job.error.code}: ${job.error.message}`]);
    if (job.cancel_requested && !isTerminal(job.status)) rows.push(["Cancel", "requested"]);
    replace(
      facts,
      rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
    );
  }

  function renderActions(job, deliveries) {
    const buttons = [];
    if (!isTerminal(job.status) && !job.cancel_requested) {
      const cancel = h("button", { type: "button", class: "danger" }, "Cancel job");
      cancel.addEventListener("click", () =>
        busy(cancel, out, async () => {
          await api("POST", `/v1/jobs/${encodeURIComponent(id)}/cancel`);
          replace(out, notice("info", "Cancel requested."));
          await refresh();
        }),
      );
      buttons.push(cancel);
    }
    if (isTerminal(job.status) && (job.webhook_url || deliveries.length > 0)) {
      const redeliver = h("button", { type: "button", class: "secondary" }, "Redeliver webhook");
      redeliver.addEventListener("click", () =>
        busy(redeliver, out, async () => {
          await api("POST", `/v1/jobs/${encodeURIComponent(id)}/webhooks/redeliver`);
          replace(out, notice("info", "Webhook redelivery queued."));
          endedAt = Date.now();
          schedule();
        }),
      );
      buttons.push(redeliver);
    }
    buttons.push(h("a", { href: `#/jobs/${encodeURIComponent(id)}`, class: "button-link" }, "Open job page"));
    replace(actions, buttons);
  }

  async function showImages(job) {
    if (job.result?.text) return showText(job.result.text);
    const list = job.result?.images ?? [];
    const nodes = await Promise.all(
      list.map(async (img, i) => {
        try {
          const url = await imageBlobUrl(img.url);
          blobUrls.push(url);
          return h(
            "figure",
            { class: "image" },
            h("img", {
              src: url,
              alt: `Generated image ${i + 1} of ${list.length}: ${promptOf(job)}`,
              width: img.width,
              height: img.height,
            }),
            h("figcaption", {}, `${img.width}×${img.height} · ${img.content_type} · seed ${img.seed ?? "—"}`),
          );
        } catch (err) {
          return notice("error", `Image ${i + 1}: ${errorMessage(err)}`);
        }
      }),
    );
    replace(images, nodes.length ? nodes : h("p", { class: "empty" }, "The job returned no images."));
  }

  /** A text job's output: inline when short, else read from its /output URL with the key. */
  async function showText(text) {
    let content = text.content;
    try {
      if (content === null) {
        const url = await imageBlobUrl(text.url);
        blobUrls.push(url);
        content = await (await fetch(url)).text();
      }
      const caption = `${text.chars} characters · finish reason ${text.finish_reason}`;
      replace(images, h("figure", { class: "output" }, h("pre", {}, content), h("figcaption", {}, caption)));
    } catch (err) {
      replace(images, notice("error", `Output: ${errorMessage(err)}`));
    }
  }

  function schedule() {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, POLL_MS);
  }

  async function tick() {
    try {
      const state = await refresh();
      if (!state) return;
      if (!isTerminal(state.job.status)) return schedule();
      // The job's webhook (its own URL or its project's) is sent after it ends: follow it a while.
      endedAt ??= Date.now();
      const pending = state.webhooks.length === 0 || state.webhooks.some((w) => w.status === "pending");
      if (pending && Date.now() - endedAt < WEBHOOK_TAIL_MS) schedule();
    } catch (err) {
      replace(out, notice("error", errorMessage(err)));
      // A job that is not there (or not this key's) will not appear by asking again.
      if (!(err instanceof ApiError && err.status === 404)) schedule();
    }
  }

  onLeave(() => {
    stopped = true;
    clearTimeout(timer);
    for (const url of blobUrls) URL.revokeObjectURL(url);
  });
  tick();
  return panel;
}

/** What the job asked for: an image prompt, or a text job's last user message. */
export function promptOf(job) {
  if (!job.input) return "(deleted)";
  if (job.input.prompt !== undefined) return job.input.prompt;
  const users = (job.input.messages ?? []).filter((m) => m.role === "user");
  return users.length ? users[users.length - 1].content : "";
}

// Dead letters: the instance's jobs that spent their attempts; filter, dry-run and replay them.
// A replay goes in small batches of ids so the progress bar moves as the server answers.
import { api, apiEnums, listAll, query } from "../api.js";
import { busy, field, fmtTime, h, nextId, notice, replace, select, table } from "../dom.js";

const BATCH = 10;

export async function renderDeadLetters({ me, main, title }) {
  title("Dead letters");
  main.append(h("h1", { tabindex: "-1" }, "Dead letters"));
  if (!me.instance) {
    main.append(notice("info", "Dead letters belong to an instance: sign in with a key narrowed to one."));
    return;
  }
  const enums = await apiEnums();
  const projects = await listAll("/v1/admin/projects", { instance_id: me.instance.id }).catch(() => []);
  const f = {
    since: h("input", { type: "datetime-local", name: "since" }),
    error_code: h("input", { type: "text", name: "error_code", placeholder: "provider_unavailable" }),
    provider: select("provider", [["", "Any"], ...enums.providers], ""),
    project_id: select("project_id", [["", "Any"], ...projects.map((p) => [p.id, p.name])], ""),
  };
  const filterValues = () => ({
    since: f.since.value ? new Date(f.since.value).toISOString() : "",
    error_code: f.error_code.value.trim(),
    provider: f.provider.value,
    project_id: f.project_id.value,
  });

  const out = h("div", { class: "out" });
  const list = h("div", { "aria-live": "polite" });
  const progressId = nextId("progress");
  const progress = h("progress", { id: progressId, max: 1, value: 0 });
  const progressText = h("span", { class: "progress-text" }, "Not started.");
  const apply = h("button", { type: "submit" }, "Apply filters");
  const dryRun = h("button", { type: "button", class: "secondary" }, "Dry run");
  const replay = h("button", { type: "button" }, "Replay");
  let letters = [];
  const selected = new Set();

  function draw() {
    const all = h("input", {
      type: "checkbox",
      "aria-label": "Select all dead letters",
      checked: letters.length > 0 && selected.size === letters.length,
      onchange: (e) => {
        selected.clear();
        if (e.target.checked) for (const d of letters) selected.add(d.job_id);
        draw();
      },
    });
    replace(
      list,
      h(
        "p",
        { class: "count" },
        `${letters.length} dead letters · ${selected.size} selected (none selected: all not yet replayed).`,
      ),
      letters.length ? h("p", {}, h("label", { class: "inline" }, all, " Select all")) : null,
      table(
        "Dead letters",
        ["Select", "Job", "Provider", "Error", "Attempts", "Dead-lettered", "Replays"],
        letters.map((d) => [
          h("input", {
            type: "checkbox",
            "aria-label": `Select ${d.job_id}`,
            checked: selected.has(d.job_id),
            onchange: (e) => {
              if (e.target.checked) selected.add(d.job_id);
              else selected.delete(d.job_id);
              draw();
            },
          }),
          h("a", { href: `#/jobs/${encodeURIComponent(d.job_id)}` }, d.job_id),
          d.provider ?? "—",
          `${d.error?.code ?? ""}: ${d.error?.message ?? ""}`,
          String(d.attempts),
          fmtTime(d.dead_lettered_at),
          d.replayed_at ? `${d.replay_count} (last ${fmtTime(d.replayed_at)})` : String(d.replay_count),
        ]),
        "No dead letters match.",
      ),
    );
  }

  async function load() {
    const items = [];
    let cursor;
    do {
      const page = await api(
        "GET",
        `/v1/admin/dead-letters${query({ ...filterValues(), limit: 100, cursor })}`,
      );
      items.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor && items.length < 500);
    letters = items;
    selected.clear();
    draw();
  }

  // None selected: every listed dead letter not replayed yet.
  const targets = () =>
    selected.size ? [...selected] : letters.filter((d) => !d.replayed_at).map((d) => d.job_id);

  dryRun.addEventListener("click", () =>
    busy(dryRun, out, async () => {
      const ids = targets();
      if (!ids.length) throw new Error("No dead letters to replay.");
      const r = await api("POST", "/v1/admin/dead-letters/replay", { ids, dry_run: true });
      replace(
        out,
        notice(
          "info",
          `Dry run: ${r.replayed.length} would be replayed, ${r.skipped.length} skipped, ${r.failed.length} failed.`,
        ),
        r.skipped.length
          ? h(
              "ul",
              {},
              r.skipped.map((s) => h("li", {}, `${s.id}: ${s.reason}`)),
            )
          : null,
      );
    }),
  );

  replay.addEventListener("click", () =>
    busy(replay, out, async () => {
      const ids = targets();
      if (!ids.length) throw new Error("No dead letters to replay.");
      const totals = { replayed: 0, skipped: 0, failed: 0 };
      progress.max = ids.length;
      progress.value = 0;
      for (let i = 0; i < ids.length; i += BATCH) {
        const r = await api("POST", "/v1/admin/dead-letters/replay", { ids: ids.slice(i, i + BATCH) });
        totals.replayed += r.replayed.length;
        totals.skipped += r.skipped.length;
        totals.failed += r.failed.length;
        progress.value = Math.min(ids.length, i + BATCH);
        progressText.textContent = `${progress.value} of ${ids.length} done`;
      }
      replace(
        out,
        notice("info", `Replayed ${totals.replayed}, skipped ${totals.skipped}, failed ${totals.failed}.`),
      );
      await load();
    }),
  );

  main.append(
    h(
      "form",
      {
        class: "card filters",
        "aria-label": "Dead letter filters",
        onsubmit: (e) => {
          e.preventDefault();
          busy(apply, out, load);
        },
      },
      h(
        "div",
        { class: "row" },
        field("Since", f.since),
        field("Error code", f.error_code),
        field("Provider", f.provider),
        field("Project", f.project_id),
      ),
      h("div", { class: "actions" }, apply),
    ),
    h(
      "section",
      { class: "card", "aria-label": "Replay" },
      h("div", { class: "actions" }, dryRun, replay),
      h(
        "div",
        { class: "progress" },
        h("label", { for: progressId }, "Replay progress"),
        progress,
        progressText,
      ),
      out,
    ),
    list,
  );
  await busy(apply, out, load);
}

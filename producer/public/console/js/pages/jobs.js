// Jobs: the instance's jobs, newest first, filterable; and one job's page with its history.
import { api, apiEnums, listAll, query } from "../api.js";
import { busy, field, fmtTime, h, notice, replace, select, table } from "../dom.js";
import { jobPanel, promptOf } from "../job-view.js";

const PAGE_SIZE = 50;

function needInstance(me, main) {
  if (me.instance) return false;
  main.append(
    notice("info", "This key is organization-wide: the job API needs a key narrowed to an instance."),
  );
  return true;
}

export async function renderJobs({ me, main, title }) {
  title("Jobs");
  main.append(h("h1", { tabindex: "-1" }, "Jobs"));
  if (needInstance(me, main)) return;
  const enums = await apiEnums();
  const projects = me.project
    ? [me.project]
    : await listAll("/v1/admin/projects", { instance_id: me.instance.id }).catch(() => []);

  const f = {
    status: select("status", [["", "Any"], ...enums.jobStatuses], ""),
    provider: select("provider", [["", "Any"], ...enums.providers], ""),
    project: select("project", [["", "Any"], ...projects.map((p) => [p.id, p.name])], ""),
    since: h("input", { type: "datetime-local", name: "since" }),
  };
  const out = h("div", { class: "out" });
  const results = h("div", { "aria-live": "polite" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Load more");
  const apply = h("button", { type: "submit" }, "Apply filters");
  let jobs = [];
  let cursor = null;

  // Every filter is the API's (GET /v1/jobs): "Load more" pages through matching jobs only.
  const filters = () => ({
    status: f.status.value,
    provider: f.provider.value,
    project_id: f.project.value,
    created_after: f.since.value ? new Date(f.since.value).toISOString() : "",
  });

  function draw() {
    const shown = jobs;
    replace(
      results,
      h("p", { class: "count" }, `${shown.length} matching jobs loaded${cursor ? "; more below" : ""}.`),
      table(
        "Jobs",
        ["Job", "Status", "Provider", "Project", "Created", "Prompt"],
        shown.map((j) => [
          h("a", { href: `#/jobs/${encodeURIComponent(j.id)}` }, j.id),
          h("span", { class: `badge badge-${j.status}` }, j.status),
          j.provider ?? "—",
          projects.find((p) => p.id === j.project_id)?.name ?? j.project_id,
          fmtTime(j.created_at),
          shorten(promptOf(j), 60),
        ]),
        "No jobs match.",
      ),
    );
    more.hidden = !cursor;
  }

  async function load(reset) {
    if (reset) {
      jobs = [];
      cursor = null;
    }
    const page = await api("GET", `/v1/jobs${query({ ...filters(), limit: PAGE_SIZE, cursor })}`);
    jobs.push(...page.data);
    cursor = page.next_cursor;
    draw();
  }

  more.addEventListener("click", () => busy(more, out, () => load(false)));
  const form = h(
    "form",
    {
      class: "card filters",
      "aria-label": "Job filters",
      onsubmit: (e) => {
        e.preventDefault();
        busy(apply, out, () => load(true));
      },
    },
    h(
      "div",
      { class: "row" },
      field("Status", f.status),
      field("Provider", f.provider),
      field("Project", f.project),
      field("Created since", f.since),
    ),
    h("div", { class: "actions" }, apply),
  );
  main.append(form, out, results, more);
  await busy(apply, out, () => load(true));
}

export async function renderJob({ me, main, rest, title, onLeave }) {
  const id = rest[0];
  title(`Job ${id}`);
  main.append(
    h("p", {}, h("a", { href: "#/jobs" }, "← All jobs")),
    h("h1", { tabindex: "-1" }, "Job ", h("code", {}, id)),
  );
  if (needInstance(me, main)) return;
  main.append(jobPanel(id, onLeave));
}

function shorten(text, max) {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

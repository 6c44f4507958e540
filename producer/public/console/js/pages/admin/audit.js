// Admin › Audit log: every admin change, newest first, filterable, a page at a time.
import { api, query } from "../../api.js";
import { busy, field, fmtTime, h, replace, table } from "../../dom.js";

export async function renderAuditLog({ main }) {
  const action = h("input", { type: "text", name: "action", placeholder: "api_key.create" });
  const resourceType = h("input", { type: "text", name: "resource_type", placeholder: "api_key" });
  const since = h("input", { type: "datetime-local", name: "since" });
  const out = h("div", { class: "out" });
  const list = h("div", { "aria-live": "polite" });
  const apply = h("button", { type: "submit" }, "Apply filters");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Load more");
  let records = [];
  let cursor = null;

  async function load(reset) {
    if (reset) {
      records = [];
      cursor = null;
    }
    const page = await api(
      "GET",
      `/v1/admin/audit-log${query({
        action: action.value.trim(),
        resource_type: resourceType.value.trim(),
        since: since.value ? new Date(since.value).toISOString() : "",
        limit: 50,
        cursor,
      })}`,
    );
    records.push(...page.data);
    cursor = page.next_cursor;
    more.hidden = !cursor;
    replace(
      list,
      table(
        "Audit log",
        ["When", "Action", "Resource", "Actor", "Request", "Change"],
        records.map((r) => [
          fmtTime(r.created_at),
          r.action,
          `${r.resource_type} ${r.resource_id}`,
          r.actor_user_id ?? r.actor_key_id ?? "—",
          h("code", {}, r.request_id),
          h(
            "details",
            {},
            h("summary", {}, "Before / after"),
            h("pre", { class: "code" }, JSON.stringify({ before: r.before, after: r.after }, null, 2)),
          ),
        ]),
        "No audit records match.",
      ),
    );
  }

  more.addEventListener("click", () => busy(more, out, () => load(false)));
  main.append(
    h(
      "form",
      {
        class: "card filters",
        "aria-label": "Audit log filters",
        onsubmit: (e) => {
          e.preventDefault();
          busy(apply, out, () => load(true));
        },
      },
      h(
        "div",
        { class: "row" },
        field("Action", action),
        field("Resource type", resourceType),
        field("Since", since),
      ),
      h("div", { class: "actions" }, apply),
    ),
    out,
    list,
    more,
  );
  await busy(apply, out, () => load(true));
}

// Admin (admin and super_admin keys): a section per resource of the Config Service and of the
// instance's settings, each at #/admin/<section>.
import { h, replace } from "../dom.js";
import { renderAuditLog } from "./admin/audit.js";
import { renderApiKeys } from "./admin/keys.js";
import {
  renderFallback,
  renderProviderKeys,
  renderProviderLimits,
  renderWebhooks,
} from "./admin/settings.js";
import { renderInstances, renderOrganizations, renderProjects, renderUsers } from "./admin/tenancy.js";

/** @type {[string, string, (ctx: any) => Promise<unknown>][]} */
const SECTIONS = [
  ["organizations", "Organizations", renderOrganizations],
  ["instances", "Instances", renderInstances],
  ["projects", "Projects", renderProjects],
  ["users", "Users", renderUsers],
  ["api-keys", "API keys", renderApiKeys],
  ["provider-keys", "Provider keys", renderProviderKeys],
  ["pacing", "Pacing limits", renderProviderLimits],
  ["fallback", "Fallback chain", renderFallback],
  ["webhooks", "Webhooks", renderWebhooks],
  ["audit-log", "Audit log", renderAuditLog],
];

export async function renderAdmin(ctx) {
  const current =
    SECTIONS.find(([id]) => id === ctx.rest[0]) ?? /** @type {typeof SECTIONS[number]} */ (SECTIONS[0]);
  ctx.title(`Admin › ${current[1]}`);
  const body = h("div", { class: "admin-body" });
  ctx.main.append(
    h("h1", { tabindex: "-1" }, "Admin"),
    h(
      "nav",
      { class: "subnav", "aria-label": "Admin sections" },
      h(
        "ul",
        {},
        SECTIONS.map(([id, text]) =>
          h(
            "li",
            {},
            h("a", { href: `#/admin/${id}`, "aria-current": id === current[0] ? "page" : undefined }, text),
          ),
        ),
      ),
    ),
    body,
  );
  replace(body, h("h2", {}, current[1]));
  await current[2]({ ...ctx, main: body });
}

// Admin › Organizations, Instances, Projects, Users (with their instance assignments).
import { api, listAll } from "../../api.js";
import { busy, field, fmtTime, fmtUsd, h, notice, replace, select, table } from "../../dom.js";
import { nameOf } from "./common.js";

const ROLES = ["user", "admin", "super_admin"];

/** A section: a create form above a list that reloads after each change. */
function section(main, { form, draw }) {
  const out = h("div", { class: "out" });
  const list = h("div", { "aria-live": "polite" });
  const reload = async () => replace(list, await draw(reload, out));
  if (form) main.append(form(reload, out));
  main.append(out, list);
  return busy(h("button"), out, reload);
}

function rowButton(text, out, action, cls = "secondary") {
  const b = h("button", { type: "button", class: cls }, text);
  b.addEventListener("click", () => busy(b, out, action));
  return b;
}

function createForm(label, fields, submitText, onSubmit) {
  const submit = h("button", { type: "submit" }, submitText);
  return (reload, out) =>
    h(
      "form",
      {
        class: "card form-grid",
        "aria-label": label,
        onsubmit: (e) => {
          e.preventDefault();
          busy(submit, out, async () => {
            const msg = await onSubmit();
            e.target.reset();
            replace(out, notice("info", msg));
            await reload();
          });
        },
      },
      h("div", { class: "row" }, fields),
      h("div", { class: "actions" }, submit),
    );
}

export function renderOrganizations({ me, main }) {
  const name = h("input", { type: "text", name: "name", required: true, maxlength: 100 });
  return section(main, {
    form:
      me.key.role === "super_admin"
        ? createForm(
            "New organization",
            [field("Organization name", name)],
            "Create organization",
            async () => {
              const org = await api("POST", "/v1/admin/organizations", { name: name.value.trim() });
              return `Organization ${org.name} created.`;
            },
          )
        : null,
    draw: async (reload, out) => {
      const orgs = await listAll("/v1/admin/organizations");
      return table(
        "Organizations",
        ["Name", "Id", "Status", "Created", "Actions"],
        orgs.map((o) => [
          o.name,
          h("code", {}, o.id),
          o.status,
          fmtTime(o.created_at),
          me.key.role === "super_admin"
            ? rowButton(o.status === "active" ? "Disable" : "Enable", out, async () => {
                await api("PATCH", `/v1/admin/organizations/${o.id}`, {
                  status: o.status === "active" ? "disabled" : "active",
                });
                await reload();
              })
            : "",
        ]),
      );
    },
  });
}

export async function renderInstances({ me, main }) {
  const orgs = me.key.role === "super_admin" ? await listAll("/v1/admin/organizations").catch(() => []) : [];
  const name = h("input", { type: "text", name: "name", required: true, maxlength: 100 });
  const budget = h("input", { type: "number", name: "monthly_budget_usd", min: 0, step: "0.01" });
  const org = orgs.length
    ? select(
        "organization_id",
        orgs.map((o) => [o.id, o.name]),
        me.organization.id,
      )
    : null;
  return section(main, {
    form: createForm(
      "New instance",
      [
        field("Instance name", name),
        org ? field("Organization", org) : null,
        field("Monthly budget (USD)", budget, "Optional."),
      ],
      "Create instance",
      async () => {
        const body = { name: name.value.trim() };
        if (org) body.organization_id = org.value;
        if (budget.value !== "") body.monthly_budget_usd = Number(budget.value);
        const ins = await api("POST", "/v1/admin/instances", body);
        return `Instance ${ins.name} created.`;
      },
    ),
    draw: async (reload, out) => {
      const list = await listAll("/v1/admin/instances");
      return table(
        "Instances",
        ["Name", "Id", "Organization", "Status", "Budget", "Fallback", "Actions"],
        list.map((i) => [
          i.name,
          h("code", {}, i.id),
          nameOf(orgs, i.organization_id),
          i.status,
          fmtUsd(i.monthly_budget_usd),
          (i.fallback_providers ?? []).join(" → ") || "—",
          i.status === "active"
            ? rowButton("Archive", out, async () => {
                await api("DELETE", `/v1/admin/instances/${i.id}`);
                await reload();
              })
            : "",
        ]),
      );
    },
  });
}

export async function renderProjects({ me, main }) {
  const instances = await listAll("/v1/admin/instances").catch(() => (me.instance ? [me.instance] : []));
  const name = h("input", { type: "text", name: "name", required: true, maxlength: 100 });
  const instance = select(
    "instance_id",
    instances.map((i) => [i.id, i.name]),
    me.instance?.id,
  );
  return section(main, {
    form: createForm(
      "New project",
      [field("Project name", name), field("Instance", instance)],
      "Create project",
      async () => {
        const p = await api("POST", "/v1/admin/projects", {
          name: name.value.trim(),
          instance_id: instance.value,
        });
        return `Project ${p.name} created.`;
      },
    ),
    draw: async (reload, out) => {
      const list = (
        await Promise.all(instances.map((i) => listAll("/v1/admin/projects", { instance_id: i.id })))
      ).flat();
      return table(
        "Projects",
        ["Name", "Id", "Instance", "Status", "Webhook", "Actions"],
        list.map((p) => [
          p.name,
          h("code", {}, p.id),
          nameOf(instances, p.instance_id),
          p.status,
          p.webhook_url ?? "—",
          p.status === "active"
            ? rowButton("Archive", out, async () => {
                await api("DELETE", `/v1/admin/projects/${p.id}`);
                await reload();
              })
            : "",
        ]),
      );
    },
  });
}

export async function renderUsers({ me, main }) {
  const instances = await listAll("/v1/admin/instances").catch(() => []);
  const email = h("input", { type: "email", name: "email", required: true });
  const name = h("input", { type: "text", name: "name", required: true, maxlength: 100 });
  const role = select("role", me.key.role === "super_admin" ? ROLES : ROLES.slice(0, 2), "user");
  const assignments = h("div", { class: "assignments", "aria-live": "polite" });

  async function showAssignments(user, out) {
    const list = await listAll(`/v1/admin/users/${user.id}/instances`);
    const instance = select(
      "instance_id",
      instances
        .filter((i) => i.status === "active" && !list.some((a) => a.instance_id === i.id))
        .map((i) => [i.id, i.name]),
    );
    const assign = h("button", { type: "submit" }, "Assign");
    replace(
      assignments,
      h(
        "section",
        { class: "card", "aria-label": `Instances of ${user.name}` },
        h("h3", {}, `Instances of ${user.name}`),
        table(
          `Instances of ${user.name}`,
          ["Instance", "Since", "Actions"],
          list.map((a) => [
            nameOf(instances, a.instance_id),
            fmtTime(a.created_at),
            rowButton("Unassign", out, async () => {
              await api("DELETE", `/v1/admin/users/${user.id}/instances/${a.instance_id}`);
              await showAssignments(user, out);
            }),
          ]),
          "Not assigned to any instance.",
        ),
        h(
          "form",
          {
            class: "row",
            "aria-label": `Assign ${user.name} to an instance`,
            onsubmit: (e) => {
              e.preventDefault();
              busy(assign, out, async () => {
                await api("PUT", `/v1/admin/users/${user.id}/instances/${instance.value}`);
                await showAssignments(user, out);
              });
            },
          },
          field("Instance to assign", instance),
          h("div", { class: "actions" }, assign),
        ),
      ),
    );
    assignments.querySelector("h3")?.setAttribute("tabindex", "-1");
    assignments.querySelector("h3")?.focus();
  }

  const done = section(main, {
    form: createForm(
      "New user",
      [field("Email", email), field("Name", name), field("Role", role)],
      "Create user",
      async () => {
        const u = await api("POST", "/v1/admin/users", {
          email: email.value.trim(),
          name: name.value.trim(),
          role: role.value,
        });
        return `User ${u.email} created.`;
      },
    ),
    draw: async (reload, out) => {
      const users = await listAll("/v1/admin/users");
      return table(
        "Users",
        ["Name", "Email", "Role", "Status", "Created", "Actions"],
        users.map((u) => [
          u.name,
          u.email,
          u.role,
          u.status,
          fmtTime(u.created_at),
          h(
            "div",
            { class: "actions" },
            rowButton("Instances", out, () => showAssignments(u, out)),
            u.status === "active" && u.id !== me.user?.id
              ? rowButton(
                  "Disable",
                  out,
                  async () => {
                    await api("DELETE", `/v1/admin/users/${u.id}`);
                    await reload();
                  },
                  "danger",
                )
              : null,
          ),
        ]),
      );
    },
  });
  main.append(assignments);
  return done;
}

// Admin › API keys: create (the secret is shown once), revoke, rotate with a grace period.
import { api, listAll } from "../../api.js";
import { busy, field, fmtTime, h, notice, replace, select, table } from "../../dom.js";
import { nameOf, secretBox } from "./common.js";

export async function renderApiKeys({ me, main }) {
  const [instances, users] = await Promise.all([
    listAll("/v1/admin/instances").catch(() => (me.instance ? [me.instance] : [])),
    listAll("/v1/admin/users").catch(() => []),
  ]);
  const projects = (
    await Promise.all(
      instances.map((i) => listAll("/v1/admin/projects", { instance_id: i.id }).catch(() => [])),
    )
  ).flat();

  const name = h("input", { type: "text", name: "name", required: true, maxlength: 100 });
  const instance = select(
    "instance_id",
    [
      ["", me.instance ? `This key's (${me.instance.name})` : "None: organization-wide"],
      ...instances.map((i) => [i.id, i.name]),
    ],
    "",
  );
  const project = h("select", { name: "project_id" });
  const drawProjects = () => {
    const ins = instance.value || me.instance?.id;
    replace(
      project,
      h("option", { value: "" }, me.project ? `This key's (${me.project.name})` : "None"),
      projects
        .filter((p) => p.instance_id === ins && p.status === "active")
        .map((p) => h("option", { value: p.id }, p.name)),
    );
  };
  instance.addEventListener("change", drawProjects);
  drawProjects();
  const owner = select(
    "user_id",
    [
      ["", "Me"],
      ["null", "No user: a project service key"],
      ...users.filter((u) => u.status === "active").map((u) => [u.id, `${u.name} (${u.role})`]),
    ],
    "",
  );
  const expires = h("input", { type: "datetime-local", name: "expires_at" });
  const grace = h("input", { type: "number", name: "grace_seconds", min: 0, max: 604800, value: "3600" });

  const out = h("div", { class: "out" });
  const list = h("div", { "aria-live": "polite" });
  const create = h("button", { type: "submit" }, "Create key");

  async function reload() {
    const keys = await listAll("/v1/admin/api-keys");
    replace(
      list,
      table(
        "API keys",
        [
          "Name",
          "Prefix",
          "Role",
          "Status",
          "Instance",
          "Project",
          "Owner",
          "Last used",
          "Expires",
          "Actions",
        ],
        keys.map((k) => [
          k.name,
          h("code", {}, k.prefix),
          k.role,
          k.status,
          nameOf(instances, k.instance_id),
          nameOf(projects, k.project_id),
          k.user_id ? nameOf(users, k.user_id) : "service key",
          fmtTime(k.last_used_at),
          fmtTime(k.expires_at),
          k.status === "active" ? keyActions(k) : "",
        ]),
      ),
    );
  }

  function keyActions(k) {
    const revoke = h("button", { type: "button", class: "danger" }, "Revoke");
    revoke.addEventListener("click", () =>
      busy(revoke, out, async () => {
        await api("DELETE", `/v1/admin/api-keys/${k.id}`);
        replace(
          out,
          notice(
            "info",
            `Key ${k.name} revoked${k.id === me.key.id ? ": this session's key stops working." : "."}`,
          ),
        );
        await reload();
      }),
    );
    const rotate = h("button", { type: "button", class: "secondary" }, "Rotate");
    rotate.addEventListener("click", () =>
      busy(rotate, out, async () => {
        const body = grace.value === "" ? {} : { grace_seconds: Number(grace.value) };
        const r = await api("POST", `/v1/admin/api-keys/${k.id}/rotate`, body);
        replace(out, secretBox("New key secret", r.secret, `New secret of ${k.name}`));
        await reload();
      }),
    );
    return h("div", { class: "actions" }, revoke, rotate);
  }

  main.append(
    h(
      "form",
      {
        class: "card form-grid",
        "aria-label": "New API key",
        onsubmit: (e) => {
          e.preventDefault();
          busy(create, out, async () => {
            const body = { name: name.value.trim() };
            if (instance.value) body.instance_id = instance.value;
            if (project.value) body.project_id = project.value;
            if (owner.value === "null") body.user_id = null;
            else if (owner.value) body.user_id = owner.value;
            if (expires.value) body.expires_at = new Date(expires.value).toISOString();
            const k = await api("POST", "/v1/admin/api-keys", body);
            replace(out, secretBox("New key secret", k.secret, `Key ${k.name} (${k.role})`));
            e.target.reset();
            drawProjects();
            await reload();
          });
        },
      },
      h(
        "div",
        { class: "row" },
        field("Key name", name),
        field("Instance", instance),
        field("Project", project),
        field("Owner", owner, "The key gets its owner's role."),
        field("Expires at", expires, "Optional; never by default."),
      ),
      h("div", { class: "actions" }, create),
    ),
    field("Rotation grace (seconds)", grace, "How long a rotated key's old secret keeps working."),
    out,
    list,
  );
  await busy(create, out, reload);
}

// Admin › the signed-in instance's settings: provider keys, pacing limits, the fallback chain and
// each project's webhook (URL and signing secret).
import { api, apiEnums, listAll } from "../../api.js";
import { busy, field, fmtTime, h, notice, replace, select, table } from "../../dom.js";
import { needsInstance, secretBox } from "./common.js";

function button(text, out, action, cls = "secondary", type = "button") {
  const b = h("button", { type, class: cls }, text);
  if (action) b.addEventListener("click", () => busy(b, out, action));
  return b;
}

export async function renderProviderKeys({ me, main }) {
  if (needsInstance(me, main)) return;
  const { providers } = await apiEnums();
  const provider = select("provider", providers, providers[0]);
  const secret = h("input", { type: "password", name: "api_key", autocomplete: "off", required: true });
  const out = h("div", { class: "out" });
  const list = h("div", { "aria-live": "polite" });
  const add = h("button", { type: "submit" }, "Add provider key");

  async function reload() {
    const keys = (await api("GET", "/v1/admin/provider-keys")).data;
    replace(
      list,
      table(
        "Provider keys",
        ["Provider", "Key", "Primary", "Added", "Actions"],
        keys.map((k) => [
          k.provider,
          h("code", {}, `…${k.last4}`),
          k.is_primary ? "primary" : "",
          fmtTime(k.created_at),
          h(
            "div",
            { class: "actions" },
            k.is_primary
              ? null
              : button("Make primary", out, async () => {
                  await api("POST", `/v1/admin/provider-keys/${k.id}/make-primary`);
                  await reload();
                }),
            button(
              "Remove",
              out,
              async () => {
                await api("DELETE", `/v1/admin/provider-keys/${k.id}`);
                await reload();
              },
              "danger",
            ),
          ),
        ]),
        "No provider keys: jobs use the deployment's own keys (or the demo provider).",
      ),
    );
  }

  main.append(
    h(
      "form",
      {
        class: "card form-grid",
        "aria-label": "New provider key",
        onsubmit: (e) => {
          e.preventDefault();
          busy(add, out, async () => {
            await api("POST", "/v1/admin/provider-keys", { provider: provider.value, api_key: secret.value });
            secret.value = "";
            replace(out, notice("info", "Provider key added (stored encrypted)."));
            await reload();
          });
        },
      },
      h("div", { class: "row" }, field("Provider", provider), field("Provider API key", secret)),
      h("div", { class: "actions" }, add),
    ),
    out,
    list,
  );
  await busy(add, out, reload);
}

export async function renderProviderLimits({ me, main }) {
  if (needsInstance(me, main)) return;
  const { providers } = await apiEnums();
  const provider = select("provider", providers, providers[0]);
  const rate = h("input", { type: "number", name: "rate_per_second", min: 0, step: "any", required: true });
  const burst = h("input", { type: "number", name: "burst", min: 1, step: 1, required: true });
  const inFlight = h("input", { type: "number", name: "max_in_flight", min: 1, step: 1, required: true });
  const out = h("div", { class: "out" });
  const list = h("div", { "aria-live": "polite" });
  const save = h("button", { type: "submit" }, "Save limit");
  let limits = [];

  const fill = () => {
    const l = limits.find((x) => x.provider === provider.value);
    if (!l) return;
    rate.value = String(l.rate_per_second);
    burst.value = String(l.burst);
    inFlight.value = String(l.max_in_flight);
  };
  provider.addEventListener("change", fill);

  async function reload() {
    limits = (await api("GET", "/v1/admin/provider-limits")).data;
    fill();
    replace(
      list,
      table(
        "Pacing limits",
        ["Provider", "Rate per second", "Burst", "Max in flight", "Source", "Actions"],
        limits.map((l) => [
          l.provider,
          String(l.rate_per_second),
          String(l.burst),
          String(l.max_in_flight),
          l.source,
          l.source === "instance"
            ? button("Reset to default", out, async () => {
                await api("DELETE", `/v1/admin/provider-limits/${l.provider}`);
                await reload();
              })
            : "",
        ]),
      ),
    );
  }

  main.append(
    h(
      "form",
      {
        class: "card form-grid",
        "aria-label": "Pacing limit",
        onsubmit: (e) => {
          e.preventDefault();
          busy(save, out, async () => {
            await api("PUT", `/v1/admin/provider-limits/${provider.value}`, {
              rate_per_second: Number(rate.value),
              burst: Number(burst.value),
              max_in_flight: Number(inFlight.value),
            });
            replace(out, notice("info", `Limit of ${provider.value} saved.`));
            await reload();
          });
        },
      },
      h(
        "div",
        { class: "row" },
        field("Provider", provider),
        field("Rate per second", rate),
        field("Burst", burst),
        field("Max in flight", inFlight),
      ),
      h("div", { class: "actions" }, save),
    ),
    out,
    list,
  );
  await busy(save, out, reload);
}

export async function renderFallback({ me, main }) {
  if (needsInstance(me, main)) return;
  const { providers } = await apiEnums();
  const options = [["", "None"], ...providers];
  const slots = [1, 2, 3].map((n) => select(`fallback_${n}`, options, ""));
  const out = h("div", { class: "out" });
  const current = h("p", { "aria-live": "polite" });
  const save = h("button", { type: "submit" }, "Save fallback chain");

  const show = (chain) => {
    current.textContent = chain?.length
      ? `Current chain: ${chain.join(" → ")}`
      : "No default fallback chain.";
    slots.forEach((s, i) => {
      s.value = chain?.[i] ?? "";
    });
  };
  show((await api("GET", "/v1/admin/fallback-providers")).fallback_providers);

  main.append(
    current,
    h(
      "form",
      {
        class: "card form-grid",
        "aria-label": "Fallback chain",
        onsubmit: (e) => {
          e.preventDefault();
          busy(save, out, async () => {
            const chain = [...new Set(slots.map((s) => s.value).filter(Boolean))];
            const r = await api("PUT", "/v1/admin/fallback-providers", {
              fallback_providers: chain.length ? chain : null,
            });
            show(r.fallback_providers);
            replace(out, notice("info", "Fallback chain saved."));
          });
        },
      },
      h("p", { class: "hint" }, "Providers a job moves to, in order, when its own is down or out of quota."),
      h(
        "div",
        { class: "row" },
        slots.map((s, i) => field(`Fallback ${i + 1}`, s)),
      ),
      h("div", { class: "actions" }, save),
    ),
    out,
  );
}

export async function renderWebhooks({ me, main }) {
  if (needsInstance(me, main)) return;
  const projects = (await listAll("/v1/admin/projects", { instance_id: me.instance.id })).filter(
    (p) => p.status === "active",
  );
  if (!projects.length) {
    main.append(notice("info", "No active project in this instance."));
    return;
  }
  const project = select(
    "project_id",
    projects.map((p) => [p.id, p.name]),
    me.project?.id ?? projects[0].id,
  );
  const url = h("input", { type: "url", name: "url" });
  const out = h("div", { class: "out" });
  const info = h("dl", { class: "facts", "aria-live": "polite" });
  const save = h("button", { type: "submit" }, "Save webhook URL");

  const show = (w) => {
    url.value = w.url ?? "";
    replace(info, [
      h("dt", {}, "URL"),
      h("dd", {}, w.url ?? "none"),
      // Stored encrypted: only the answer that made it carries the secret (shown in a box below).
      h("dt", {}, "Signing secret"),
      h("dd", {}, w.has_secret ? h("code", {}, `…${w.secret_last4}`) : "none yet (set a URL, or rotate)"),
      h("dt", {}, "Previous secret valid until"),
      h("dd", {}, fmtTime(w.previous_secret_expires_at)),
    ]);
  };
  const load = async () => show(await api("GET", `/v1/admin/projects/${project.value}/webhook`));
  project.addEventListener("change", () => busy(save, out, load));
  const rotate = button("Rotate secret", out, async () => {
    const w = await api("POST", `/v1/admin/projects/${project.value}/webhook/rotate-secret`);
    show(w);
    replace(
      out,
      w.secret
        ? secretBox("New signing secret", w.secret, "New webhook signing secret")
        : notice("info", "Another rotation just happened: its answer showed the new secret."),
    );
  });

  main.append(
    h(
      "form",
      {
        class: "card form-grid",
        "aria-label": "Project webhook",
        onsubmit: (e) => {
          e.preventDefault();
          busy(save, out, async () => {
            const w = await api("PUT", `/v1/admin/projects/${project.value}/webhook`, {
              url: url.value.trim() || null,
            });
            show(w);
            replace(
              out,
              w.secret
                ? secretBox("Signing secret", w.secret, "Webhook signing secret")
                : notice("info", "Webhook URL saved."),
            );
          });
        },
      },
      h(
        "div",
        { class: "row" },
        field("Project", project),
        field("Webhook URL", url, "An https URL of your application; empty: no webhook."),
      ),
      h("div", { class: "actions" }, save, rotate),
    ),
    info,
    out,
  );
  await busy(save, out, load);
}

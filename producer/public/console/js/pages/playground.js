// Playground: build an image job, submit it, follow it live (job-view.js), copy it as curl.
import { api, apiEnums, listAll } from "../api.js";
import { busy, copyText, field, h, notice, replace, select } from "../dom.js";
import { jobPanel } from "../job-view.js";

/** The body of POST /v1/jobs from the form's values (only what was filled in). */
export function jobBody(v) {
  const input = { prompt: v.prompt.trim() };
  if (v.negative_prompt.trim()) input.negative_prompt = v.negative_prompt.trim();
  if (v.aspect_ratio) input.aspect_ratio = v.aspect_ratio;
  if (v.seed !== "") input.seed = Number(v.seed);
  if (v.num_images !== "") input.num_images = Number(v.num_images);
  const body = { type: "image.generate", input };
  if (v.provider) body.provider = v.provider;
  const chain = [v.fallback_1, v.fallback_2, v.fallback_3].filter(Boolean);
  if (chain.length) body.fallback_providers = [...new Set(chain)];
  if (v.webhook_url.trim()) body.webhook_url = v.webhook_url.trim();
  if (v.project_id) body.project_id = v.project_id;
  return body;
}

/** The same request as a shell command; the key stays out of it ($GENQUEUE_KEY). */
export function curlCommand(origin, body) {
  const json = JSON.stringify(body).replaceAll("'", "'\\''");
  return [
    `curl -s -X POST '${origin}/v1/jobs'`,
    `  -H "authorization: Bearer $GENQUEUE_KEY"`,
    `  -H 'content-type: application/json'`,
    `  -d '${json}'`,
  ].join(" \\\n");
}

export async function renderPlayground({ me, main, title, onLeave }) {
  title("Playground");
  main.append(h("h1", { tabindex: "-1" }, "Playground"));
  if (!me.instance) {
    main.append(
      notice(
        "info",
        "This key is organization-wide: the job API needs a key narrowed to an instance. Create one in Admin › API keys.",
      ),
    );
    return;
  }
  // Both at once: the page appears as soon as the slower of the two answers.
  const [enums, projects] = await Promise.all([
    apiEnums(),
    me.project ? [] : listAll("/v1/admin/projects", { instance_id: me.instance.id }).catch(() => []),
  ]);
  const providerOptions = [["", "Instance default"], ...enums.providers];
  const fallbackOptions = [["", "None"], ...enums.providers];

  const controls = {
    prompt: h("textarea", { name: "prompt", rows: 3, required: true, maxlength: 4000 }),
    negative_prompt: h("textarea", { name: "negative_prompt", rows: 2, maxlength: 4000 }),
    aspect_ratio: select("aspect_ratio", enums.aspectRatios, "1x1"),
    seed: h("input", {
      type: "number",
      name: "seed",
      min: 0,
      max: 2147483647,
      step: 1,
      inputmode: "numeric",
    }),
    num_images: h("input", { type: "number", name: "num_images", min: 1, max: 4, step: 1, value: "1" }),
    provider: select("provider", providerOptions, ""),
    fallback_1: select("fallback_1", fallbackOptions, ""),
    fallback_2: select("fallback_2", fallbackOptions, ""),
    fallback_3: select("fallback_3", fallbackOptions, ""),
    webhook_url: h("input", { type: "url", name: "webhook_url" }),
    /** Set below for a key that is not bound to a project. */
    project_id: /** @type {HTMLSelectElement | null} */ (null),
  };

  // An instance-wide key (not bound to a project) must name the project of each job.
  let projectField = null;
  if (!me.project) {
    const active = projects.filter((p) => p.status === "active");
    const picker = select(
      "project_id",
      active.map((p) => [p.id, `${p.name} (${p.id})`]),
      active[0]?.id,
    );
    picker.required = true;
    controls.project_id = picker;
    projectField = field("Project", picker, "This key is not bound to a project: pick the job's project.");
  }

  const values = () => Object.fromEntries(Object.entries(controls).map(([k, c]) => [k, c ? c.value : ""]));
  const curlBox = h("textarea", { readonly: true, rows: 5, class: "code", name: "curl" });
  const curlField = field("curl command", curlBox, "Set GENQUEUE_KEY to your key before running it.");
  curlField.hidden = true;
  const out = h("div", { class: "out" });
  const jobArea = h("div", { class: "job-area" });
  let leaveJob = () => {};
  onLeave(() => leaveJob());

  const generate = h("button", { type: "submit" }, "Generate");
  const copy = h("button", { type: "button", class: "secondary" }, "Copy as curl");
  copy.addEventListener("click", async () => {
    const cmd = curlCommand(location.origin, jobBody(values()));
    curlBox.value = cmd;
    curlField.hidden = false;
    const copied = await copyText(cmd, curlBox);
    replace(
      out,
      notice("info", copied ? "curl command copied." : "Select the curl command below and copy it."),
    );
  });

  const form = h(
    "form",
    {
      class: "card form-grid",
      "aria-label": "New image job",
      onsubmit: (e) => {
        e.preventDefault();
        busy(generate, out, async () => {
          const body = jobBody(values());
          if (!body.input.prompt) throw new Error("Write a prompt first.");
          const job = await api("POST", "/v1/jobs", body, { "idempotency-key": crypto.randomUUID() });
          replace(out, notice("info", `Job ${job.id} queued.`));
          leaveJob();
          const cleanups = [];
          leaveJob = () => {
            for (const fn of cleanups) fn();
          };
          replace(
            jobArea,
            jobPanel(job.id, (fn) => cleanups.push(fn)),
          );
        });
      },
    },
    field("Prompt", controls.prompt),
    field("Negative prompt", controls.negative_prompt, "Optional: what to avoid."),
    h(
      "div",
      { class: "row" },
      field("Aspect ratio", controls.aspect_ratio),
      field("Seed", controls.seed, "Optional, 0 to 2147483647."),
      field("Count", controls.num_images, "Images to generate, 1 to 4."),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Providers"),
      h(
        "div",
        { class: "row" },
        field("Provider", controls.provider),
        field("Fallback 1", controls.fallback_1),
        field("Fallback 2", controls.fallback_2),
        field("Fallback 3", controls.fallback_3),
      ),
    ),
    projectField,
    field(
      "Webhook URL",
      controls.webhook_url,
      "Optional: an https URL of your application, called when the job ends.",
    ),
    h("div", { class: "actions" }, generate, copy),
    out,
    curlField,
  );
  main.append(form, jobArea);
}

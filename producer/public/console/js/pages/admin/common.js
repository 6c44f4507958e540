// What the admin sections share: a section's reload loop and a secret shown once.
import { copyText, h, nextId, notice } from "../../dom.js";

/** A secret the API returns once: shown in a read-only field with a copy button. */
export function secretBox(label, secret, what) {
  const id = nextId("secret");
  const input = h("input", {
    id,
    type: "text",
    readonly: true,
    value: secret,
    class: "code",
    "data-testid": "secret",
  });
  const copy = h("button", { type: "button", class: "secondary" }, "Copy secret");
  copy.addEventListener("click", async () => {
    const ok = await copyText(secret, input);
    copy.textContent = ok ? "Copied" : "Copy secret";
  });
  return h(
    "div",
    { class: "secret-box", role: "status" },
    h("p", {}, h("strong", {}, `${what}: `), "shown this once. Copy it now; it cannot be read again."),
    h("label", { for: id }, label),
    h("div", { class: "row" }, input, copy),
  );
}

/** Instance settings need a key narrowed to an instance: true (and a notice) when this one is not. */
export function needsInstance(me, main) {
  if (me.instance) return false;
  main.append(
    notice(
      "info",
      "These settings belong to an instance: sign in with a key narrowed to one (Admin › API keys).",
    ),
  );
  return true;
}

/** Short id text for tables: the name when known, else the id. */
export function nameOf(list, id) {
  if (!id) return "—";
  return list.find((x) => x.id === id)?.name ?? id;
}

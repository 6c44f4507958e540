// The console shell: sign-in with an API key, the navigation the key's role allows, and a hash
// router (#/playground, #/jobs/<id>, #/admin/<section>, ...) that renders one page at a time.
import { ApiError, api, apiEnums, clearKey, getKey, setKey } from "./api.js";
import { errorMessage, field, h, notice, replace } from "./dom.js";
import { renderAdmin } from "./pages/admin.js";
import { renderDashboard } from "./pages/dashboard.js";
import { renderDeadLetters } from "./pages/dead-letters.js";
import { renderJob, renderJobs } from "./pages/jobs.js";
import { renderPlayground } from "./pages/playground.js";

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
const nav = /** @type {HTMLElement} */ (document.getElementById("nav"));
const sessionBox = /** @type {HTMLElement} */ (document.getElementById("session"));

/** Who the key is (GET /v1/me), once signed in. */
let me = null;
/** Cleanups of the page on screen (timers, blob URLs), run when another page replaces it. */
let cleanups = [];
/** The page on screen; `left` once another replaced it (its late async work must stop). */
let current = { left: true };

const isAdmin = () => me?.key.role === "admin" || me?.key.role === "super_admin";

/**
 * Pages: [hash prefix, link text, renderer, shown to this key?].
 * @type {[string, string, (ctx: any) => unknown, () => boolean][]}
 */
const PAGES = [
  ["playground", "Playground", renderPlayground, () => true],
  ["jobs", "Jobs", renderJobs, () => true],
  ["dead-letters", "Dead letters", renderDeadLetters, isAdmin],
  ["dashboard", "Dashboard", renderDashboard, isAdmin],
  ["admin", "Admin", renderAdmin, isAdmin],
];

function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] ?? "playground", rest: parts.slice(1) };
}

function leavePage() {
  for (const fn of cleanups) fn();
  cleanups = [];
  current.left = true;
}

function renderNav(active) {
  replace(
    nav,
    h(
      "ul",
      {},
      PAGES.filter(([, , , shown]) => shown()).map(([id, text]) =>
        h("li", {}, h("a", { href: `#/${id}`, "aria-current": id === active ? "page" : undefined }, text)),
      ),
    ),
  );
  nav.hidden = false;
}

function renderSession() {
  if (!me) {
    replace(sessionBox);
    return;
  }
  const who = me.user ? `${me.user.name} (${me.key.role})` : `service key (${me.key.role})`;
  const where = [me.organization?.name, me.instance?.name, me.project?.name].filter(Boolean).join(" › ");
  replace(
    sessionBox,
    h("span", { class: "who", "data-testid": "signed-in-as" }, who, where ? ` · ${where}` : ""),
    h("button", { type: "button", class: "secondary", onclick: () => signOut() }, "Sign out"),
  );
}

function signOut(message = notice("info", "Signed out.")) {
  clearKey();
  me = null;
  leavePage();
  nav.hidden = true;
  replace(nav);
  renderSession();
  history.replaceState(null, "", location.pathname);
  renderSignIn(message);
}

function renderSignIn(message) {
  document.title = "Sign in · genqueue console";
  const input = h("input", {
    type: "password",
    name: "api_key",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
  });
  const out = h("div", { class: "out" }, message);
  const form = h(
    "form",
    {
      class: "card signin",
      onsubmit: async (e) => {
        e.preventDefault();
        const key = input.value.trim();
        if (!key) return;
        setKey(key);
        try {
          await loadMe();
        } catch (err) {
          clearKey();
          replace(
            out,
            notice(
              "error",
              err instanceof ApiError && err.status === 401 ? "That key was refused." : errorMessage(err),
            ),
          );
          input.focus();
          return;
        }
        if (!location.hash || location.hash === "#/") location.hash = "#/playground";
        else show();
      },
    },
    h("h1", { tabindex: "-1" }, "Sign in"),
    h("p", {}, "Sign in with a genqueue API key. It stays in this browser tab only (session storage)."),
    field("API key", input, "Starts with gq_. npm start prints a user key and an admin key."),
    h("button", { type: "submit" }, "Sign in"),
    out,
  );
  replace(main, form);
  input.focus();
}

async function loadMe() {
  me = await api("GET", "/v1/me");
  renderSession();
}

function show() {
  leavePage();
  if (!me) return;
  const { page, rest } = route();
  const entry = PAGES.find(([id]) => id === page);
  renderNav(entry ? page : "");
  if (!entry?.[3]()) {
    replace(
      main,
      h("h1", { tabindex: "-1" }, "Not found"),
      h("p", {}, "There is no such page for this key."),
    );
    return;
  }
  // Each page renders into its own container: a page still loading when the user moves on writes
  // into a detached element, never into the next page; a cleanup registered after leaving runs at once.
  const view = { left: false };
  current = view;
  const container = h("div", { class: "page" });
  const ctx = {
    me,
    main: container,
    rest,
    onLeave: (fn) => (view.left ? fn() : cleanups.push(fn)),
    title: (text) => {
      document.title = `${text} · genqueue console`;
    },
  };
  replace(main, container);
  try {
    const renderer = page === "jobs" && rest[0] ? renderJob : entry[2];
    const done = renderer(ctx);
    Promise.resolve(done).catch((err) => container.append(notice("error", errorMessage(err))));
  } catch (err) {
    container.append(notice("error", errorMessage(err)));
  }
  // Move focus to the new page's heading, for keyboard and screen-reader users.
  requestAnimationFrame(() => main.querySelector("h1")?.focus({ preventScroll: true }));
}

window.addEventListener("hashchange", show);
window.addEventListener("genqueue:unauthorized", () => {
  if (me) signOut(notice("error", "The API no longer accepts this key (revoked or expired): sign in again."));
});

// The pages' enums come from /openapi.json (public): ask for it now, while the user signs in.
apiEnums();

if (getKey()) {
  loadMe()
    .then(show)
    .catch((err) => {
      clearKey();
      renderSignIn(
        notice(
          "error",
          err instanceof ApiError && err.status === 401
            ? "Your key was refused; sign in again."
            : errorMessage(err),
        ),
      );
    });
} else {
  renderSignIn();
}

// EZY Integrations console: plain ES modules over GraphQL (/graphql). API text reaches the page as text
// nodes only. The API key lives in sessionStorage (this tab) and never in a URL.
import { $, el, fill, notice } from "./js/dom.js";
import { ApiError, clearKey, getKey, gql, setKey, whenUnauthorized } from "./js/gql.js";
import * as lookups from "./js/lookups.js";
import { closePanel, wireUi } from "./js/ui.js";
import * as overview from "./js/overview.js";
import * as runs from "./js/runs.js";
import * as dlq from "./js/dlq.js";
import * as config from "./js/config.js";

let cleanup = null;
let routeSeq = 0;

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, query] = raw.split("?");
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query || "") };
}

function pick(parts) {
  if (!parts.length) return ["overview", overview.render];
  if (parts[0] === "runs") return ["runs", parts[1] ? runs.renderRun : runs.render];
  if (parts[0] === "dlq") return ["dlq", dlq.render];
  if (parts[0] === "config") return ["config", config.render];
  return ["overview", overview.render];
}

async function route() {
  if (cleanup) cleanup();
  cleanup = null;
  if (!getKey()) return showSignIn();
  const { parts, params } = parseHash();
  const [section, render] = pick(parts);
  $("signin").hidden = true;
  $("nav").hidden = false;
  $("sign-out").hidden = false;
  for (const a of $("nav").querySelectorAll("a")) {
    if (a.dataset.section === section) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const view = $("view");
  const keepPanel = view.dataset.section === section && section === "dlq";
  if (!keepPanel) closePanel({ restoreFocus: false });
  view.dataset.section = section;
  view.dataset.route = parts.join("/");
  // Rendered off-page, then swapped in: a slower earlier page can never overwrite a later one.
  const mine = ++routeSeq;
  const stage = el("div", { className: "view-stage" });
  let done = null;
  try {
    done = (await render(stage, parts, params)) || null;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    fill(stage, el("p", { className: "notice error" }, `Could not load this page: ${err.message}`));
  }
  if (mine !== routeSeq) {
    if (done) done();
    return;
  }
  fill(view, stage);
  cleanup = done;
}

function showSignIn(reason = "") {
  routeSeq += 1; // a page still loading must not appear over the sign-in form
  closePanel({ restoreFocus: false });
  $("view").replaceChildren();
  delete $("view").dataset.section;
  $("nav").hidden = true;
  $("sign-out").hidden = true;
  $("signin").hidden = false;
  if (reason) notice($("signin-status"), reason, "error");
  $("key-input").focus();
}

async function signIn(event) {
  event.preventDefault();
  const key = $("key-input").value.trim();
  if (!key) return notice($("signin-status"), "Paste an API key first.", "error");
  notice($("signin-status"), "Checking the key…");
  try {
    await gql("{ instances(pageSize: 1) { total } }", {}, key);
  } catch (err) {
    return notice($("signin-status"), err.message, "error"); // the API's own reason
  }
  setKey(key);
  $("key-input").value = "";
  notice($("signin-status"), "");
  lookups.forget();
  route();
}

function signOut() {
  if (cleanup) cleanup();
  cleanup = null;
  clearKey();
  lookups.forget();
  showSignIn();
  notice($("signin-status"), "Signed out. The key was removed from this tab.", "ok");
}

whenUnauthorized((reason) => {
  if (cleanup) cleanup();
  cleanup = null;
  clearKey();
  showSignIn(`Signed out: ${reason}`);
});

wireUi();
$("signin-form").addEventListener("submit", signIn);
$("sign-out").addEventListener("click", signOut);
window.addEventListener("hashchange", route);
route();

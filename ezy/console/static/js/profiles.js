// Connection profiles: create, edit and test; the form follows the kind's config; secrets are write-only.
import { button, el, emptyRow, field, fill, input, lower, notice, reload, select, showFieldErrors, text, when } from "./dom.js";
import { errs, gql, mutate } from "./gql.js";
import * as lookups from "./lookups.js";
import { closePanel, confirmAction, openPanel, toast } from "./ui.js";

// [path in config, label, type, hint]; secrets are write-only fields.
export const KINDS = {
  sample: { label: "Sample data (generated store records; a counting sink as a target)",
    config: [["count", "Records to generate", "number", "How many records a run reads."], ["seed", "Seed", "number", "The same seed gives the same data."]], secrets: [] },
  postgres: { label: "PostgreSQL", config: [["dsn", "DSN", "text", "postgresql://user@host:5432/db (the password goes below)"]], secrets: ["password"] },
  shopify: { label: "Shopify", config: [["shopDomain", "Shop domain", "text", "your-shop.myshopify.com"], ["apiVersion", "API version", "text", "e.g. 2025-01"], ["endpoint", "Endpoint (optional)", "text", "Only for a stand-in store."]], secrets: ["accessToken", "webhookSecret"] },
  http: { label: "HTTP / REST API", config: [["baseUrl", "Base URL", "text", "The API root: scheme, host and path"], ["auth.type", "Authentication", "auth", ""], ["auth.header", "Auth header name", "text", "For header auth, e.g. X-Api-Key"], ["auth.username", "Username", "text", "For basic auth"], ["recordsPath", "Records path (optional)", "text", "Where the records are in each answer, e.g. data.items"], ["pagination", "Pagination (JSON, optional)", "json", "e.g. {\"type\": \"page\", \"param\": \"page\"}"]], secrets: ["token", "password", "apiKey"] },
};

const FIELDS = `id name kind config secretKeys version updatedAt`;

// `kind` is a String in some API versions and the ConnectorKind enum (SAMPLE, ...) in others: the
// console shows and keys it in lower case and sends it in the case the schema declares.
let enumKinds = null;
async function wireKind(kind) {
  if (enumKinds === null) enumKinds = Boolean((await gql('{ __type(name: "ConnectorKind") { name } }')).__type);
  return enumKinds ? kind.toUpperCase() : kind.toLowerCase();
}
const getPath = (obj, path) => path.split(".").reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);
function setPath(obj, path, value) {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] = o[k] || {};
  o[keys.at(-1)] = value;
}

export async function render(body) {
  const data = await gql(`{ connectionProfiles(pageSize: 200) { total items { ${FIELDS} } } }`);
  const rows = el("tbody", { id: "profiles-body" });
  for (const p of data.connectionProfiles.items) {
    const result = el("span", { className: "test-result", "aria-live": "polite" });
    rows.append(el("tr", { dataset: { id: p.id } },
      el("td", {}, el("strong", {}, text(p.name))), el("td", {}, lower(p.kind)),
      el("td", { className: "hide-narrow" }, p.secretKeys.length ? `${p.secretKeys.join(", ")} (stored)` : "—"),
      el("td", { className: "hide-narrow" }, when(p.updatedAt)),
      el("td", { className: "actions" }, button("Edit", () => editProfile(p)), button("Test", () => testProfile(p, result)), result)));
  }
  if (!data.connectionProfiles.total) rows.append(emptyRow(5, "No connection profiles yet. Start with one for where records come from and one for where they go (the Sample kind works with no setup)."));
  fill(body,
    el("div", { className: "toolbar" }, button("New connection profile", () => editProfile(null), { id: "new-profile", className: "primary" })),
    el("div", { className: "table-wrap" }, el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "Name"), el("th", {}, "Kind"), el("th", { className: "hide-narrow" }, "Secrets"), el("th", { className: "hide-narrow" }, "Updated"), el("th", {}, "Actions"))),
      rows)));
}

async function testProfile(p, node) {
  notice(node, "testing…", "muted");
  try {
    const data = await gql(`mutation($id: ID!) { r: testConnectionProfile(id: $id) { __typename ... on Error { message } ... on ConnectionTest { ok latencyMs detail } } }`, { id: p.id });
    const r = data.r;
    if (r.__typename !== "ConnectionTest") return notice(node, r.message, "error");
    notice(node, `${r.ok ? "✓ connected" : "✗ failed"} in ${Math.round(r.latencyMs)} ms: ${r.detail}`, r.ok ? "ok" : "error");
  } catch (err) {
    notice(node, err.message, "error");
  }
}

function kindFields(kind, profile) {
  const spec = KINDS[kind] || { config: [], secrets: [] };
  const same = profile && lower(profile.kind) === kind;
  const config = same ? profile.config : {};
  const stored = same ? profile.secretKeys : [];
  const nodes = spec.config.map(([path, label, type, hint]) => {
    const value = getPath(config, path);
    let control;
    if (type === "auth") control = select([["none", "none"], ["bearer", "bearer token"], ["basic", "basic"], ["header", "API key header"]], value || "none");
    else if (type === "json") control = el("textarea", { rows: 3, spellcheck: false, value: value === undefined ? "" : JSON.stringify(value) });
    else control = input({ type: type === "number" ? "number" : "text", value: value === undefined ? "" : String(value) });
    control.dataset.config = path;
    control.dataset.type = type;
    return field(label, control, { pointer: `/config/${path.replace(/\./g, "/")}`, hint });
  });
  const secrets = spec.secrets.map((name) => {
    const control = input({ type: "password", autocomplete: "new-password", placeholder: stored.includes(name) ? "stored — leave empty to keep" : "not set" });
    control.dataset.secret = name;
    return field(`${name} (secret, write-only)`, control, { pointer: `/secrets/${name}` });
  });
  return [...nodes, ...secrets];
}

function readForm(form) {
  const config = {};
  for (const node of form.querySelectorAll("[data-config]")) {
    const raw = node.value.trim();
    if (!raw) continue;
    let value = raw;
    if (node.dataset.type === "number") value = Number(raw);
    if (node.dataset.type === "json") {
      try { value = JSON.parse(raw); } catch (err) { throw Object.assign(new Error("invalid JSON"), { fieldErrors: [{ pointer: `/config/${node.dataset.config}`, message: `not valid JSON: ${err.message}` }] }); }
    }
    setPath(config, node.dataset.config, value);
  }
  const secrets = {};
  for (const node of form.querySelectorAll("[data-secret]")) if (node.value) secrets[node.dataset.secret] = node.value;
  return { config, secrets };
}

// For a merge patch: keys the stored config has and the form dropped are removed (null).
function withRemovals(stored, next) {
  const out = { ...next };
  for (const [k, v] of Object.entries(stored || {})) {
    if (!(k in next)) out[k] = null;
    else if (v && typeof v === "object" && !Array.isArray(v) && next[k] && typeof next[k] === "object" && !Array.isArray(next[k])) out[k] = withRemovals(v, next[k]);
  }
  return out;
}

function editProfile(profile) {
  const body = openPanel(profile ? `Edit ${profile.name}` : "New connection profile");
  const name = input({ id: "profile-name", value: profile ? profile.name : "", required: true });
  const kind = select(Object.entries(KINDS).map(([k, v]) => [k, `${k} — ${v.label}`]), profile ? lower(profile.kind) : "sample", { id: "profile-kind" });
  const kindBox = el("div", { className: "kind-fields" });
  const general = el("div");
  const status = el("p", { className: "notice", role: "status", id: "profile-status" });
  const drawKind = () => fill(kindBox, kindFields(kind.value, profile));
  kind.addEventListener("change", drawKind);
  drawKind();
  const form = el("form", { className: "stack", onsubmit: save },
    field("Name", name, { pointer: "/name" }), field("Kind", kind, { pointer: "/kind" }), kindBox, general,
    el("div", { className: "actions" }, el("button", { type: "submit", className: "primary", id: "profile-save" }, profile ? "Save changes" : "Create profile"),
      profile ? button("Delete…", remove, { className: "danger" }) : null),
    status);
  body.append(form);
  name.focus();

  async function save(event) {
    event.preventDefault();
    let parts;
    try { parts = readForm(form); } catch (err) { return showFieldErrors(form, err.fieldErrors, general); }
    const result = (k) => `{ ${errs(k)} ... on ConnectionProfilePayload { connectionProfile { id name } } }`;
    try {
      if (profile && lower(profile.kind) === kind.value) {
        // A merge patch: secrets left empty stay stored; config fields cleared in the form are removed.
        const patch = { name: name.value.trim(), config: withRemovals(profile.config, parts.config) };
        if (Object.keys(parts.secrets).length) patch.secrets = parts.secrets;
        await mutate(`mutation($id: ID!, $v: Int!, $p: ConnectionProfilePatch!) { r: updateConnectionProfile(id: $id, expectedVersion: $v, patch: $p) ${result("VCM")} }`, { id: profile.id, v: profile.version, p: patch }, "r");
      } else if (profile) {
        // Another kind: the whole profile is replaced, with the new kind's config and secrets.
        const input_ = { name: name.value.trim(), kind: await wireKind(kind.value), config: parts.config, secrets: parts.secrets };
        await mutate(`mutation($id: ID!, $v: Int!, $i: ConnectionProfileInput!) { r: replaceConnectionProfile(id: $id, expectedVersion: $v, input: $i) ${result("VCM")} }`, { id: profile.id, v: profile.version, i: input_ }, "r");
      } else {
        await mutate(`mutation($i: ConnectionProfileInput!) { r: createConnectionProfile(input: $i) ${result("VC")} }`, { i: { name: name.value.trim(), kind: await wireKind(kind.value), config: parts.config, secrets: parts.secrets } }, "r");
      }
    } catch (err) {
      notice(status, err.message, "error");
      return showFieldErrors(form, (err.fieldErrors || []).map(strip), general);
    }
    toast(profile ? "Profile saved." : "Profile created.");
    lookups.forget();
    closePanel();
    reload();
  }

  async function remove() {
    if (!(await confirmAction(`Delete the connection profile “${profile.name}”?`, "Delete"))) return;
    try {
      await mutate(`mutation($id: ID!, $v: Int!) { r: deleteConnectionProfile(id: $id, expectedVersion: $v) { ${errs("CM")} ... on Deleted { id } } }`, { id: profile.id, v: profile.version }, "r");
    } catch (err) {
      return notice(status, err.message, "error");
    }
    lookups.forget();
    closePanel();
    reload();
  }
}

// Field errors of a GraphQL input may be rooted at the argument; the form's pointers are not.
export const strip = (e) => ({ ...e, pointer: e.pointer.replace(/^\/(input|patch)(?=\/|$)/, "") || "/" });

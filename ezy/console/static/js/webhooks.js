// Webhook endpoints: the receiver URL and the secret (shown once, on create), and each endpoint's deliveries.
import { badge, button, el, emptyRow, field, fill, input, link, lower, notice, pager, reload, select, showFieldErrors, text, when } from "./dom.js";
import { errs, gql, mutate } from "./gql.js";
import * as lookups from "./lookups.js";
import { confirmAction, closePanel, openPanel, toast } from "./ui.js";
import { strip } from "./profiles.js";

const FIELDS = "id instanceId provider topics enabled url version instance { name }";
const absolute = (path) => new URL(path, location.href).href;

export async function render(body) {
  const data = await gql(`{ webhookEndpoints(pageSize: 200) { total items { ${FIELDS} } } }`);
  const rows = el("tbody", { id: "webhooks-body" }, data.webhookEndpoints.items.map((w) => el("tr", { dataset: { id: w.id } },
    el("td", {}, text(w.instance.name)), el("td", {}, lower(w.provider)), el("td", {}, badge(w.enabled ? "enabled" : "disabled")),
    el("td", { className: "wrap hide-narrow" }, el("code", {}, absolute(w.url))),
    el("td", { className: "actions" }, button("Deliveries", () => deliveries(w)), button("Edit", () => editEndpoint(w))))));
  if (!data.webhookEndpoints.total) rows.append(emptyRow(5, "No webhook endpoints. Add one to start an instance's run whenever a provider (Shopify or any HTTP sender) posts to it."));
  fill(body,
    el("div", { className: "toolbar" }, button("New webhook endpoint", () => editEndpoint(null), { id: "new-webhook", className: "primary" })),
    el("div", { className: "table-wrap" }, el("table", {}, el("thead", {}, el("tr", {},
      el("th", {}, "Instance"), el("th", {}, "Provider"), el("th", {}, "State"), el("th", { className: "hide-narrow" }, "Receiver URL"), el("th", {}, "Actions"))), rows)));
}

function copyable(label, value, id) {
  const box = input({ readOnly: true, value, id });
  const copied = el("span", { className: "muted", "aria-live": "polite" });
  return el("div", { className: "field" }, el("label", { htmlFor: id }, label),
    el("div", { className: "copy" }, box, button("Copy", async () => {
      try { await navigator.clipboard.writeText(value); copied.textContent = "copied"; } catch { box.select(); copied.textContent = "selected: press Ctrl+C"; }
    })), copied);
}

async function editEndpoint(endpoint) {
  const instances = await lookups.instances();
  const body = openPanel(endpoint ? "Edit webhook endpoint" : "New webhook endpoint");
  if (!instances.length) return body.append(el("p", { className: "notice" }, "A webhook endpoint starts an instance's runs: create an instance first."));
  const instance = select(instances.map((i) => [i.id, i.name]), endpoint ? endpoint.instanceId : instances[0].id, { id: "webhook-instance" });
  const provider = select([["GENERIC", "generic (HMAC-signed JSON)"], ["SHOPIFY", "Shopify"]], endpoint ? endpoint.provider : "GENERIC", { id: "webhook-provider" });
  const topics = input({ id: "webhook-topics", value: endpoint ? endpoint.topics.join(", ") : "", placeholder: "e.g. products/update, products/create" });
  const secret = input({ type: "password", id: "webhook-secret", autocomplete: "new-password", placeholder: endpoint ? "stored — leave empty to keep" : "generic: leave empty to generate one" });
  const enabled = el("input", { type: "checkbox", id: "webhook-enabled", checked: endpoint ? endpoint.enabled : true });
  const general = el("div");
  const status = el("p", { className: "notice", role: "status" });
  const form = el("form", { className: "stack", onsubmit: save },
    field("Instance", instance, { pointer: "/instanceId" }), field("Provider", provider, { pointer: "/provider" }),
    field("Topics (comma-separated; empty = all)", topics, { pointer: "/topics" }),
    field("Secret (write-only)", secret, { pointer: "/secret", hint: "Shopify: the app's client secret. Generic: whsec_… or empty to have one generated." }),
    el("div", { className: "field inline" }, enabled, el("label", { htmlFor: "webhook-enabled" }, "Enabled")), general,
    el("div", { className: "actions" }, el("button", { type: "submit", className: "primary", id: "webhook-save" }, endpoint ? "Save changes" : "Create endpoint"),
      endpoint ? button("Delete…", remove, { className: "danger" }) : null), status);
  body.append(form);

  async function save(event) {
    event.preventDefault();
    const input_ = { instanceId: instance.value, provider: provider.value, topics: topics.value.split(",").map((t) => t.trim()).filter(Boolean), enabled: enabled.checked };
    if (secret.value) input_.secret = secret.value;
    try {
      if (endpoint) {
        await mutate(`mutation($id: ID!, $v: Int!, $i: WebhookEndpointInput!) { r: replaceWebhookEndpoint(id: $id, expectedVersion: $v, input: $i) { ${errs("VM")} ... on WebhookEndpointPayload { webhookEndpoint { id } } } }`, { id: endpoint.id, v: endpoint.version, i: input_ }, "r");
        toast("Endpoint saved.");
        closePanel();
        return reload();
      }
      const r = await mutate(`mutation($i: WebhookEndpointInput!) { r: createWebhookEndpoint(input: $i) { ${errs("V")} ... on CreateWebhookEndpointPayload { secret webhookEndpoint { ${FIELDS} } } } }`, { i: input_ }, "r");
      const panel = openPanel("Webhook endpoint created", { closed: reload });
      panel.append(el("p", { className: "notice ok" }, "Give the provider this URL and secret. The secret is shown this once: copy it now."),
        copyable("Receiver URL", absolute(r.webhookEndpoint.url), "created-url"), copyable("Secret", r.secret, "created-secret"),
        el("div", { className: "actions" }, button("Done", () => closePanel(), { className: "primary" })));
    } catch (err) {
      notice(status, err.message, "error");
      showFieldErrors(form, (err.fieldErrors || []).map(strip), general);
    }
  }

  async function remove() {
    if (!(await confirmAction("Delete this endpoint and its deliveries? The provider's posts will be refused.", "Delete"))) return;
    try {
      await mutate(`mutation($id: ID!, $v: Int!) { r: deleteWebhookEndpoint(id: $id, expectedVersion: $v) { ${errs("M")} ... on Deleted { id } } }`, { id: endpoint.id, v: endpoint.version }, "r");
    } catch (err) {
      return notice(status, err.message, "error");
    }
    closePanel();
    reload();
  }
}

async function deliveries(endpoint, page = 1) {
  const data = await gql(`query($id: ID!, $page: Int!) { webhookDeliveries(endpointId: $id, page: $page, pageSize: 20) {
    total items { id receivedAt topic externalId status syncLogId error resolvedBySyncLogId } } }`, { id: endpoint.id, page });
  const body = openPanel(`Deliveries to ${endpoint.instance.name}`, { wide: true });
  const list = data.webhookDeliveries;
  body.append(copyable("Receiver URL", absolute(endpoint.url), "delivery-url"));
  if (!list || !list.total) return body.append(el("p", { className: "muted" }, "No deliveries yet. Point the provider at the URL above; each post it makes appears here with its run."));
  body.append(el("div", { className: "table-wrap" }, el("table", {},
    el("thead", {}, el("tr", {}, el("th", {}, "Received"), el("th", {}, "Topic"), el("th", {}, "Status"), el("th", {}, "Run"))),
    el("tbody", {}, list.items.map((d) => el("tr", {}, el("td", {}, when(d.receivedAt)), el("td", {}, text(d.topic)),
      el("td", {}, badge(d.status), d.error ? el("div", { className: "error small" }, text(d.error)) : null),
      el("td", {}, d.syncLogId ? link(`#/runs/${encodeURIComponent(d.syncLogId)}`, "open run") : "—")))))),
  pager(page, 20, list.total, (p) => deliveries(endpoint, p)));
}

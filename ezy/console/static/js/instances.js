// Instances: create/edit, activate/deactivate, and run now with live progress in the row.
import { badge, button, el, emptyRow, field, fill, input, link, lower, notice, reload, select, showFieldErrors, text } from "./dom.js";
import { errs, gql, isTerminal, mutate, watchRun } from "./gql.js";
import * as lookups from "./lookups.js";
import { closePanel, confirmAction, openPanel, toast } from "./ui.js";
import { strip } from "./profiles.js";

const FIELDS = "id name status version options sourceProfileId targetProfileId mappingId scheduleCount webhookEndpointCount sourceProfile { name kind } targetProfile { name kind } mapping { name }";
const stops = new Set();

function progressText(run) {
  const c = run.counts;
  if (run.status === "QUEUED") return "waiting for a worker";
  if (run.status === "RUNNING") return `${c.total} read, ${c.success} loaded, ${c.failed} failed so far`;
  return `${c.success} loaded, ${c.failed} failed, ${c.skipped} skipped`;
}

export async function render(body) {
  const data = await gql(`{ instances(pageSize: 200) { total items { ${FIELDS} } } }`);
  const rows = el("tbody", { id: "instances-body" });
  for (const i of data.instances.items) {
    const progress = el("div", { className: "progress", "aria-live": "polite", dataset: { instance: i.id } });
    const active = i.status === "ACTIVE";
    rows.append(el("tr", { dataset: { id: i.id } },
      el("td", {}, el("strong", {}, text(i.name)), el("div", { className: "muted small" }, `${text(i.sourceProfile.name)} → ${text(i.targetProfile.name)} · ${text(i.mapping.name)}`)),
      el("td", {}, badge(i.status)),
      el("td", { className: "hide-narrow" }, `${i.scheduleCount} schedule${i.scheduleCount === 1 ? "" : "s"}, ${i.webhookEndpointCount} webhook${i.webhookEndpointCount === 1 ? "" : "s"}`),
      el("td", { className: "actions" },
        button(active ? "Deactivate" : "Activate", () => toggle(i, progress)),
        button("Run now", () => runNow(i, progress), { disabled: !active, title: active ? "" : "Activate the instance first" }),
        button("Edit", () => editInstance(i)),
        link(`#/runs?instance=${encodeURIComponent(i.id)}`, "Runs"),
        progress)));
  }
  if (!data.instances.total) rows.append(emptyRow(4, "No instances yet. An instance joins a source profile, a target profile and a mapping; create those first, then ", button("create an instance", () => editInstance(null), { className: "linklike" }), "."));
  fill(body,
    el("div", { className: "toolbar" }, button("New instance", () => editInstance(null), { id: "new-instance", className: "primary" })),
    el("div", { className: "table-wrap" }, el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "Instance"), el("th", {}, "Status"), el("th", { className: "hide-narrow" }, "Triggers"), el("th", {}, "Actions"))), rows)));
  return () => { for (const stop of stops) stop(); stops.clear(); };
}

async function toggle(i, progress) {
  const verb = i.status === "ACTIVE" ? "deactivateInstance" : "activateInstance";
  try {
    await mutate(`mutation($id: ID!, $v: Int!) { r: ${verb}(id: $id, expectedVersion: $v) { ${errs("M")} ... on InstancePayload { instance { id status } } } }`, { id: i.id, v: i.version }, "r");
    lookups.forget();
    toast(verb === "activateInstance" ? `${i.name} is active.` : `${i.name} is inactive.`);
    reload();
  } catch (err) {
    notice(progress, err.message, "error");
  }
}

async function runNow(i, progress) {
  notice(progress, "starting…", "muted");
  try {
    const r = await mutate(`mutation($id: ID!) { r: triggerSync(instanceId: $id) { ${errs("VC")} ... on SyncStartedPayload { correlationId syncLog { id status } } } }`, { id: i.id }, "r");
    const runLink = link(`#/runs/${encodeURIComponent(r.syncLog.id)}`, "open the run");
    const line = el("span", { className: "run-progress" });
    const show = (run) => {
      fill(line, badge(run.status), " ", progressText(run));
      progress.className = `progress ${run.status === "SUCCEEDED" ? "ok" : run.status === "FAILED" || run.status === "CANCELLED" ? "error" : ""}`;
    };
    fill(progress, line, " · ", runLink);
    show({ status: r.syncLog.status, counts: { total: 0, success: 0, failed: 0, skipped: 0 } });
    const stop = watchRun(r.correlationId, (run) => { show(run); if (isTerminal(run.status)) stops.delete(stop); });
    stops.add(stop);
  } catch (err) {
    notice(progress, err.message, "error");
  }
}

async function editInstance(instance) {
  const [profiles, mappings] = await Promise.all([lookups.profiles(), lookups.mappings()]);
  const body = openPanel(instance ? `Edit ${instance.name}` : "New instance");
  if (!profiles.length || !mappings.length) {
    body.append(el("p", { className: "notice" }, "An instance needs connection profiles and a mapping. ",
      !profiles.length ? link("#/config/profiles", "Create a connection profile") : link("#/config/mappings/new", "Write a mapping"), " first."));
    return;
  }
  const opts = profiles.map((p) => [p.id, `${p.name} (${lower(p.kind)})`]);
  const name = input({ id: "instance-name", value: instance ? instance.name : "", required: true });
  const source = select(opts, instance ? instance.sourceProfileId : opts[0][0], { id: "instance-source" });
  const target = select(opts, instance ? instance.targetProfileId : opts[Math.min(1, opts.length - 1)][0], { id: "instance-target" });
  const mapping = select(mappings.map((m) => [m.id, m.name]), instance ? instance.mappingId : mappings[0].id, { id: "instance-mapping" });
  const options = el("textarea", { id: "instance-options", className: "code", rows: 3, spellcheck: false, value: JSON.stringify(instance ? instance.options : {}) });
  const general = el("div");
  const status = el("p", { className: "notice", role: "status" });
  const form = el("form", { className: "stack", onsubmit: save },
    field("Name", name, { pointer: "/name" }), field("Source profile (records come from)", source, { pointer: "/sourceProfileId" }),
    field("Target profile (records go to)", target, { pointer: "/targetProfileId" }), field("Mapping", mapping, { pointer: "/mappingId" }),
    field("Options (JSON)", options, { pointer: "/options", hint: "Usually {}." }), general,
    el("p", { className: "muted small" }, instance ? "" : "A new instance is inactive: activate it from the list to run it."),
    el("div", { className: "actions" }, el("button", { type: "submit", className: "primary", id: "instance-save" }, instance ? "Save changes" : "Create instance"),
      instance ? button("Delete…", remove, { className: "danger" }) : null), status);
  body.append(form);

  async function save(event) {
    event.preventDefault();
    let opt;
    try { opt = JSON.parse(options.value || "{}"); } catch (err) { return showFieldErrors(form, [{ pointer: "/options", message: `not valid JSON: ${err.message}` }], general); }
    const input_ = { name: name.value.trim(), sourceProfileId: source.value, targetProfileId: target.value, mappingId: mapping.value, options: opt };
    const result = (k) => `{ ${errs(k)} ... on InstancePayload { instance { id } } }`;
    try {
      if (instance) await mutate(`mutation($id: ID!, $v: Int!, $i: InstanceInput!) { r: replaceInstance(id: $id, expectedVersion: $v, input: $i) ${result("VCM")} }`, { id: instance.id, v: instance.version, i: input_ }, "r");
      else await mutate(`mutation($i: InstanceInput!) { r: createInstance(input: $i) ${result("VC")} }`, { i: input_ }, "r");
    } catch (err) {
      notice(status, err.message, "error");
      return showFieldErrors(form, (err.fieldErrors || []).map(strip), general);
    }
    lookups.forget();
    toast(instance ? "Instance saved." : "Instance created (inactive).");
    closePanel();
    reload();
  }

  async function remove() {
    if (!(await confirmAction(`Delete the instance “${instance.name}”? Its run history stays.`, "Delete"))) return;
    try {
      await mutate(`mutation($id: ID!, $v: Int!) { r: deleteInstance(id: $id, expectedVersion: $v) { ${errs("CM")} ... on Deleted { id } } }`, { id: instance.id, v: instance.version }, "r");
    } catch (err) {
      return notice(status, err.message, "error");
    }
    lookups.forget();
    closePanel();
    reload();
  }
}

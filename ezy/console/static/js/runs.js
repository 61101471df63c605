// Runs: a filtered, paged list that follows running runs live, and a run page (funnel, timings, errors).
import { badge, button, duration, el, emptyRow, fill, input, link, lower, pager, reload, select, text, toIso, when } from "./dom.js";
import { RUN_FIELDS, gql, isTerminal, watchRun } from "./gql.js";
import * as lookups from "./lookups.js";

const PAGE_SIZE = 20;
const STAGE_NAMES = ["extract", "normalize", "transform", "validate", "load"];

function runCells(run, names) {
  const c = run.counts;
  return [
    el("td", {}, link(`#/runs/${encodeURIComponent(run.id)}`, badge(run.status), { "aria-label": `Run ${lower(run.status)}, open` })),
    el("td", {}, names.get(run.instanceId) || "deleted instance"),
    el("td", { className: "hide-narrow" }, lower(run.trigger)),
    el("td", { className: "num", "data-label": "records" }, text(c.total)),
    el("td", { className: "num", "data-label": "loaded" }, text(c.success)),
    el("td", { className: "num", "data-label": "failed" }, text(c.failed)),
    el("td", { className: "num hide-narrow" }, text(c.skipped)),
    el("td", {}, when(run.createdAt)),
    el("td", { className: "hide-narrow" }, run.startedAt ? duration(run.startedAt, run.finishedAt) : "—"),
  ];
}

function hashWith(base, params) {
  const q = new URLSearchParams([...params].filter(([, v]) => v));
  return `${base}${q.toString() ? `?${q}` : ""}`;
}

export async function render(view, _parts, params) {
  const page = Math.max(1, Number(params.get("page")) || 1);
  const instances = await lookups.instances();
  const names = new Map(instances.map((i) => [i.id, i.name]));
  const f = {
    instance: select([["", "All instances"], ...instances.map((i) => [i.id, i.name])], params.get("instance") || "", { id: "f-instance" }),
    status: select([["", "Any status"], ...lookups.RUN_STATUSES.map((s) => [s, lower(s)])], params.get("status") || "", { id: "f-status" }),
    trigger: select([["", "Any trigger"], ...lookups.TRIGGERS.map((s) => [s, lower(s)])], params.get("trigger") || "", { id: "f-trigger" }),
    from: input({ type: "datetime-local", id: "f-from", value: params.get("from") || "" }),
    to: input({ type: "datetime-local", id: "f-to", value: params.get("to") || "" }),
  };
  const apply = (event) => {
    if (event) event.preventDefault();
    location.hash = hashWith("#/runs", new URLSearchParams({ instance: f.instance.value, status: f.status.value, trigger: f.trigger.value, from: f.from.value, to: f.to.value }));
  };
  const data = await gql(`query($page: Int!, $size: Int!, $i: ID, $s: SyncStatus, $t: SyncTrigger, $from: DateTime, $to: DateTime) {
    syncLogs(page: $page, pageSize: $size, instanceId: $i, status: $s, trigger: $t, from: $from, to: $to) {
      total items { ${RUN_FIELDS} } } }`, {
    page, size: PAGE_SIZE, i: f.instance.value || null, s: f.status.value || null, t: f.trigger.value || null,
    from: toIso(f.from.value), to: toIso(f.to.value),
  });
  const rows = el("tbody", { id: "runs-body" });
  const stops = [];
  for (const run of data.syncLogs.items) {
    const row = el("tr", { dataset: { id: run.id } }, runCells(run, names));
    rows.append(row);
    if (!isTerminal(run.status)) stops.push(watchRun(run.correlationId, (live) => fill(row, runCells(live, names))));
  }
  if (!data.syncLogs.items.length) {
    const filtered = [...params.keys()].some((k) => k !== "page");
    rows.append(emptyRow(9, filtered ? "No runs match these filters. " : "No runs yet. ",
      filtered ? link("#/runs", "Clear the filters") : el("span", {}, "Activate an instance under ", link("#/config/instances", "Configuration → Instances"), " and press Run now.")));
  }
  fill(view,
    el("div", { className: "view-head" }, el("h1", {}, "Runs"), button("Refresh", reload)),
    el("form", { className: "filters", onsubmit: apply },
      el("label", {}, "Instance", f.instance), el("label", {}, "Status", f.status), el("label", {}, "Trigger", f.trigger),
      el("label", {}, "From", f.from), el("label", {}, "To", f.to),
      el("button", { type: "submit" }, "Apply"), link("#/runs", "Clear")),
    el("div", { className: "table-wrap" }, el("table", { className: "runs stack-narrow" },
      el("thead", {}, el("tr", {}, el("th", {}, "Status"), el("th", {}, "Instance"), el("th", { className: "hide-narrow" }, "Trigger"),
        el("th", { className: "num" }, "Total"), el("th", { className: "num" }, "Loaded"), el("th", { className: "num" }, "Failed"),
        el("th", { className: "num hide-narrow" }, "Skipped"), el("th", {}, "Created"), el("th", { className: "hide-narrow" }, "Took"))),
      rows)),
    pager(page, PAGE_SIZE, data.syncLogs.total, (p) => {
      const next = new URLSearchParams(params);
      next.set("page", String(p));
      location.hash = hashWith("#/runs", next);
    }),
  );
  return () => stops.forEach((s) => s());
}

// ---- one run ----------------------------------------------------------------------------------------

function funnel(run) {
  const max = Math.max(1, ...STAGE_NAMES.map((n) => run.stages[n].in));
  return el("ol", { className: "funnel", "aria-label": "Stages" }, STAGE_NAMES.map((name) => {
    const s = run.stages[name];
    const outBar = el("span", { className: "bar" });
    outBar.style.width = `${(100 * s.out) / max}%`;
    const failBar = el("span", { className: "bar failed" });
    failBar.style.width = `${(100 * s.failed) / max}%`;
    return el("li", {},
      el("span", { className: "stage-name" }, name),
      el("span", { className: "bar-track" }, outBar, failBar),
      el("span", { className: "stage-figures" }, `${s.in} in · ${s.out} out · `, el("span", { className: s.failed ? "error" : "" }, `${s.failed} failed`), ` · ${Math.round(s.ms)} ms`));
  }));
}

function runSummary(run, name) {
  return el("div", { className: "run-summary" },
    el("dl", { className: "facts" },
      el("dt", {}, "Status"), el("dd", { id: "run-status" }, badge(run.status)),
      el("dt", {}, "Instance"), el("dd", {}, name),
      el("dt", {}, "Trigger"), el("dd", {}, `${lower(run.trigger)}${run.attempt > 1 ? ` (attempt ${run.attempt})` : ""}${run.overlap ? ` · ${run.overlap}` : ""}`),
      el("dt", {}, "Records"), el("dd", {}, `${run.counts.total} in all: ${run.counts.success} loaded, ${run.counts.failed} failed, ${run.counts.skipped} skipped`),
      el("dt", {}, "Created"), el("dd", {}, when(run.createdAt)),
      el("dt", {}, "Started"), el("dd", {}, when(run.startedAt)),
      el("dt", {}, "Finished"), el("dd", {}, when(run.finishedAt)),
      el("dt", {}, "Took"), el("dd", {}, run.startedAt ? duration(run.startedAt, run.finishedAt) : "not started"),
      el("dt", {}, "Correlation id"), el("dd", {}, el("code", {}, run.correlationId))),
    run.error ? el("p", { className: "notice error" }, text(run.error)) : null,
    el("h2", {}, "Stages"),
    funnel(run));
}

async function errorsTable(node, runId, page) {
  const data = await gql(`query($id: ID!, $page: Int!) { syncLogErrors(syncLogId: $id, page: $page, pageSize: ${PAGE_SIZE}) {
    total items { id entityKey stage code message deadLetterId createdAt } } }`, { id: runId, page });
  const page_ = data.syncLogErrors;
  if (!page_.total) return fill(node, el("p", { className: "muted" }, "No entity errors: every record that reached a stage passed it."));
  fill(node,
    el("div", { className: "table-wrap" }, el("table", {},
      el("thead", {}, el("tr", {}, ...["Entity", "Stage", "Code", "Message", "Dead letter"].map((h) => el("th", {}, h)))),
      el("tbody", {}, page_.items.map((e) => el("tr", {},
        el("td", {}, el("code", {}, text(e.entityKey))), el("td", {}, lower(e.stage)), el("td", {}, text(e.code)),
        el("td", { className: "wrap" }, text(e.message)),
        el("td", {}, e.deadLetterId ? link(`#/dlq/${encodeURIComponent(e.deadLetterId)}`, "Open dead letter") : "—")))))),
    pager(page, PAGE_SIZE, page_.total, (p) => errorsTable(node, runId, p)));
}

export async function renderRun(view, parts) {
  const id = parts[1];
  const data = await gql(`query($id: ID!) { syncLog(id: $id) { ${RUN_FIELDS} } }`, { id });
  const run = data.syncLog;
  if (!run) return fill(view, el("p", { className: "notice error" }, "No such run in your tenant. "), link("#/runs", "Back to runs"));
  const name = await lookups.instanceName(run.instanceId);
  const summary = el("div", { id: "run-summary" }, runSummary(run, name));
  const errors = el("div", { id: "run-errors" }, el("p", { className: "muted" }, "Loading…"));
  fill(view,
    el("p", { className: "crumbs" }, link("#/runs", "← Runs")),
    el("div", { className: "view-head" }, el("h1", {}, `Run of ${name}`)),
    summary, el("h2", {}, "Entity errors"), errors);
  await errorsTable(errors, run.id, 1);
  if (isTerminal(run.status)) return null;
  return watchRun(run.correlationId, (live) => {
    fill(summary, runSummary(live, name));
    if (isTerminal(live.status)) errorsTable(errors, live.id, 1);
  });
}

// Dead letters: filters, paging, a detail panel (payload, edit-and-replay, discard) that re-reads the
// message after every action, and bulk replay/discard by selection or by filter, confirmed with a count.
import { badge, button, el, emptyRow, fill, input, json, link, lower, notice, pager, plural, select, text, toIso, when } from "./dom.js";
import { errs, gql, isTerminal, mutate, watchRun } from "./gql.js";
import * as lookups from "./lookups.js";
import { confirmAction, openPanel, toast } from "./ui.js";

const PAGE_SIZE = 20;
const LIST_FIELDS = "id instanceId syncLogId status stage entityKey error { code message } attempts createdAt";
let stopWatch = null;

// The list's filter as a DeadLetterFilter: only the fields set (the API wants absent, not null).
function filterOf(f) {
  const all = { instanceId: f.instance.value, stage: f.stage.value, code: f.code.value.trim(), from: toIso(f.from.value), to: toIso(f.to.value) };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v));
}

export async function render(view, parts, params) {
  const instances = await lookups.instances();
  const names = new Map(instances.map((i) => [i.id, i.name]));
  const state = { page: 1, selected: new Set(), total: 0, pendingTotal: 0 };
  const f = {
    status: select([["", "Any status"], ...lookups.DLQ_STATUSES.map((s) => [s, lower(s)])], params.has("status") ? params.get("status") : "PENDING", { id: "d-status" }),
    instance: select([["", "All instances"], ...instances.map((i) => [i.id, i.name])], params.get("instance") || "", { id: "d-instance" }),
    stage: select([["", "Any stage"], ...lookups.STAGES.map((s) => [s, lower(s)])], params.get("stage") || "", { id: "d-stage" }),
    code: input({ id: "d-code", value: params.get("code") || "", placeholder: "e.g. SCHEMA" }),
    from: input({ type: "datetime-local", id: "d-from" }),
    to: input({ type: "datetime-local", id: "d-to" }),
  };
  const count = el("span", { id: "dlq-count", className: "count" }, "\u00a0");
  const rows = el("tbody", { id: "dlq-body" });
  const paging = el("div", { className: "pager-slot" });
  const selectAll = el("input", { type: "checkbox", id: "dlq-select-all", "aria-label": "Select every message on this page" });
  const bulkNote = el("span", { className: "muted", id: "bulk-note" });
  const bulk = {
    replaySel: button("Replay selected", () => bulkAction("replay", true), { id: "bulk-replay-selected" }),
    discardSel: button("Discard selected", () => bulkAction("discard", true), { id: "bulk-discard-selected", className: "danger" }),
    replayAll: button("Replay all matching", () => bulkAction("replay", false), { id: "bulk-replay-all" }),
    discardAll: button("Discard all matching", () => bulkAction("discard", false), { id: "bulk-discard-all", className: "danger" }),
  };

  function syncBulk() {
    const n = state.selected.size;
    bulk.replaySel.disabled = bulk.discardSel.disabled = n === 0;
    bulk.replaySel.textContent = `Replay selected (${n})`;
    bulk.discardSel.textContent = `Discard selected (${n})`;
    bulk.replayAll.disabled = bulk.discardAll.disabled = state.pendingTotal === 0;
    bulk.replayAll.textContent = `Replay all ${state.pendingTotal} pending matching`;
    bulk.discardAll.textContent = `Discard all ${state.pendingTotal} pending matching`;
  }

  async function loadList() {
    const filter = filterOf(f);
    const data = await gql(`query($page: Int!, $size: Int!, $status: DeadLetterStatus, $i: ID, $stage: PipelineStage, $code: String, $from: DateTime, $to: DateTime) {
      list: deadLetters(page: $page, pageSize: $size, status: $status, instanceId: $i, stage: $stage, code: $code, from: $from, to: $to) { total items { ${LIST_FIELDS} } }
      pending: deadLetters(pageSize: 1, status: PENDING, instanceId: $i, stage: $stage, code: $code, from: $from, to: $to) { total } }`,
    { page: state.page, size: PAGE_SIZE, status: f.status.value || null, i: filter.instanceId || null, stage: filter.stage || null,
      code: filter.code || null, from: filter.from || null, to: filter.to || null });
    state.total = data.list.total;
    state.pendingTotal = data.pending.total;
    count.textContent = `${plural(data.pending.total, "pending message")}${f.status.value === "PENDING" ? "" : ` · ${data.list.total} shown by the filter`}`;
    const visible = new Set(data.list.items.map((m) => m.id));
    for (const id of [...state.selected]) if (!visible.has(id)) state.selected.delete(id);
    fill(rows, data.list.items.map((m) => messageRow(m, names, state, syncBulk, (id) => showMessage(id, refresh))));
    if (!data.list.items.length) {
      rows.append(emptyRow(8, f.status.value === "PENDING" && !filter.instanceId && !filter.stage && !filter.code
        ? "No pending dead letters: nothing needs repair. Records that fail a stage land here for you to fix and replay."
        : "No messages match these filters."));
    }
    selectAll.checked = data.list.items.length > 0 && data.list.items.every((m) => state.selected.has(m.id));
    fill(paging, pager(state.page, PAGE_SIZE, data.list.total, (p) => { state.page = p; loadList(); }));
    syncBulk();
  }
  const refresh = () => loadList();

  async function bulkAction(verb, bySelection) {
    const n = bySelection ? state.selected.size : state.pendingTotal;
    const what = plural(n, "pending dead letter");
    const question = verb === "discard"
      ? `Discard ${what}? They will not be replayed; this cannot be undone.`
      : `Replay ${what} with the current mapping? Each active instance gets one replay run.`;
    if (!(await confirmAction(question, verb === "discard" ? `Discard ${n}` : `Replay ${n}`))) return;
    const field = verb === "discard" ? "discardDeadLetters" : "replayDeadLetters";
    const args = bySelection ? { ids: [...state.selected], filter: null } : { ids: null, filter: filterOf(f) };
    try {
      const result = await mutate(`mutation($ids: [ID!], $filter: DeadLetterFilter) { r: ${field}(ids: $ids, filter: $filter) { ${errs("V")} ... on BulkDeadLetterPayload { count } } }`, args, "r");
      notice(bulkNote, `${verb === "discard" ? "Discarded" : "Queued for replay"}: ${plural(result.count, "message")}.`, "ok");
      toast(`${verb === "discard" ? "Discarded" : "Replaying"} ${plural(result.count, "message")}.`);
      state.selected.clear();
    } catch (err) {
      notice(bulkNote, [err.message, ...(err.fieldErrors || []).map((e) => `${e.pointer}: ${e.message}`)].join(" · "), "error");
    }
    await loadList();
  }

  selectAll.addEventListener("change", () => {
    for (const box of rows.querySelectorAll("input[type=checkbox]")) {
      box.checked = selectAll.checked;
      if (selectAll.checked) state.selected.add(box.dataset.id);
      else state.selected.delete(box.dataset.id);
    }
    syncBulk();
  });

  const apply = (event) => { event.preventDefault(); state.page = 1; state.selected.clear(); loadList(); };
  fill(view,
    el("div", { className: "view-head" }, el("h1", {}, "Dead letters"), count),
    el("form", { className: "filters", onsubmit: apply },
      el("label", {}, "Status", f.status), el("label", {}, "Instance", f.instance), el("label", {}, "Stage", f.stage),
      el("label", {}, "Code", f.code), el("label", {}, "From", f.from), el("label", {}, "To", f.to),
      el("button", { type: "submit" }, "Apply")),
    el("div", { className: "bulk", role: "group", "aria-label": "Bulk actions" }, bulk.replaySel, bulk.discardSel, bulk.replayAll, bulk.discardAll, bulkNote),
    el("div", { className: "table-wrap" }, el("table", { className: "dlq stack-narrow" },
      el("thead", {}, el("tr", {}, el("th", { className: "check" }, selectAll), el("th", {}, "Status"), el("th", {}, "Instance"),
        el("th", {}, "Stage"), el("th", {}, "Error"), el("th", { className: "hide-narrow hide-with-panel" }, "Entity"), el("th", { className: "num hide-narrow hide-with-panel" }, "Attempts"),
        el("th", { className: "hide-narrow hide-with-panel" }, "Created"))),
      rows)),
    paging);
  await loadList();
  if (parts[1]) showMessage(parts[1], refresh);
  return () => { if (stopWatch) stopWatch(); stopWatch = null; };
}

function messageRow(m, names, state, syncBulk, open) {
  const box = el("input", { type: "checkbox", dataset: { id: m.id }, "aria-label": `Select message ${text(m.entityKey)}`, disabled: m.status !== "PENDING" });
  box.checked = state.selected.has(m.id);
  box.addEventListener("change", () => {
    if (box.checked) state.selected.add(m.id);
    else state.selected.delete(m.id);
    syncBulk();
  });
  const opener = el("button", { type: "button", className: "linklike", onclick: () => open(m.id) }, `${text(m.error.code)}: ${text(m.error.message)}`);
  return el("tr", { dataset: { id: m.id }, className: "clickable", onclick: (e) => { if (e.target === e.currentTarget || e.target.tagName === "TD") open(m.id); } },
    el("td", { className: "check" }, box), el("td", {}, badge(m.status)),
    el("td", {}, names.get(m.instanceId) || "deleted instance"), el("td", {}, lower(m.stage)),
    el("td", { className: "wrap" }, opener), el("td", { className: "hide-narrow hide-with-panel" }, el("code", {}, text(m.entityKey))),
    el("td", { className: "num hide-narrow hide-with-panel" }, text(m.attempts)), el("td", { className: "hide-narrow hide-with-panel" }, when(m.createdAt)));
}

// ---- one message, in the side panel -------------------------------------------------------------------

async function showMessage(id, refreshList) {
  for (const row of document.querySelectorAll("#dlq-body tr")) row.classList.toggle("selected", row.dataset.id === id);
  const body = openPanel("Dead letter", { wide: true, closed: () => { if (stopWatch) stopWatch(); stopWatch = null; } });
  const feedback = el("p", { className: "notice", role: "status", id: "dlq-feedback" });
  const content = el("div");
  body.append(feedback, content);
  await renderMessage(id, content, feedback, refreshList);
}

async function renderMessage(id, content, feedback, refreshList) {
  const data = await gql(`query($id: ID!) { deadLetter(id: $id) { ${LIST_FIELDS} resolvedBySyncLogId payload mappedPayload history updatedAt instance { name } } }`, { id });
  const m = data.deadLetter;
  if (!m) return fill(content, el("p", { className: "notice error" }, "No such message in your tenant."));
  const pending = m.status === "PENDING";
  const original = m.payload === null ? "" : json(m.payload);
  const editor = el("textarea", { id: "dlq-payload", spellcheck: false, value: original, readOnly: !pending, rows: 14, "aria-label": "Source record" });
  const again = () => { refreshList(); renderMessage(id, content, feedback, refreshList); };

  async function replay() {
    let payload = null;
    if (editor.value !== original) {
      try {
        payload = JSON.parse(editor.value);
      } catch (err) {
        return notice(feedback, `The payload is not valid JSON: ${err.message}`, "error");
      }
      if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return notice(feedback, "The payload must be a JSON object.", "error");
    }
    try {
      const r = await mutate(`mutation($id: ID!, $p: JSON) { r: replayDeadLetter(id: $id, payload: $p) { ${errs("VC")} ... on SyncStartedPayload { correlationId syncLog { id } } } }`, { id, p: payload }, "r");
      notice(feedback, payload ? "Replay of the edited record started." : "Replay started.", "ok");
      if (stopWatch) stopWatch();
      stopWatch = watchRun(r.correlationId, (run) => {
        if (!isTerminal(run.status)) return;
        notice(feedback, `The replay run ended ${lower(run.status)}.`, run.status === "SUCCEEDED" ? "ok" : "error");
        again();
      });
    } catch (err) {
      notice(feedback, err.message, "error");
    }
    again();
  }

  async function discard() {
    if (!(await confirmAction("Discard this dead letter? It will not be replayed; this cannot be undone.", "Discard"))) return;
    try {
      await mutate(`mutation($id: ID!) { r: discardDeadLetter(id: $id) { ${errs("C")} ... on DeadLetterPayload { deadLetter { id status } } } }`, { id }, "r");
      notice(feedback, "Discarded.", "ok");
    } catch (err) {
      notice(feedback, err.message, "error");
    }
    again();
  }

  fill(content,
    el("dl", { className: "facts" },
      el("dt", {}, "Status"), el("dd", { id: "dlq-detail-status" }, badge(m.status)),
      el("dt", {}, "Instance"), el("dd", {}, m.instance ? text(m.instance.name) : "deleted instance"),
      el("dt", {}, "Stage"), el("dd", {}, lower(m.stage)),
      el("dt", {}, "Error"), el("dd", { className: "wrap" }, el("code", {}, text(m.error.code)), " ", text(m.error.message)),
      el("dt", {}, "Entity"), el("dd", {}, el("code", {}, text(m.entityKey))),
      el("dt", {}, "Attempts"), el("dd", {}, text(m.attempts)),
      el("dt", {}, "Run"), el("dd", {}, link(`#/runs/${encodeURIComponent(m.syncLogId)}`, "the run that failed it")),
      m.resolvedBySyncLogId ? el("dt", {}, "Resolved by") : null,
      m.resolvedBySyncLogId ? el("dd", {}, link(`#/runs/${encodeURIComponent(m.resolvedBySyncLogId)}`, "the replay run")) : null),
    el("h3", {}, pending ? "Source record (edit it to replay a corrected record)" : "Source record"),
    m.payload === null ? el("p", { className: "muted" }, "This legacy message kept only the mapped record: it cannot be replayed.") : editor,
    pending ? el("div", { className: "actions" },
      button("Replay", replay, { id: "dlq-replay", disabled: m.payload === null }),
      button("Reset edits", () => { editor.value = original; }, {}),
      button("Discard…", discard, { id: "dlq-discard", className: "danger" })) :
      el("p", { className: "muted" }, m.status === "REPLAYING" ? "A replay is running; this panel updates when it ends." : `This message is ${lower(m.status)}; nothing more to do.`),
    m.mappedPayload ? el("details", {}, el("summary", {}, "Mapped record (as the failing stage saw it)"), el("pre", {}, json(m.mappedPayload))) : null,
    el("h3", {}, "History"),
    m.history.length ? el("ul", { className: "history" }, m.history.map((h) => el("li", {}, `${when(h.at)} · ${text(h.trigger || h.action || "")} ${text(h.outcome || "")}`,
      h.code ? el("span", { className: "muted" }, ` · ${text(h.code)}: ${text(h.message)}`) : null))) : el("p", { className: "muted" }, "No replays or edits yet."));
}

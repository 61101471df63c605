// EZY Integrations console: vanilla JS over /api/v1. All API text goes into the page as text nodes
// (textContent / append of strings), never as markup. The key lives in sessionStorage only.
"use strict";

(() => {
  const KEY_STORAGE = "ezy.console.apiKey";
  const POLL_MS = 3000;
  // The page may sit behind a path prefix: the API is found relative to this script's own URL.
  const API = new URL("../../api/v1", document.currentScript.src).pathname;
  const ACTIVE_RUN = new Set(["queued", "running"]);

  const $ = (id) => document.getElementById(id);
  let apiKey = sessionStorage.getItem(KEY_STORAGE) || "";
  let instanceNames = new Map();
  let pollTimer = null;
  let selectedRun = null;
  let selectedMessage = null;

  // el("td", {className: "num"}, "text", childNode): strings become text nodes.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node[name] = value;
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }
  // replaceChildren without the null placeholders of optional parts.
  const fill = (node, ...children) => node.replaceChildren(...children.filter((c) => c !== null && c !== undefined));
  const heads = (...names) => el("thead", {}, el("tr", {}, ...names.map((h, i) => el("th", { className: i ? "num" : "" }, h))));
  const text = (value) => (value === null || value === undefined ? "" : String(value));
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");
  const badge = (status) => el("span", { className: `badge ${text(status).replace(/[^a-z]/g, "")}` }, text(status));

  function setStatus(message, isError = false) {
    $("status").textContent = message;
    $("status").className = isError ? "error" : "";
  }

  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    if (!apiKey) throw new ApiError(401, "no API key");
    const init = { method, headers: { Authorization: `ApiKey ${apiKey}`, Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(API + path, init);
    const data = await response.json().catch(() => null);
    if (response.status === 401) {
      keyRefused();
      throw new ApiError(401, "key refused");
    }
    if (!response.ok) {
      const detail = data && data.detail ? data.detail : `${response.status} ${response.statusText}`;
      throw new ApiError(response.status, detail);
    }
    return data;
  }

  // ---- key handling -------------------------------------------------------------------------------

  function keyRefused() {
    stopPolling();
    apiKey = "";
    sessionStorage.removeItem(KEY_STORAGE);
    $("app").hidden = true;
    setStatus("key refused", true);
  }

  function forgetKey() {
    stopPolling();
    apiKey = "";
    sessionStorage.removeItem(KEY_STORAGE);
    $("key-input").value = "";
    $("app").hidden = true;
    setStatus("Key forgotten. Enter an API key to start.");
  }

  async function connect() {
    setStatus("Connecting…");
    try {
      await loadInstances();
    } catch (err) {
      if (err.status !== 401) setStatus(`Could not load instances: ${err.message}`, true);
      return;
    }
    $("app").hidden = false;
    setStatus("Connected.");
    await Promise.all([loadRuns(), loadDlq()]);
  }

  // ---- instances ----------------------------------------------------------------------------------

  async function loadInstances() {
    const data = await api("GET", "/instances?pageSize=200");
    instanceNames = new Map(data.items.map((i) => [i.id, i.name]));
    const list = $("instances");
    list.replaceChildren();
    if (!data.items.length) list.append(el("li", { className: "muted" }, "No instances."));
    for (const instance of data.items) {
      const note = el("span", { className: "muted" });
      const button = el("button", { type: "button", onclick: () => runNow(instance, note) }, "Run now");
      list.append(
        el("li", {}, badge(instance.status), el("strong", {}, text(instance.name)),
          instance.status === "active" ? button : null, note),
      );
    }
  }

  async function runNow(instance, note) {
    note.textContent = "starting…";
    note.className = "muted";
    try {
      const result = await api("POST", "/sync-events", { instanceId: instance.id });
      note.textContent = `run ${text(result.status)}`;
      note.className = "ok";
      await loadRuns();
    } catch (err) {
      note.textContent = err.message;
      note.className = "error";
    }
  }

  // ---- runs ---------------------------------------------------------------------------------------

  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = null;
  }

  async function loadRuns() {
    stopPolling();
    let data;
    try {
      data = await api("GET", "/sync-logs?page=1&pageSize=20");
    } catch (err) {
      if (err.status !== 401) $("runs-note").textContent = `error: ${err.message}`;
      return;
    }
    const body = $("runs");
    body.replaceChildren();
    if (!data.items.length) body.append(el("tr", {}, el("td", { colSpan: 9, className: "muted" }, "No runs yet.")));
    for (const run of data.items) {
      const counts = run.counts || {};
      const row = el(
        "tr",
        { className: run.id === selectedRun ? "clickable selected" : "clickable", onclick: () => showRun(run.id) },
        el("td", {}, badge(run.status)),
        el("td", {}, text(run.trigger)),
        el("td", {}, text(instanceNames.get(run.instanceId) || run.instanceId)),
        el("td", { className: "num" }, text(counts.total)),
        el("td", { className: "num" }, text(counts.success)),
        el("td", { className: "num" }, text(counts.failed)),
        el("td", { className: "num" }, text(counts.skipped)),
        el("td", {}, when(run.startedAt)),
        el("td", {}, when(run.finishedAt)),
      );
      row.dataset.id = run.id;
      body.append(row);
    }
    const busy = data.items.some((run) => ACTIVE_RUN.has(run.status));
    $("runs-note").textContent = `${data.total} in all${busy ? " · refreshing every 3 s" : ""}`;
    if (busy) {
      pollTimer = setTimeout(() => {
        loadRuns();
        if (selectedRun) showRun(selectedRun);
      }, POLL_MS);
    }
  }

  async function showRun(id) {
    selectedRun = id;
    const panel = $("run-detail");
    panel.hidden = false;
    for (const row of $("runs").children) row.classList.toggle("selected", row.dataset.id === id);
    let run;
    let errors;
    try {
      [run, errors] = await Promise.all([
        api("GET", `/sync-logs/${encodeURIComponent(id)}`),
        api("GET", `/sync-logs/${encodeURIComponent(id)}/errors?page=1&pageSize=50`),
      ]);
    } catch (err) {
      panel.replaceChildren(el("p", { className: "error" }, err.message));
      return;
    }
    const stages = el("tbody");
    for (const [name, s] of Object.entries(run.stages || {})) {
      stages.append(
        el("tr", {}, el("td", {}, name), el("td", { className: "num" }, text(s.in)),
          el("td", { className: "num" }, text(s.out)), el("td", { className: "num" }, text(s.failed)),
          el("td", { className: "num" }, text(s.ms))),
      );
    }
    const errorRows = el("tbody");
    for (const e of errors.items) {
      errorRows.append(
        el("tr", {}, el("td", {}, text(e.entityKey)), el("td", {}, text(e.stage)), el("td", {}, text(e.code)),
          el("td", {}, text(e.message))),
      );
    }
    fill(
      panel,
      el("h3", {}, "Run ", el("code", {}, text(run.id)), " ", badge(run.status)),
      el("p", { className: "muted" }, `correlation ${text(run.correlationId)}`),
      run.error ? el("p", { className: "error" }, text(run.error)) : null,
      el("h3", {}, "Stages"),
      el("table", {}, heads("Stage", "In", "Out", "Failed", "ms"), stages),
      el("h3", {}, `Entity errors (${errors.items.length} of ${errors.total})`),
      errors.items.length
        ? el("table", {}, el("thead", {}, el("tr", {}, ...["Entity key", "Stage", "Code", "Message"].map((h) => el("th", {}, h)))), errorRows)
        : el("p", { className: "muted" }, "None."),
    );
  }

  // ---- dead letter queue --------------------------------------------------------------------------

  async function loadDlq() {
    let data;
    try {
      data = await api("GET", "/dlq?status=pending&page=1&pageSize=20");
    } catch (err) {
      if (err.status !== 401) $("dlq-note").textContent = `error: ${err.message}`;
      return;
    }
    const body = $("dlq");
    body.replaceChildren();
    if (!data.items.length) body.append(el("tr", {}, el("td", { colSpan: 6, className: "muted" }, "No pending messages.")));
    for (const m of data.items) {
      const error = m.error || {};
      const row = el(
        "tr",
        { className: m.id === selectedMessage ? "clickable selected" : "clickable", onclick: () => showMessage(m.id) },
        el("td", {}, text(m.stage)),
        el("td", {}, text(error.code)),
        el("td", {}, text(error.message)),
        el("td", {}, text(m.entityKey)),
        el("td", { className: "num" }, text(m.attempts)),
        el("td", {}, when(m.createdAt)),
      );
      row.dataset.id = m.id;
      body.append(row);
    }
    $("dlq-note").textContent = `${data.total} pending`;
  }

  async function showMessage(id) {
    selectedMessage = id;
    for (const row of $("dlq").children) row.classList.toggle("selected", row.dataset.id === id);
    const panel = $("dlq-detail");
    panel.hidden = false;
    let m;
    try {
      m = await api("GET", `/dlq/${encodeURIComponent(id)}`);
    } catch (err) {
      panel.replaceChildren(el("p", { className: "error" }, err.message));
      return;
    }
    const original = JSON.stringify(m.payload, null, 2);
    const editor = el("textarea", { spellcheck: false, value: original });
    const feedback = el("p", { role: "status" });
    const say = (message, cls) => {
      feedback.textContent = message;
      feedback.className = cls;
    };

    async function act(path, body, done) {
      try {
        await api("POST", path, body);
        say(done, "ok");
        selectedMessage = null;
        await Promise.all([loadDlq(), loadRuns()]);
      } catch (err) {
        say(err.message, "error");
      }
    }

    function replay() {
      const edited = editor.value;
      if (edited === original) return act(`/dlq/${encodeURIComponent(id)}/replay`, undefined, "Replay queued.");
      let payload;
      try {
        payload = JSON.parse(edited);
      } catch (err) {
        return say(`Invalid JSON: ${err.message}`, "error");
      }
      if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
        return say("The payload must be a JSON object.", "error");
      }
      return act(`/dlq/${encodeURIComponent(id)}/replay`, { payload }, "Replay of the edited payload queued.");
    }

    const history = el("tbody");
    for (const h of m.history || []) {
      history.append(
        el("tr", {}, el("td", {}, when(h.at)), el("td", {}, text(h.trigger)), el("td", {}, text(h.outcome)),
          el("td", {}, text(h.stage)), el("td", {}, text(h.code)), el("td", {}, text(h.message))),
      );
    }
    const error = m.error || {};
    fill(
      panel,
      el("h3", {}, "Message ", el("code", {}, text(m.id)), " ", badge(m.status)),
      el("p", {}, `entity ${text(m.entityKey)} · stage ${text(m.stage)} · ${text(error.code)}: ${text(error.message)}`),
      el("h3", {}, "Payload (edit to replay a corrected record)"),
      editor,
      el("p", {},
        el("button", { type: "button", onclick: replay }, "Replay"), " ",
        el("button", { type: "button", onclick: () => act(`/dlq/${encodeURIComponent(id)}/discard`, undefined, "Discarded.") }, "Discard"),
      ),
      feedback,
      el("h3", {}, "History"),
      el("table", {}, el("thead", {}, el("tr", {}, ...["At", "Trigger", "Outcome", "Stage", "Code", "Message"].map((h) => el("th", {}, h)))), history),
    );
  }

  // ---- wiring -------------------------------------------------------------------------------------

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("key-input").value.trim();
    if (!value) return setStatus("Enter an API key.", true);
    apiKey = value;
    sessionStorage.setItem(KEY_STORAGE, apiKey);
    $("key-input").value = "";
    connect();
  });
  $("forget-key").addEventListener("click", forgetKey);
  $("refresh-runs").addEventListener("click", () => loadRuns());
  $("refresh-dlq").addEventListener("click", () => loadDlq());
  if (apiKey) connect();
})();

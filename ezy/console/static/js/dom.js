// DOM helpers: every API string reaches the page as a text node (append of strings), never as markup.

export const $ = (id) => document.getElementById(id);

// el("td", {className: "num"}, "text", childNode): props starting with "on" are listeners; null children skipped.
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.includes("-") || name === "role" || name === "list") node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

export const fill = (node, ...children) => node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
export const text = (value) => (value === null || value === undefined ? "" : String(value));
export const lower = (value) => text(value).toLowerCase();
export const when = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
export const json = (value) => JSON.stringify(value, null, 2);
export const plural = (n, one, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

export function badge(status) {
  const value = lower(status);
  return el("span", { className: `badge ${value.replace(/[^a-z]/g, "")}` }, value);
}

export function duration(startIso, endIso) {
  if (!startIso) return "—";
  const ms = (endIso ? new Date(endIso) : new Date()) - new Date(startIso);
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

export function button(label, onclick, extra = {}) {
  return el("button", { type: "button", onclick, ...extra }, label);
}

export function link(href, label, extra = {}) {
  return el("a", { href, ...extra }, label);
}

// A labelled form field; `pointer` ties API field errors (JSON Pointers) to it.
export function field(label, input, { pointer, hint } = {}) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  if (pointer) input.dataset.pointer = pointer;
  const error = el("span", { className: "field-error", role: "alert" });
  if (pointer) error.dataset.errorFor = pointer;
  return el("div", { className: "field" }, el("label", { htmlFor: id }, label), input,
    hint ? el("small", { className: "muted" }, hint) : null, error);
}

export function input(props = {}) {
  return el("input", { type: "text", autocomplete: "off", spellcheck: false, ...props });
}

export function select(options, value, props = {}) {
  const node = el("select", props, ...options.map(([v, label]) => el("option", { value: v }, label)));
  node.value = value ?? "";
  return node;
}

// Shows a list of {pointer, message} at the fields carrying data-pointer; the rest in `general`.
export function showFieldErrors(form, errors, general) {
  for (const node of form.querySelectorAll("[data-error-for]")) node.textContent = "";
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  const rest = [];
  for (const e of errors || []) {
    const holder = [...form.querySelectorAll("[data-error-for]")].find((n) => n.dataset.errorFor === e.pointer || e.pointer.startsWith(`${n.dataset.errorFor}/`));
    if (holder) {
      holder.textContent = holder.textContent ? `${holder.textContent}; ${e.message}` : e.message;
      const target = [...form.querySelectorAll("[data-pointer]")].find((n) => n.dataset.pointer === holder.dataset.errorFor);
      if (target) target.setAttribute("aria-invalid", "true");
    } else rest.push(e);
  }
  if (general) fill(general, rest.length ? el("ul", { className: "errors" }, rest.map((e) => el("li", {}, el("code", {}, e.pointer || "/"), " ", e.message))) : null);
}

// A status line that says what happened, in words.
export function notice(node, message, kind = "") {
  node.textContent = message;
  node.classList.remove("ok", "error", "muted");
  node.classList.add("notice");
  if (kind) node.classList.add(kind);
}

export function emptyRow(columns, ...content) {
  return el("tr", { className: "empty" }, el("td", { colSpan: columns }, ...content));
}

// Paging: "Page 2 of 7 · 136 in all", with Previous / Next buttons.
export function pager(page, pageSize, total, go) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return el("nav", { className: "pager", "aria-label": "Pages" },
    button("← Previous", () => go(page - 1), { disabled: page <= 1 }),
    el("span", {}, `Page ${page} of ${pages} · ${total.toLocaleString()} in all`),
    button("Next →", () => go(page + 1), { disabled: page >= pages }),
  );
}

export const toIso = (localValue) => (localValue ? new Date(localValue).toISOString() : null);

// Renders the current route again (the router listens to hashchange).
export const reload = () => window.dispatchEvent(new HashChangeEvent("hashchange"));

// Mapping configurations: a JSON editor whose errors point where they are, and a live preview over
// pasted or sampled records showing each stage (normalize, transform, validate) and how each field is
// computed.
import { button, el, emptyRow, field, fill, input, json, link, lower, notice, text, when } from "./dom.js";
import { errs, gql, mutate } from "./gql.js";
import * as lookups from "./lookups.js";
import { confirmAction, toast } from "./ui.js";
import { strip } from "./profiles.js";
import { sampler } from "./sampling.js";

export const TEMPLATE = {
  version: 1,
  extract: { resource: "products", incremental: { cursorField: "updated_at" }, batchSize: 50 },
  normalize: { trimStrings: true, emptyAsNull: true },
  transform: { key: "$string(id)", fields: { externalId: "$string(id)", title: "title", price: "$number(variants[0].price)" } },
  validate: { required: ["externalId"], schema: { type: "object", properties: { price: { maximum: 100 } } } },
  load: { resource: "items", keys: ["externalId"], batchSize: 50 },
};
const SAMPLE_RECORDS = [
  { id: 1, title: "  Classic Mug ", variants: [{ price: "12.50" }] },
  { id: 2, title: "Premium Lamp", variants: [{ price: "250.00" }] },
];

export async function render(body, rest) {
  if (rest[0]) return renderEditor(body, rest[0] === "new" ? null : rest[0]);
  const data = await gql("{ mappingConfigurations(pageSize: 200) { total items { id name version updatedAt } } }");
  const rows = el("tbody", { id: "mappings-body" }, data.mappingConfigurations.items.map((m) => el("tr", {},
    el("td", {}, link(`#/config/mappings/${encodeURIComponent(m.id)}`, text(m.name))), el("td", { className: "num" }, text(m.version)),
    el("td", {}, when(m.updatedAt)))));
  if (!data.mappingConfigurations.total) rows.append(emptyRow(3, "No mappings yet. A mapping says which resource to read, how to reshape each record and what a valid record is. ", link("#/config/mappings/new", "Write the first one")));
  fill(body,
    el("div", { className: "toolbar" }, link("#/config/mappings/new", "New mapping", { className: "button primary", id: "new-mapping" })),
    el("div", { className: "table-wrap" }, el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Name"), el("th", { className: "num" }, "Version"), el("th", {}, "Updated"))), rows)));
}

// Selects the text a JSON Pointer names (its last key) in the editor, so the eye lands on it.
function reveal(textarea, pointer) {
  const keys = pointer.split("/").slice(1).map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));
  let at = 0;
  let found = null;
  for (const key of keys) {
    if (/^\d+$/.test(key)) continue;
    const i = textarea.value.indexOf(`"${key}"`, at);
    if (i < 0) break;
    found = [i, i + key.length + 2];
    at = i + 1;
  }
  textarea.focus();
  if (found) textarea.setSelectionRange(found[0], found[1]);
}

function errorList(errors, targets) {
  return el("ul", { className: "errors", id: "mapping-errors" }, errors.map((e) => {
    const pointer = e.pointer || "/";
    const [root, target] = pointer.startsWith("/records") ? ["/records", targets.records] : ["/document", targets.document];
    const local = pointer.startsWith(root) ? pointer.slice(root.length) || "/" : pointer;
    return el("li", {}, button(local, () => reveal(target, local), { className: "linklike pointer" }), " ", text(e.message));
  }));
}

function stageBlock(label, value, stop) {
  if (value !== null) return el("div", { className: "stage" }, el("h4", {}, label), el("pre", {}, json(value)));
  const here = stop && lower(stop.stage) === label;
  return el("div", { className: here ? "stage stopped" : "stage not-reached" }, el("h4", {}, label), el("p", { className: here ? "error" : "muted" }, here ? `failed here (${text(stop.code)})` : "not reached"));
}

function previewResult(r, i) {
  const stop = r.stoppedAt;
  const fields = Object.entries(r.fields || {});
  return el("article", { className: "preview-record" },
    el("h3", {}, `Record ${i + 1} `, stop ? el("span", { className: "badge failed" }, `stopped at ${lower(stop.stage)}`) : el("span", { className: "badge succeeded" }, "would load")),
    stop ? el("p", { className: "notice error" }, el("code", {}, text(stop.code)), " ", text(stop.message)) : null,
    el("div", { className: "stages" }, stageBlock("normalize", r.stages.normalize, stop),
      stageBlock("transform", r.stages.transform, stop), stageBlock("validate", r.stages.validate, stop)),
    fields.length ? el("table", { className: "fields" }, el("thead", {}, el("tr", {}, el("th", {}, "Field"), el("th", {}, "Value"), el("th", {}, "Computed by"))),
      el("tbody", {}, fields.map(([name, f]) => el("tr", {}, el("td", {}, el("code", {}, name)), el("td", {}, el("code", {}, JSON.stringify(f.value))),
        el("td", {}, el("span", { className: `badge ${text(f.compiled)}` }, text(f.compiled))))))) : null);
}

async function renderEditor(body, id) {
  let mapping = null;
  if (id) {
    mapping = (await gql("query($id: ID!) { mappingConfiguration(id: $id) { id name document version } }", { id })).mappingConfiguration;
    if (!mapping) return fill(body, el("p", { className: "notice error" }, "No such mapping in your tenant."), link("#/config/mappings", "Back to mappings"));
  }
  const name = input({ id: "mapping-name", value: mapping ? mapping.name : "", required: true });
  const doc = el("textarea", { id: "mapping-document", className: "code", spellcheck: false, rows: 24, value: json(mapping ? mapping.document : TEMPLATE) });
  const records = el("textarea", { id: "preview-records", className: "code", spellcheck: false, rows: 8, value: json(SAMPLE_RECORDS) });
  const errors = el("div", { className: "error-slot", "aria-live": "polite" });
  const status = el("p", { className: "notice", role: "status", id: "mapping-status" });
  const results = el("div", { id: "preview-results", className: "preview-results", "aria-live": "polite" }, el("p", { className: "muted" }, "The preview runs as you type."));
  const targets = { document: doc, records };

  function parse() {
    const out = {};
    for (const [key, area] of Object.entries(targets)) {
      try { out[key] = JSON.parse(area.value); } catch (err) {
        fill(errors, el("ul", { className: "errors", id: "mapping-errors" }, el("li", {}, `${key === "document" ? "The document" : "The records"} is not valid JSON: ${err.message}`)));
        return null;
      }
    }
    if (!Array.isArray(out.records)) {
      fill(errors, errorList([{ pointer: "/records", message: "paste a JSON array of records" }], targets));
      return null;
    }
    return out;
  }

  let timer = null;
  let seq = 0;
  async function preview() {
    const parsed = parse();
    if (!parsed) return;
    const mine = ++seq;
    try {
      const data = await gql(`query($r: JSON!, $d: JSON) { p: previewMapping(records: $r, document: $d) { ${errs("V")}
        ... on MappingPreview { results { input output fields stoppedAt { stage code message } stages { normalize transform validate } } } } }`, { r: parsed.records, d: parsed.document });
      if (mine !== seq) return; // an older answer arriving late
      const p = data.p;
      if (p.__typename !== "MappingPreview") {
        fill(errors, el("p", { className: "notice error" }, text(p.message)), errorList(p.fieldErrors || [], targets));
        return;
      }
      fill(errors);
      fill(results, p.results.length ? p.results.map(previewResult) : el("p", { className: "muted" }, "Paste at least one record."));
    } catch (err) {
      fill(errors, el("p", { className: "notice error" }, err.message));
    }
  }
  const schedule = () => { clearTimeout(timer); timer = setTimeout(preview, 600); };
  doc.addEventListener("input", schedule);
  records.addEventListener("input", schedule);

  async function save(event) {
    event.preventDefault();
    const parsed = parse();
    if (!parsed) return;
    const input_ = { name: name.value.trim(), document: parsed.document };
    const result = (k) => `{ ${errs(k)} ... on MappingConfigurationPayload { mappingConfiguration { id version } } }`;
    try {
      const r = mapping
        ? await mutate(`mutation($id: ID!, $v: Int!, $i: MappingConfigurationInput!) { r: replaceMappingConfiguration(id: $id, expectedVersion: $v, input: $i) ${result("VCM")} }`, { id: mapping.id, v: mapping.version, i: input_ }, "r")
        : await mutate(`mutation($i: MappingConfigurationInput!) { r: createMappingConfiguration(input: $i) ${result("VC")} }`, { i: input_ }, "r");
      lookups.forget();
      toast(mapping ? "Mapping saved." : "Mapping created.");
      location.hash = "#/config/mappings";
      return r;
    } catch (err) {
      notice(status, err.message, "error");
      const fe = (err.fieldErrors || []).map(strip);
      fill(errors, fe.length ? errorList(fe.map((e) => ({ ...e, pointer: e.pointer.startsWith("/name") ? e.pointer : e.pointer })), targets) : null);
    }
  }

  async function remove() {
    if (!(await confirmAction(`Delete the mapping “${mapping.name}”?`, "Delete"))) return;
    try {
      await mutate(`mutation($id: ID!, $v: Int!) { r: deleteMappingConfiguration(id: $id, expectedVersion: $v) { ${errs("CM")} ... on Deleted { id } } }`, { id: mapping.id, v: mapping.version }, "r");
      lookups.forget();
      location.hash = "#/config/mappings";
    } catch (err) {
      notice(status, err.message, "error");
    }
  }

  fill(body,
    el("p", { className: "crumbs" }, link("#/config/mappings", "← Mappings")),
    el("form", { className: "mapping-editor", onsubmit: save },
      el("div", { className: "editor-col" },
        field("Name", name, { pointer: "/name" }),
        field("Mapping document (JSON)", doc, { hint: "extract → normalize → transform → validate → load; errors below select their place." }),
        errors,
        el("div", { className: "actions" }, el("button", { type: "submit", className: "primary", id: "mapping-save" }, mapping ? "Save changes" : "Create mapping"),
          button("Preview now", preview, { id: "preview-now" }), mapping ? button("Delete…", remove, { className: "danger" }) : null),
        status),
      el("div", { className: "editor-col" },
        sampler(doc, (sampled) => { records.value = json(sampled); clearTimeout(timer); preview(); }),
        field("Records to preview (a JSON array, in the source's shape)", records),
        el("h2", {}, "Preview"), results)));
  preview();
}

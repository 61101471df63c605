// "Sample from source" in the mapping editor: the first records of a resource, read through a connection
// profile (GraphQL sampleRecords), fill the records box so the preview runs over real data.
import { button, el, fill, input, link, notice, select, text } from "./dom.js";
import { errs, gql } from "./gql.js";
import * as lookups from "./lookups.js";

export const MAX_SAMPLE = 50;

// The resource the mapping document reads (`extract.resource`), or "" while the document is not JSON.
function extractResource(documentText) {
  try {
    const resource = JSON.parse(documentText)?.extract?.resource;
    return typeof resource === "string" ? resource : "";
  } catch {
    return "";
  }
}

// The control; `onSampled(records)` puts them where the preview reads them.
export function sampler(documentArea, onSampled) {
  const profile = select([["", "Loading profiles…"]], "", { id: "sample-profile", disabled: true });
  const resource = input({ id: "sample-resource", value: extractResource(documentArea.value), "data-pointer": "/resource" });
  const limit = input({ id: "sample-limit", type: "number", min: 1, max: MAX_SAMPLE, step: 1, value: 10, inputMode: "numeric", "data-pointer": "/limit" });
  const go = button("Sample records", () => sample(), { id: "sample-button", disabled: true });
  const status = el("p", { className: "notice muted", role: "status", id: "sample-status", "aria-live": "polite" });
  const labelled = (label, control) => el("label", { className: "sample-field" }, el("span", {}, label), control);

  // The resource follows the document's extract.resource until the user types their own.
  let ownResource = false;
  resource.addEventListener("input", () => { ownResource = true; });
  documentArea.addEventListener("input", () => {
    const found = extractResource(documentArea.value);
    if (!ownResource && found) resource.value = found;
  });
  // Enter in a field samples; it must not submit (save) the mapping form around it.
  for (const control of [resource, limit]) {
    control.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      if (!go.disabled) sample();
    });
  }

  lookups.profiles().then((items) => {
    if (!items.length) {
      fill(profile, el("option", { value: "" }, "No connection profiles yet"));
      fill(status, "Sampling reads through a connection profile: ", link("#/config/profiles", "create one"), " first.");
      return;
    }
    fill(profile, items.map((p) => el("option", { value: p.id }, `${text(p.name)} (${text(p.kind).toLowerCase()})`)));
    profile.disabled = false;
    go.disabled = false;
  }).catch((err) => notice(status, `The connection profiles could not be listed: ${err.message}`, "error"));

  function mark(errors) {
    for (const control of [resource, limit]) {
      const bad = errors.some((e) => e.pointer === control.dataset.pointer);
      if (bad) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    }
  }

  let busy = false;
  async function sample() {
    if (busy) return;
    const wanted = Number(limit.value);
    const name = resource.value.trim();
    const local = [];
    if (!name) local.push({ pointer: "/resource", message: "Name the resource to read (products, a table, a path)." });
    if (!Number.isInteger(wanted) || wanted < 1 || wanted > MAX_SAMPLE) local.push({ pointer: "/limit", message: `The count is a whole number from 1 to ${MAX_SAMPLE}.` });
    mark(local);
    if (local.length) return notice(status, local.map((e) => e.message).join(" "), "error");
    busy = true;
    go.disabled = true;
    go.textContent = "Sampling…";
    notice(status, `Reading the first ${wanted} records of “${name}”…`, "muted");
    try {
      const data = await gql(`query($p: ID!, $r: String!, $l: Int) { s: sampleRecords(profileId: $p, resource: $r, limit: $l) { ${errs("V")}
        ... on RecordSample { resource records truncated } } }`, { p: profile.value, r: name, l: wanted });
      const s = data.s;
      if (s.__typename !== "RecordSample") {
        mark(s.fieldErrors || []);
        const why = { RemoteError: "The source failed: ", NotFoundError: "", ValidationError: "" }[s.__typename] ?? "";
        return notice(status, `${why}${s.message}`, "error");
      }
      mark([]);
      const source = profile.selectedOptions[0]?.textContent || "the profile";
      if (!s.records.length) return notice(status, `“${s.resource}” has no records in ${source}; the records box is unchanged.`, "error");
      onSampled(s.records);
      const left = s.truncated ? " (more were left out to keep the sample under 1 MiB)" : "";
      notice(status, `Sampled ${s.records.length} record${s.records.length === 1 ? "" : "s"} of “${s.resource}” from ${source}${left}.`, "ok");
    } catch (err) {
      notice(status, `Sampling failed: ${err.message}`, "error");
    } finally {
      busy = false;
      go.disabled = profile.disabled;
      go.textContent = "Sample records";
    }
  }

  return el("fieldset", { className: "sampler", id: "sampler" },
    el("legend", {}, "Sample from source"),
    el("div", { className: "sample-fields" }, labelled("Profile", profile), labelled("Resource", resource), labelled("Count", limit), go),
    status);
}

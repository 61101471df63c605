// Configuration: tabs for connection profiles, mappings, instances, schedules and webhook endpoints.
import { el, fill, link } from "./dom.js";
import * as profiles from "./profiles.js";
import * as mappings from "./mappings.js";
import * as instances from "./instances.js";
import * as schedules from "./schedules.js";
import * as webhooks from "./webhooks.js";

const TABS = [
  ["profiles", "Connection profiles", profiles.render],
  ["mappings", "Mappings", mappings.render],
  ["instances", "Instances", instances.render],
  ["schedules", "Schedules", schedules.render],
  ["webhooks", "Webhook endpoints", webhooks.render],
];

export async function render(view, parts, params) {
  const tab = TABS.find((t) => t[0] === parts[1]) || TABS[0];
  const body = el("div", { className: "tab-body" });
  fill(view,
    el("div", { className: "view-head" }, el("h1", {}, "Configuration")),
    el("nav", { className: "tabs", "aria-label": "Configuration" }, TABS.map(([name, label]) =>
      link(`#/config/${name}`, label, name === tab[0] ? { "aria-current": "page" } : {}))),
    el("p", { className: "muted small" }, "An integration is a source and a target connection profile, a mapping between them, and an instance that runs them; schedules and webhook endpoints start its runs."),
    body);
  return tab[2](body, parts.slice(2), params);
}

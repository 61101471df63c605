// Schedules: cron in a chosen time zone; the next run shown in that zone and in the browser's.
import { badge, button, el, emptyRow, field, fill, input, lower, notice, reload, select, showFieldErrors, text } from "./dom.js";
import { errs, gql, mutate } from "./gql.js";
import * as lookups from "./lookups.js";
import { closePanel, confirmAction, openPanel, toast } from "./ui.js";
import { strip } from "./profiles.js";

const FIELDS = "id instanceId cron timezone enabled overlapPolicy nextRunAt lastRunAt version instance { name }";
const BROWSER_TZ = Intl.DateTimeFormat().resolvedOptions().timeZone;

function inZone(iso, zone) {
  if (!iso) return "—";
  try {
    return new Date(iso).toLocaleString(undefined, { timeZone: zone, dateStyle: "medium", timeStyle: "short" });
  } catch {
    return new Date(iso).toLocaleString();
  }
}

function nextRun(s) {
  if (!s.enabled) return el("span", { className: "muted" }, "disabled");
  if (!s.nextRunAt) return "—";
  const local = inZone(s.nextRunAt, BROWSER_TZ);
  const there = inZone(s.nextRunAt, s.timezone);
  return el("span", {}, `${there} (${s.timezone})`, s.timezone !== BROWSER_TZ ? el("div", { className: "muted small" }, `${local} your time`) : null);
}

export async function render(body) {
  const data = await gql(`{ schedules(pageSize: 200) { total items { ${FIELDS} } } }`);
  const rows = el("tbody", { id: "schedules-body" }, data.schedules.items.map((s) => el("tr", { dataset: { id: s.id } },
    el("td", {}, text(s.instance.name)), el("td", {}, el("code", {}, text(s.cron))),
    el("td", {}, badge(s.enabled ? "enabled" : "disabled")), el("td", { className: "next-run" }, nextRun(s)),
    el("td", { className: "hide-narrow" }, s.lastRunAt ? inZone(s.lastRunAt, BROWSER_TZ) : "never"),
    el("td", { className: "actions" }, button("Edit", () => editSchedule(s))))));
  if (!data.schedules.total) rows.append(emptyRow(6, "No schedules. Add one to run an instance by itself, e.g. every 15 minutes (*/15 * * * *)."));
  fill(body,
    el("div", { className: "toolbar" }, button("New schedule", () => editSchedule(null), { id: "new-schedule", className: "primary" })),
    el("div", { className: "table-wrap" }, el("table", {}, el("thead", {}, el("tr", {},
      el("th", {}, "Instance"), el("th", {}, "Cron"), el("th", {}, "State"), el("th", {}, "Next run"), el("th", { className: "hide-narrow" }, "Last run"), el("th", {}, "Actions"))), rows)));
}

async function editSchedule(schedule) {
  const instances = await lookups.instances();
  const body = openPanel(schedule ? "Edit schedule" : "New schedule");
  if (!instances.length) return body.append(el("p", { className: "notice" }, "A schedule runs an instance: create an instance first."));
  const instance = select(instances.map((i) => [i.id, `${i.name} (${lower(i.status)})`]), schedule ? schedule.instanceId : instances[0].id, { id: "schedule-instance" });
  const cron = input({ id: "schedule-cron", value: schedule ? schedule.cron : "*/15 * * * *", required: true });
  const zones = el("datalist", { id: "zones" }, (Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : [BROWSER_TZ]).map((z) => el("option", { value: z })));
  const tz = input({ id: "schedule-timezone", value: schedule ? schedule.timezone : BROWSER_TZ, list: "zones" });
  const enabled = el("input", { type: "checkbox", id: "schedule-enabled", checked: schedule ? schedule.enabled : true });
  const overlap = select([["SKIP", "skip the due run"], ["QUEUE", "queue it after the running one"]], schedule ? schedule.overlapPolicy : "SKIP", { id: "schedule-overlap" });
  const general = el("div");
  const status = el("p", { className: "notice", role: "status", id: "schedule-status" });
  const form = el("form", { className: "stack", onsubmit: save },
    field("Instance", instance, { pointer: "/instanceId" }),
    field("Cron (minute hour day month weekday)", cron, { pointer: "/cron", hint: "e.g. 0 * * * * hourly, 30 2 * * 1-5 at 02:30 on weekdays" }),
    field("Time zone", tz, { pointer: "/timezone", hint: `The cron is read in this zone; yours is ${BROWSER_TZ}.` }), zones,
    el("div", { className: "field inline" }, enabled, el("label", { htmlFor: "schedule-enabled" }, "Enabled")),
    field("When the previous run is still running", overlap, { pointer: "/overlapPolicy" }), general,
    schedule ? el("p", {}, "Next run: ", nextRun(schedule)) : null,
    el("div", { className: "actions" }, el("button", { type: "submit", className: "primary", id: "schedule-save" }, schedule ? "Save changes" : "Create schedule"),
      schedule ? button("Delete…", remove, { className: "danger" }) : null), status);
  body.append(form);

  async function save(event) {
    event.preventDefault();
    const input_ = { instanceId: instance.value, cron: cron.value.trim(), timezone: tz.value.trim() || "UTC", enabled: enabled.checked, overlapPolicy: overlap.value };
    const result = (k) => `{ ${errs(k)} ... on SchedulePayload { schedule { id nextRunAt timezone } } }`;
    let r;
    try {
      r = schedule
        ? await mutate(`mutation($id: ID!, $v: Int!, $i: ScheduleInput!) { r: replaceSchedule(id: $id, expectedVersion: $v, input: $i) ${result("VM")} }`, { id: schedule.id, v: schedule.version, i: input_ }, "r")
        : await mutate(`mutation($i: ScheduleInput!) { r: createSchedule(input: $i) ${result("V")} }`, { i: input_ }, "r");
    } catch (err) {
      notice(status, err.message, "error");
      return showFieldErrors(form, (err.fieldErrors || []).map(strip), general);
    }
    const next = r.schedule.nextRunAt ? ` Next run ${inZone(r.schedule.nextRunAt, r.schedule.timezone)} (${r.schedule.timezone}).` : "";
    toast(`Schedule saved.${next}`);
    closePanel();
    reload();
  }

  async function remove() {
    if (!(await confirmAction("Delete this schedule?", "Delete"))) return;
    try {
      await mutate(`mutation($id: ID!, $v: Int!) { r: deleteSchedule(id: $id, expectedVersion: $v) { ${errs("M")} ... on Deleted { id } } }`, { id: schedule.id, v: schedule.version }, "r");
    } catch (err) {
      return notice(status, err.message, "error");
    }
    closePanel();
    reload();
  }
}

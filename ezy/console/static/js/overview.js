// Overview: runs, records and errors over time (uPlot, vendored), success rate, DLQ depth, error hot-spots.
// The API buckets by UTC hour; hours are regrouped here into the browser's own hours or days.
import { button, el, fill, link, lower, select, text, when } from "./dom.js";
import { gql } from "./gql.js";

const RANGES = [
  ["24h-hour", "Last 24 hours, by hour", 24, "hour"],
  ["7d-hour", "Last 7 days, by hour", 24 * 7, "hour"],
  ["7d-day", "Last 7 days, by day", 24 * 7, "day"],
  ["30d-day", "Last 30 days, by day", 24 * 30, "day"],
];
const COLORS = { succeeded: "#2f9e57", partial: "#d9a200", failed: "#d04040", active: "#4a7fd6", records: "#4a7fd6" };
const REFRESH_MS = 30000;
let choice = "24h-hour";

function localBucket(ms, unit) {
  const d = new Date(ms);
  if (unit === "day") d.setHours(0, 0, 0, 0);
  else d.setMinutes(0, 0, 0);
  return d.getTime();
}

function buckets(sinceMs, unit) {
  const out = [];
  let t = localBucket(sinceMs, unit);
  const end = Date.now();
  while (t <= end) {
    out.push(t);
    const d = new Date(t);
    if (unit === "day") d.setDate(d.getDate() + 1); // a calendar day: 23 or 25 hours across DST
    else d.setHours(d.getHours() + 1);
    t = d.getTime();
  }
  return out;
}

function aggregate(rows, sinceMs, unit) {
  const times = buckets(sinceMs, unit);
  const index = new Map(times.map((t, i) => [t, i]));
  const zero = () => times.map(() => 0);
  const s = { succeeded: zero(), partial: zero(), failed: zero(), active: zero(), records: zero(), failedRecords: zero() };
  for (const row of rows) {
    const i = index.get(localBucket(Date.parse(row.bucketStart), unit));
    if (i === undefined) continue;
    const status = lower(row.status);
    const key = status === "cancelled" ? "failed" : status === "queued" || status === "running" ? "active" : status;
    s[key][i] += row.runs;
    s.records[i] += row.records;
    s.failedRecords[i] += row.failed;
  }
  return { times: times.map((t) => t / 1000), ...s };
}

// Stacked bars: each series is drawn as the running sum, later (lower) ones on top.
function stackedChart(target, title, x, layers) {
  const sums = [];
  let acc = x.map(() => 0);
  for (const layer of layers) {
    acc = acc.map((v, i) => v + layer.values[i]);
    sums.push(acc);
  }
  // A zero would draw a flat outline along the axis: no value, no bar.
  const data = [x, ...sums.reverse().map((values) => values.map((v) => v || null))];
  const step = x.length > 1 ? x[1] - x[0] : 3600;
  const ordered = [...layers].reverse();
  const bars = window.uPlot.paths.bars({ size: [0.7, 48] });
  const opts = {
    title, width: Math.max(280, target.clientWidth), height: 220,
    series: [{}, ...ordered.map((l, si) => ({
      label: l.label, stroke: l.color, fill: l.color, paths: bars, points: { show: false },
      width: 0,
      value: (u, v, _s, i) => (i === null || i === undefined ? "—" : String(ordered[si].values[i])),
    }))],
    axes: [{}, { size: 40, values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : "")) }],
    scales: { x: { time: true, range: (u, min, max) => [min - step / 2, max + step / 2] }, y: { range: (u, min, max) => [0, Math.max(4, max)] } },
    cursor: { drag: { x: false, y: false } },
  };
  target.replaceChildren();
  const chart = new window.uPlot(opts, data, target);
  const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(280, target.clientWidth), height: 220 }));
  resize.observe(target);
  return () => { resize.disconnect(); chart.destroy(); };
}

function tile(label, value, note = "") {
  return el("div", { className: "tile" }, el("span", { className: "tile-label" }, label),
    el("strong", { className: "tile-value" }, value), el("small", { className: "muted" }, note));
}

const sum = (values) => values.reduce((a, b) => a + b, 0);

export async function render(view) {
  const since = () => new Date(Date.now() - RANGES.find((r) => r[0] === choice)[2] * 3600 * 1000);
  const rangeSelect = select(RANGES.map((r) => [r[0], r[1]]), choice, { id: "range", onchange: () => { choice = rangeSelect.value; load(); } });
  const tiles = el("div", { className: "tiles" });
  const runsChart = el("div", { className: "chart", id: "chart-runs" });
  const recordsChart = el("div", { className: "chart", id: "chart-records" });
  const depth = el("div", { className: "card-body" });
  const hotspots = el("div", { className: "card-body" });
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  fill(view,
    el("div", { className: "view-head" }, el("h1", {}, "Overview"),
      el("div", { className: "toolbar" }, el("label", { htmlFor: "range" }, "Range"), rangeSelect,
        button("Refresh", () => load()))),
    el("p", { className: "muted small" }, `Times in your time zone (${tz}); refreshed every 30 s.`),
    tiles,
    el("div", { className: "grid2" },
      el("section", { className: "card" }, el("h2", {}, "Runs"), runsChart),
      el("section", { className: "card" }, el("h2", {}, "Records and failed records"), recordsChart),
      el("section", { className: "card" }, el("h2", {}, "Dead letters by instance"), depth),
      el("section", { className: "card" }, el("h2", {}, "Error hot-spots by stage and code"), hotspots)),
  );
  let destroy = [];
  async function load() {
    const unit = choice.endsWith("day") ? "day" : "hour";
    const from = since();
    const data = await gql(`query($since: DateTime!) {
      runHistory(since: $since, bucket: HOUR) { bucketStart instanceId status runs records failed }
      errorHotspots(since: $since, limit: 10) { stage code count lastSeenAt }
      dlqDepth { instanceId pending replaying instance { name } } }`, { since: from.toISOString() });
    for (const d of destroy) d();
    destroy = [];
    const s = aggregate(data.runHistory, from.getTime(), unit);
    const finished = sum(s.succeeded) + sum(s.partial) + sum(s.failed);
    const records = sum(s.records);
    const pending = data.dlqDepth.reduce((a, d) => a + d.pending, 0);
    fill(tiles,
      tile("Runs", finished + sum(s.active) ? (finished + sum(s.active)).toLocaleString() : "0", sum(s.active) ? `${sum(s.active)} in progress` : ""),
      tile("Run success rate", finished ? `${Math.round((100 * sum(s.succeeded)) / finished)} %` : "—", finished ? `${sum(s.succeeded)} of ${finished} finished runs fully succeeded` : "no finished runs"),
      tile("Records", records.toLocaleString(), records ? `${(100 * (1 - sum(s.failedRecords) / records)).toFixed(1)} % loaded or skipped` : ""),
      tile("Failed records", sum(s.failedRecords).toLocaleString(), ""),
      tile("Dead letters pending", pending.toLocaleString(), pending ? "" : "nothing to repair"));
    if (!finished && !sum(s.active)) {
      const empty = () => el("div", { className: "chart-empty" }, el("p", {}, "No runs in this range."),
        el("p", {}, "Set up a source, a target, a mapping and an instance under ", link("#/config/profiles", "Configuration"), ", then press ", el("em", {}, "Run now"), "."));
      fill(runsChart, empty());
      fill(recordsChart, empty());
    } else {
      destroy.push(stackedChart(runsChart, "", s.times, [
        { label: "succeeded", color: COLORS.succeeded, values: s.succeeded },
        { label: "partial", color: COLORS.partial, values: s.partial },
        { label: "failed", color: COLORS.failed, values: s.failed },
        { label: "in progress", color: COLORS.active, values: s.active },
      ]));
      const ok = s.records.map((r, i) => r - s.failedRecords[i]);
      destroy.push(stackedChart(recordsChart, "", s.times, [
        { label: "loaded or skipped", color: COLORS.records, values: ok },
        { label: "failed", color: COLORS.failed, values: s.failedRecords },
      ]));
    }
    renderDepth(depth, data.dlqDepth);
    renderHotspots(hotspots, data.errorHotspots);
  }
  await load();
  // Live enough for a wall screen; the charts keep their reserved height, so nothing jumps.
  const timer = setInterval(() => { if (!document.hidden) load().catch(() => {}); }, REFRESH_MS);
  return () => { clearInterval(timer); for (const d of destroy) d(); };
}

function renderDepth(node, rows) {
  if (!rows.length) return fill(node, el("p", { className: "muted" }, "The dead letter queue is empty: every failed record has been replayed or discarded."));
  const max = Math.max(...rows.map((r) => r.pending + r.replaying), 1);
  fill(node, el("ul", { className: "bars" }, rows.map((r) => {
    const bar = el("span", { className: "bar" });
    bar.style.width = `${Math.max(2, (100 * (r.pending + r.replaying)) / max)}%`;
    return el("li", {},
      link(`#/dlq?instance=${encodeURIComponent(r.instanceId)}`, r.instance ? text(r.instance.name) : "deleted instance"),
      el("span", { className: "bar-track" }, bar),
      el("span", { className: "num" }, `${r.pending} pending${r.replaying ? `, ${r.replaying} replaying` : ""}`));
  })));
}

function renderHotspots(node, rows) {
  if (!rows.length) return fill(node, el("p", { className: "muted" }, "No entity errors in this range."));
  const max = Math.max(...rows.map((r) => r.count), 1);
  fill(node, el("table", {},
    el("thead", {}, el("tr", {}, el("th", {}, "Stage"), el("th", {}, "Code"), el("th", { className: "num" }, "Errors"), el("th", { className: "hide-narrow" }, "Last seen"))),
    el("tbody", {}, rows.map((r) => {
      const bar = el("span", { className: "bar" });
      bar.style.width = `${Math.max(2, (100 * r.count) / max)}%`;
      return el("tr", {}, el("td", {}, lower(r.stage)),
        el("td", {}, link(`#/dlq?stage=${r.stage}&code=${encodeURIComponent(r.code)}`, text(r.code))),
        el("td", { className: "num" }, el("span", { className: "bar-track small" }, bar), ` ${r.count}`),
        el("td", { className: "hide-narrow" }, when(r.lastSeenAt)));
    }))));
}

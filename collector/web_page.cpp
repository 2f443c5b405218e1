#include "collector/web_page.hpp"

namespace gpwatch::collector {

namespace {

constexpr std::string_view kPage = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gpwatch: incidents reported by practices</title>
<style nonce="@NONCE@">
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #212b32; }
h1 { font-size: 1.4rem; }
p.note { max-width: 52rem; color: #4c6272; }
table { border-collapse: collapse; margin-top: 1rem; }
th, td { border: 1px solid #d8dde0; padding: 0.25rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.redacted { color: #8a1538; font-style: italic; }
td.no-reports { color: #768692; text-align: center; }
tr.total td { font-weight: bold; }
#status { color: #4c6272; }
#chart { margin-top: 1rem; }
</style>
</head>
<body>
<h1>Incidents reported by practices, per reason per week</h1>
<p class="note">Counts are controlled before they leave a practice and again here: 0 stays 0,
1 to 7 is shown as <em>redacted</em>, everything else is rounded to the nearest 5.
"10 + 2 redacted" means ten incidents in shown figures and two practices whose figure was 1 to 7
(not added in). 0 means practices reported and counted none; <abbr title="no reports">—</abbr>
means no practice reported that week, so there is no figure (and no bar in the chart).
Only the latest revision of each practice's week counts.</p>
<form id="range">
  <label>From <input id="from" name="from" placeholder="2026-W40" size="9"></label>
  <label>To <input id="to" name="to" placeholder="2026-W48" size="9"></label>
  <button type="submit">Show</button>
  <a id="csv" href="/export.csv">CSV</a>
</form>
<p id="status">Loading…</p>
<div id="chart"></div>
<table id="counts"><thead></thead><tbody></tbody></table>
<script nonce="@NONCE@">
"use strict";
const SVG = "http://www.w3.org/2000/svg";
const COLOURS = ["#005eb8", "#da291c", "#007f3b", "#ffb81c", "#330072", "#ae2573", "#00a499", "#768692",
                 "#ed8b00", "#41b6e6", "#78be20", "#7c2855"];

function el(name, text, cls) {
  const e = document.createElement(name);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function svg(name, attrs) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function drawTable(data) {
  const table = document.getElementById("counts");
  const head = table.tHead, body = table.tBodies[0];
  head.replaceChildren(); body.replaceChildren();
  const hr = el("tr"); hr.appendChild(el("th", "Reason"));
  for (const w of data.weeks) hr.appendChild(el("th", w));
  head.appendChild(hr);
  const byKey = new Map(data.cells.map(c => [c.reason + "|" + c.week, c]));
  function cellTd(c) {
    if (c.practices_reporting === 0) {  // no data, which a 0 must never stand for
      const td = el("td", "\u2014", "no-reports");
      td.dataset.week = c.week;
      td.title = "no reports";
      return td;
    }
    const td = el("td", c.text, c.redacted ? "redacted" : (c.redacted_parts > 0 ? "partly-redacted" : ""));
    td.dataset.week = c.week;
    if (c.redacted_parts > 0) td.title = c.redacted_parts + " practice figure(s) of 1 to 7, redacted";
    return td;
  }
  for (const r of data.reasons) {
    const tr = el("tr"); tr.dataset.reason = r;
    tr.appendChild(el("td", r));
    for (const w of data.weeks) {
      const td = cellTd(byKey.get(r + "|" + w));
      td.dataset.reason = r;
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  const total = el("tr", undefined, "total"); total.dataset.reason = "all";
  total.appendChild(el("td", "All reasons"));
  for (const t of data.totals) total.appendChild(cellTd(t));
  body.appendChild(total);
  const prac = el("tr", undefined, "practices"); prac.appendChild(el("td", "Practices reporting"));
  for (const t of data.totals) prac.appendChild(el("td", String(t.practices)));
  body.appendChild(prac);
}

// The y-axis step: the smallest of 1, 2 or 5 times a power of ten that splits `max` into at most
// `most` intervals, so the tick labels are round numbers an officer can read off (0, 200, 400...).
function niceStep(max, most) {
  const raw = Math.max(1, max / most);  // counts are whole numbers: never a step under 1
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

function drawChart(data) {
  const box = document.getElementById("chart");
  box.replaceChildren();
  const W = 760, H = 300, left = 50, bottom = 60, top = 10, legendW = 0;
  const plotW = W - left - 10 - legendW, plotH = H - top - bottom;
  const byKey = new Map(data.cells.map(c => [c.reason + "|" + c.week, c]));
  const heights = data.weeks.map(w => data.reasons.reduce((s, r) => s + (byKey.get(r + "|" + w).value || 0), 0));
  const tick = niceStep(Math.max(10, ...heights), 5);
  const max = tick * Math.ceil(Math.max(10, ...heights) / tick);  // the axis ends on a tick
  const root = svg("svg", {id: "counts-chart", width: W, height: H + 20 * Math.ceil(data.reasons.length / 3),
                           viewBox: "0 0 " + W + " " + (H + 20 * Math.ceil(data.reasons.length / 3)),
                           role: "img", "aria-label": "Incidents per week, stacked by reason"});
  root.appendChild(svg("line", {x1: left, y1: top, x2: left, y2: top + plotH, stroke: "#4c6272"}));
  root.appendChild(svg("line", {x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH, stroke: "#4c6272"}));
  for (let v = 0; v <= max; v += tick) {
    const y = top + plotH - plotH * v / max;
    const t = svg("text", {x: left - 6, y: y + 4, "text-anchor": "end", "font-size": 11, class: "y-tick"});
    t.textContent = v;
    root.appendChild(t);
    if (v > 0) root.appendChild(svg("line", {x1: left, y1: y, x2: left + plotW, y2: y, stroke: "#e8edee"}));
  }
  const step = plotW / Math.max(1, data.weeks.length), barW = Math.max(4, step * 0.7);
  data.weeks.forEach((w, i) => {
    const x = left + i * step + (step - barW) / 2;
    const label = svg("text", {x: x + barW / 2, y: top + plotH + 14, "text-anchor": "end", "font-size": 10,
                               transform: "rotate(-45 " + (x + barW / 2) + " " + (top + plotH + 14) + ")"});
    label.textContent = w; root.appendChild(label);
    if (data.totals[i].practices_reporting === 0) {  // no data: nothing drawn, not even a zero
      label.setAttribute("fill", "#768692");
      const tip = svg("title", {}); tip.textContent = w + ": no reports"; label.appendChild(tip);
      return;
    }
    let y = top + plotH;
    data.reasons.forEach((r, j) => {
      const c = byKey.get(r + "|" + w);
      const h = plotH * (c.value || 0) / max;
      if (h > 0) {
        const rect = svg("rect", {x: x, y: y - h, width: barW, height: h, fill: COLOURS[j % COLOURS.length],
                                  "data-reason": r, "data-week": w});
        const tip = svg("title", {}); tip.textContent = r + " " + w + ": " + c.text; rect.appendChild(tip);
        root.appendChild(rect);
        y -= h;
      }
    });
    const parts = data.totals[i].redacted_parts;
    if (parts > 0) {  // a marker, not a height: redacted figures have no number to draw
      const m = svg("text", {x: x + barW / 2, y: y - 3, "text-anchor": "middle", "font-size": 10, fill: "#8a1538",
                             class: "redacted-marker"});
      m.textContent = "+" + parts + "r"; root.appendChild(m);
    } else if (y === top + plotH) {  // practices reported and counted none: say 0, unlike a week of no reports
      const m = svg("text", {x: x + barW / 2, y: y - 3, "text-anchor": "middle", "font-size": 10, fill: "#4c6272",
                             class: "zero-marker", "data-week": w});
      m.textContent = "0"; root.appendChild(m);
    }
  });
  data.reasons.forEach((r, j) => {
    const lx = left + (j % 3) * 240, ly = H + 20 * Math.floor(j / 3);
    root.appendChild(svg("rect", {x: lx, y: ly - 10, width: 12, height: 12, fill: COLOURS[j % COLOURS.length]}));
    const t = svg("text", {x: lx + 16, y: ly, "font-size": 11}); t.textContent = r; root.appendChild(t);
  });
  box.appendChild(root);
}

async function load() {
  const from = document.getElementById("from").value.trim(), to = document.getElementById("to").value.trim();
  const q = new URLSearchParams();
  if (from) q.set("from", from);
  if (to) q.set("to", to);
  document.getElementById("csv").href = "/export.csv" + (q.toString() ? "?" + q : "");
  const status = document.getElementById("status");
  status.textContent = "Loading…";
  try {
    const res = await fetch("/api/counts" + (q.toString() ? "?" + q : ""), {cache: "no-store"});
    const data = await res.json();
    if (!res.ok) { status.textContent = data.detail || ("Error " + res.status); return; }
    drawChart(data);
    drawTable(data);
    status.textContent = data.weeks[0] + " to " + data.weeks[data.weeks.length - 1] + ": " + data.reasons.length + " reason(s).";
    status.dataset.loaded = "yes";
  } catch (e) {
    status.textContent = "Could not load the counts: " + e;
  }
}
document.getElementById("range").addEventListener("submit", ev => { ev.preventDefault(); load(); });
const params = new URLSearchParams(location.search);
document.getElementById("from").value = params.get("from") || "";
document.getElementById("to").value = params.get("to") || "";
load();
</script>
</body>
</html>
)html";

}  // namespace

std::string web_page(std::string_view nonce) {
    std::string page(kPage);
    constexpr std::string_view kMark = "@NONCE@";
    for (auto pos = page.find(kMark); pos != std::string::npos; pos = page.find(kMark, pos + nonce.size()))
        page.replace(pos, kMark.size(), nonce);
    return page;
}

std::string content_security_policy(std::string_view nonce) {
    const std::string n(nonce);
    return "default-src 'none'; script-src 'nonce-" + n + "'; style-src 'nonce-" + n +
           "'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
}

}  // namespace gpwatch::collector

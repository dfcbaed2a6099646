// The console's one stylesheet and one script, served by the hub from memory
// (no build step, nothing to install). The script only enhances: live run
// progress, select-all, showing the fields a run request needs.

export const CONSOLE_CSS = `
:root { --fg:#1d2433; --muted:#667085; --bg:#f5f6f8; --card:#fff; --line:#dde1e7; --accent:#0b5cad; --accent-fg:#fff;
  --ok:#137333; --ok-bg:#e6f4ea; --warn:#8a5a00; --warn-bg:#fff4d6; --bad:#b3261e; --bad-bg:#fce8e6; --info:#0b5cad; --info-bg:#e8f0fe; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin:0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; color:var(--fg); background:var(--bg); }
a { color:var(--accent); }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: .9em; word-break: break-all; }
header.top { display:flex; flex-wrap:wrap; align-items:center; gap:.25rem 1rem; padding:.5rem 1rem; background:#10284a; color:#fff; }
header.top a { color:#fff; }
.brand { text-decoration:none; white-space:nowrap; }
.brand .tagline { opacity:.75; font-size:.85em; }
.nav { display:flex; gap:.15rem; flex:1 1 auto; overflow-x:auto; scrollbar-width:thin; }
.nav a { padding:.35rem .6rem; border-radius:6px; text-decoration:none; white-space:nowrap; }
.nav a:hover { background:rgba(255,255,255,.12); }
.nav a.active { background:rgba(255,255,255,.22); font-weight:600; }
.who { display:flex; align-items:center; gap:.75rem; margin-left:auto; white-space:nowrap; }
.who .user { opacity:.85; }
button.link { background:none; border:0; color:#fff; text-decoration:underline; padding:0; font:inherit; cursor:pointer; }
main { padding: 1rem; max-width: 1400px; margin: 0 auto; }
h1 { font-size:1.4rem; margin:.25rem 0 1rem; }
h2 { font-size:1.1rem; margin:1.5rem 0 .5rem; }
h3 { font-size:1rem; margin:0 0 .5rem; }
h4 { font-size:.95rem; margin:.75rem 0 .25rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:1rem; margin-bottom:1rem; }
.card.narrow { max-width:420px; }
.cards { display:grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap:1rem; margin-bottom:1rem; }
.cards .card { margin:0; }
.stat { display:flex; flex-direction:column; gap:.15rem; text-decoration:none; color:inherit; }
.stat .big { font-size:2rem; font-weight:700; line-height:1.1; }
.stack { display:flex; flex-direction:column; gap:.75rem; }
label { display:flex; flex-direction:column; gap:.2rem; font-size:.9rem; color:var(--muted); }
label.radio { flex-direction:row; align-items:center; gap:.4rem; color:var(--fg); }
fieldset { border:1px solid var(--line); border-radius:8px; padding:.5rem .75rem; margin:0; }
legend { font-size:.9rem; color:var(--muted); }
input, select, button { font:inherit; padding:.4rem .6rem; border:1px solid var(--line); border-radius:6px; background:#fff; color:var(--fg); min-height:2.25rem; }
input[type=checkbox], input[type=radio] { min-height:auto; width:1.1rem; height:1.1rem; }
button { cursor:pointer; background:#eef1f5; }
button:hover { filter:brightness(.96); }
button.primary { background:var(--accent); color:var(--accent-fg); border-color:var(--accent); }
button.danger { background:var(--bad); color:#fff; border-color:var(--bad); }
button.small { padding:.2rem .55rem; min-height:2rem; font-size:.9rem; }
form.inline { display:inline-flex; flex-wrap:wrap; gap:.35rem; align-items:center; margin:0; }
form.reject input { width:9rem; }
.grid-form { display:grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap:.75rem; align-items:end; }
.filters, .search { display:flex; flex-wrap:wrap; gap:.5rem; align-items:end; margin-bottom:1rem; }
.search input { flex:1 1 18rem; }
/* A select is as wide as its longest option (a long site name): never wider than the form. */
.filters label, .search label { max-width:100%; min-width:0; }
.filters select, .search select { max-width:100%; }
.toolbar { margin:.5rem 0; }
.table-wrap { width:100%; overflow-x:auto; background:var(--card); border:1px solid var(--line); border-radius:10px; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; vertical-align:top; padding:.45rem .6rem; border-bottom:1px solid var(--line); }
th { font-size:.85rem; color:var(--muted); font-weight:600; background:#fafbfc; white-space:nowrap; }
tbody tr:last-child td { border-bottom:0; }
td.num { text-align:right; font-variant-numeric: tabular-nums; }
td.wrap { min-width:14rem; max-width:32rem; overflow-wrap:anywhere; }
td.actions { min-width:13rem; }
td.actions form.inline { margin:.1rem 0; }
tr.revoked { opacity:.55; }
table.compact td, table.compact th { padding:.3rem .5rem; }
.badge { display:inline-block; padding:.05rem .5rem; border-radius:999px; font-size:.82rem; font-weight:600; white-space:nowrap; }
.badge.ok { color:var(--ok); background:var(--ok-bg); }
.badge.warn { color:var(--warn); background:var(--warn-bg); }
.badge.bad { color:var(--bad); background:var(--bad-bg); }
.badge.info { color:var(--info); background:var(--info-bg); }
.badge.muted { color:var(--muted); background:#eef0f3; }
.chips { display:inline-flex; flex-wrap:wrap; gap:.25rem; }
.muted { color:var(--muted); }
.bad { color:var(--bad); }
.flash { padding:.6rem .8rem; border-radius:8px; margin:0 0 1rem; }
.flash.ok { background:var(--ok-bg); color:var(--ok); }
.flash.error { background:var(--bad-bg); color:var(--bad); }
code.secret { display:block; padding:.5rem; background:#fff; border:1px dashed var(--ok); color:var(--fg); user-select:all; }
dl.facts { display:grid; grid-template-columns: max-content 1fr; gap:.35rem 1rem; margin:0; }
dl.facts dt { color:var(--muted); }
dl.facts dd { margin:0; overflow-wrap:anywhere; }
.counts span { white-space:nowrap; margin-right:.35rem; }
progress { width: min(24rem, 100%); height: 1rem; vertical-align: middle; }
.lead { font-size:1.05rem; font-weight:600; margin-top:0; }
ul.files { padding-left:1.1rem; }
ul.files > li { margin-bottom:.5rem; }
.sig { margin:.35rem 0; padding:.5rem .75rem; border-radius:8px; border-left:4px solid; }
.sig.ok { background:var(--ok-bg); border-color:var(--ok); }
.sig.bad { background:var(--bad-bg); border-color:var(--bad); }
.sig ul { margin:.25rem 0 0; padding-left:1.1rem; }
ul.alerts li.bad { color:var(--bad); } ul.alerts li.warn { color:var(--warn); }
.pager { display:flex; gap:1rem; align-items:center; margin:1rem 0; }
[data-for][hidden] { display:none; }

/* Report charts (server-drawn SVG; colours by class, the CSP allows no inline styles). */
figure.chart { margin:1rem 0; background:var(--card); border:1px solid var(--line); border-radius:10px; padding:.5rem; }
figure.chart svg { width:100%; height:auto; display:block; }
figure.chart text { font-size:11px; fill:var(--muted); }
figure.chart text.val { fill:var(--fg); font-weight:600; }
figure.chart line.grid { stroke:var(--line); }
figure.chart figcaption { font-size:.9rem; color:var(--muted); padding:.25rem .5rem; }
.legend { display:flex; flex-wrap:wrap; gap:.25rem .9rem; margin-top:.25rem; }
.legend span { display:inline-flex; align-items:center; gap:.3rem; }
i.sw { display:inline-block; width:.8rem; height:.8rem; border-radius:2px; }
.c0 { fill:#0b5cad; background:#0b5cad; } .c1 { fill:#e8710a; background:#e8710a; } .c2 { fill:#137333; background:#137333; }
.c3 { fill:#a142f4; background:#a142f4; } .c4 { fill:#b3261e; background:#b3261e; } .c5 { fill:#12b5cb; background:#12b5cb; } .c6 { fill:#9aa0a6; background:#9aa0a6; }
tr.total td { border-top:2px solid var(--line); }
form.filters { display:flex; flex-wrap:wrap; gap:.5rem 1rem; align-items:flex-end; }
form.filters label { display:flex; flex-direction:column; gap:.2rem; font-size:.9rem; }

/* The report's printable annex (Phiếu cung cấp thông tin), A4. */
body.print { background:#fff; max-width:190mm; margin:0 auto; padding:1rem; }
.annex h1 { text-align:center; font-size:1.25rem; margin-bottom:.25rem; }
.annex p.sub { text-align:center; margin:.15rem 0; }
table#annex { width:100%; border-collapse:collapse; margin:1rem 0; }
table#annex th, table#annex td { border:1px solid #000; padding:.3rem .45rem; }
table#annex td.mark { text-align:center; width:3.5rem; }
table#annex td.num { text-align:right; width:4.5rem; }
@media print {
  @page { size: A4; margin: 15mm; }
  body, body.print { background:#fff; color:#000; font-size:11pt; padding:0; max-width:none; }
  header.top, .no-print, form.filters, #report-exports { display:none !important; }
  main { padding:0; max-width:none; }
  .table-wrap { overflow:visible; border:0; }
  table { page-break-inside:auto; } tr { page-break-inside:avoid; }
  figure.chart { break-inside:avoid; border:0; }
  a { color:#000; text-decoration:none; }
}

/* Phones: table rows become cards, each cell labelled by its column. */
@media (max-width: 720px) {
  main { padding:.75rem; }
  header.top { padding:.5rem .75rem; }
  .nav { order:3; flex-basis:100%; }
  .brand .tagline { display:none; }
  .table-wrap { border:0; background:none; overflow:visible; }
  table, thead, tbody, tr, td { display:block; width:100%; }
  thead { position:absolute; left:-9999px; }
  tbody tr { background:var(--card); border:1px solid var(--line); border-radius:10px; margin-bottom:.6rem; padding:.35rem .2rem; }
  td { border:0; padding:.25rem .6rem; text-align:left !important; overflow-wrap:anywhere; min-height:1.9rem; }
  td[data-label] { display:flow-root; padding-left:9.5rem; }
  td[data-label]::before { content: attr(data-label); float:left; width:8.4rem; margin-left:-8.9rem; color:var(--muted); font-size:.85rem; }
  td:empty { display:none; }
  .counts span { white-space:normal; }
  td.wrap { min-width:0; max-width:none; }
  td.actions { white-space:normal; }
  form.reject input { width:100%; }
  dl.facts { grid-template-columns: 1fr; gap:.1rem; }
  dl.facts dd { margin-bottom:.4rem; }
}
`;

export const CONSOLE_JS = `
(function () {
  "use strict";
  // Live progress of a running sync: poll the run's JSON (the session cookie authenticates it).
  var run = document.getElementById("run");
  if (run && run.dataset.live) {
    var labels = JSON.parse(run.dataset.statusLabels || "{}");
    var tick = function () {
      fetch("/api/v1/runs/" + encodeURIComponent(run.dataset.runId), { credentials: "same-origin", headers: { accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return setTimeout(tick, 3000);
          var status = document.getElementById("run-status");
          if (status) { status.textContent = labels[data.status] || data.status; status.dataset.status = data.status; }
          Object.keys(data.counts || {}).forEach(function (k) {
            var el = run.querySelector('[data-count="' + k + '"]');
            if (el) el.textContent = String(data.counts[k]);
          });
          var p = data.progress || {};
          var bar = document.getElementById("run-progress");
          var text = document.getElementById("run-progress-text");
          if (p.total && bar) { bar.max = p.total; bar.value = p.processed || 0; }
          if (p.total && text) text.textContent = (p.processed || 0) + " / " + p.total;
          if (data.status === "queued" || data.status === "running") setTimeout(tick, 1000);
          else location.reload(); // finished: the server renders the per-item outcomes
        })
        .catch(function () { setTimeout(tick, 3000); });
    };
    setTimeout(tick, 1000);
  }

  // Select-all checkbox for replaying many deliveries.
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      var form = box.closest("form");
      if (!form) return;
      form.querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]').forEach(function (c) { c.checked = box.checked; });
    });
  });

  // Destructive buttons ask first.
  document.querySelectorAll("[data-confirm]").forEach(function (b) {
    b.addEventListener("click", function (e) { if (!confirm((b.textContent || "").trim() + "?")) e.preventDefault(); });
  });

  // A run request shows only the fields its kind needs.
  document.querySelectorAll("[data-run-form]").forEach(function (form) {
    var sync = function () {
      var checked = form.querySelector("input[name=trigger]:checked");
      var kind = checked ? checked.value : "manual";
      form.querySelectorAll("[data-for]").forEach(function (el) {
        el.hidden = el.dataset.for !== kind;
        el.querySelectorAll("input").forEach(function (i) { i.required = el.dataset.for === kind; });
      });
    };
    form.addEventListener("change", sync);
    sync();
  });
})();
`;

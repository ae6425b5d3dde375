/** @module The dashboard page: one static HTML document with inline CSS and script, no build step. */
import { CLIENT_MODEL_JS } from './client-model.ts'
import { CLIENT_VIEW_JS } from './client-view.ts'

export const DASHBOARD_SCRIPT = `(function () {\n'use strict';\n${CLIENT_MODEL_JS}\n${CLIENT_VIEW_JS}\n})();`

const STYLE = `
:root { color-scheme: dark; --bg: #0f1419; --panel: #171e26; --line: #263140; --text: #d8dee6; --dim: #8593a3;
  --ok: #3fb950; --warn: #d29922; --bad: #f85149; --info: #58a6ff; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--text); }
header { display: flex; gap: 16px; align-items: center; padding: 10px 16px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 16px; margin: 0; }
header .dim { color: var(--dim); }
header label { margin-left: auto; }
body[data-state=stale] #updated { color: var(--bad); }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; padding: 12px 16px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: var(--dim); margin: 0 0 8px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { min-width: 120px; } .card b { display: block; font-size: 22px; font-variant-numeric: tabular-nums; }
.card span { color: var(--dim); }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: 3px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { color: var(--dim); font-weight: 500; }
td.name, th.name, td.reason { text-align: left; }
td.reason { white-space: normal; max-width: 520px; color: var(--warn); }
td.empty { text-align: left; color: var(--dim); }
.spark { width: 120px; height: 24px; } .spark polyline { fill: none; stroke: var(--info); stroke-width: 1.5; }
.mix { display: flex; width: 160px; height: 10px; background: var(--line); border-radius: 2px; overflow: hidden; }
.mix span { display: block; height: 100%; }
.o-accepted { background: var(--ok); } .o-duplicate { background: #2f81f7; } .o-ignored { background: #6e7681; }
.o-dlq { background: #a371f7; } .o-unauthorized { background: var(--bad); } .o-rate_limited { background: var(--warn); }
.o-bad_request, .o-too_large, .o-not_found { background: #db6d28; } .o-unavailable, .o-error, .o-in_flight { background: #8b0000; }
.b-closed { color: var(--ok); } .b-half-open { color: var(--warn); } .b-open { color: var(--bad); font-weight: 600; }
.st-closed { color: var(--ok); } .st-half_open { color: var(--warn); } .st-open { color: var(--bad); font-weight: 600; }
.st-terminal { color: var(--bad); font-weight: 600; text-decoration: underline; }
.s-running { color: var(--info); } .s-ok { color: var(--ok); } .s-failed { color: var(--bad); }
.progress { width: 140px; height: 8px; background: var(--line); border-radius: 2px; overflow: hidden; }
.progress span { display: block; height: 100%; background: var(--info); }
.progress span.indeterminate { opacity: .4; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0 0; }
dt { color: var(--dim); } dd { margin: 0; font-variant-numeric: tabular-nums; }
`

const BODY = `
<header>
  <h1>txgate</h1><span class="dim" id="ports">connecting…</span><span class="dim">updated <span id="updated">—</span></span>
  <label class="dim">window <select id="window">
    <option value="60000">1 min</option><option value="300000">5 min</option><option value="900000">15 min</option>
  </select></label>
</header>
<main>
  <section class="wide" id="summary"><h2>Now (over the window)</h2><div class="cards">
    <div class="card"><b id="s-rate">—</b><span>requests/s</span></div>
    <div class="card"><b id="s-accepted">—</b><span>accepted/s</span></div>
    <div class="card"><b id="s-errors">—</b><span>5xx share</span></div>
    <div class="card"><b id="s-p95">—</b><span>p95 latency</span></div>
    <div class="card"><b id="s-auth">—</b><span>auth failures</span></div>
    <div class="card"><b id="s-limited">—</b><span>rate limited</span></div>
    <div class="card"><b id="s-rss">—</b><span>resident memory</span></div>
  </div></section>
  <section class="wide" id="providers"><h2>Providers (counts since start, rates and latency over the window)</h2>
    <table><thead><tr><th class="name">provider</th><th>req/s</th><th>total</th><th>accepted</th><th>duplicate</th>
      <th>ignored</th><th>dlq</th><th>401</th><th>429</th><th>other</th><th>p50</th><th>p95</th><th>p99</th>
      <th>trend</th><th class="name">outcome mix</th></tr></thead><tbody id="providers-body"></tbody></table></section>
  <section id="stages"><h2>Stage latency</h2>
    <table><thead><tr><th class="name">stage</th><th>calls</th><th>p50</th><th>p95</th><th>p99</th></tr></thead>
      <tbody id="stages-body"></tbody></table></section>
  <section id="auth"><h2>Authentication failures</h2>
    <table><thead><tr><th class="name">reason</th><th>window</th><th>total</th></tr></thead><tbody id="auth-body"></tbody></table>
    <h2 style="margin-top:12px">Store</h2>
    <table><thead><tr><th class="name">store</th><th>calls/s</th><th>errors</th><th>fail-open</th></tr></thead>
      <tbody id="store-body"></tbody></table></section>
  <section id="publish"><h2>Publish, breaker and spool</h2>
    <table><thead><tr><th class="name">publisher</th><th>records/s</th><th>errors</th><th>retries</th><th>avg batch</th>
      <th>breaker</th></tr></thead><tbody id="publish-body"></tbody></table>
    <dl><dt>spool size</dt><dd id="spool-bytes">—</dd><dt>spooled records</dt><dd id="spool-records">—</dd>
      <dt>oldest spooled</dt><dd id="spool-age">—</dd><dt>replayed</dt><dd id="spool-replayed">—</dd></dl></section>
  <section class="wide" id="batch"><h2>Batch jobs</h2>
    <table><thead><tr><th class="name">job</th><th>source</th><th>state</th><th>progress</th><th>read</th><th>published</th>
      <th>dlq</th><th>rows/s</th></tr></thead><tbody id="jobs-body"></tbody></table></section>
  <section class="wide" id="sources"><h2>Pull sources (state now, counts since start)</h2>
    <table><thead><tr><th class="name">source</th><th class="name">state</th><th>runs</th><th>skipped</th><th>failures</th>
      <th>rows</th><th>bytes</th><th>checkpoint age</th></tr></thead><tbody id="sources-body"></tbody></table></section>
  <section class="wide" id="dlq"><h2>Recent DLQ reasons</h2>
    <table><thead><tr><th>at (UTC)</th><th class="name">provider</th><th>source</th><th>event type</th>
      <th class="name">reason</th></tr></thead><tbody id="dlq-body"></tbody></table></section>
</main>`

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>txgate dashboard</title><link rel="icon" href="data:,"><style>${STYLE}</style></head>
<body data-state="loading">${BODY}
<script>${DASHBOARD_SCRIPT}</script>
</body></html>
`

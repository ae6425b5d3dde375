/**
 * @module The dashboard's rendering and polling, as script text: it reads `/dashboard/data`,
 * keeps snapshots (client-model) and redraws each panel. Text only through textContent.
 */

export const CLIENT_VIEW_JS = String.raw`
var params = new URLSearchParams(location.search);
var INTERVAL = Math.max(250, Number(params.get('interval')) || 2000);
var windowMs = Number(params.get('window')) || 5 * 60 * 1000;
var OUTCOMES = ['accepted', 'duplicate', 'ignored', 'dlq', 'unauthorized', 'rate_limited', 'bad_request',
  'too_large', 'unavailable', 'in_flight', 'not_found', 'error'];
var BREAKER = ['closed', 'half-open', 'open'];

function h(tag, props, children) {
  var e = document.createElement(tag);
  Object.keys(props || {}).forEach(function (k) {
    if (k === 'text') e.textContent = props[k];
    else if (k === 'style') e.style.cssText = props[k];
    else e.setAttribute(k, props[k]);
  });
  (children || []).forEach(function (c) { if (c) e.appendChild(c); });
  return e;
}
function td(col, text, cls) { return h('td', { 'data-col': col, text: text, class: cls || '' }); }
function fill(id, rows) {
  var body = document.getElementById(id);
  body.replaceChildren.apply(body, rows.length ? rows : [h('tr', {}, [h('td', { colspan: '20', class: 'empty', text: 'nothing yet' })])]);
}
function setText(id, text) { document.getElementById(id).textContent = text; }

function sparkline(values) {
  var ns = 'http://www.w3.org/2000/svg';
  var svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 120 24');
  svg.setAttribute('class', 'spark');
  var v = values.filter(function (x) { return !isNaN(x); });
  if (v.length > 1) {
    var max = Math.max.apply(null, v) || 1;
    var pts = v.map(function (x, i) { return (i * 120 / (v.length - 1)).toFixed(1) + ',' + (23 - x / max * 22).toFixed(1); });
    var line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', pts.join(' '));
    svg.appendChild(line);
  }
  return svg;
}

function mixBar(a, b, provider) {
  var counts = OUTCOMES.map(function (o) {
    return increase(a, b, 'txgate_requests_total', function (l) { return l.provider === provider && l.outcome === o; });
  });
  var sum = counts.reduce(function (x, y) { return x + y; }, 0);
  var bar = h('div', { class: 'mix', title: 'outcome mix over the window' });
  counts.forEach(function (n, i) {
    if (n > 0) bar.appendChild(h('span', { class: 'o-' + OUTCOMES[i], style: 'width:' + (100 * n / sum) + '%', title: OUTCOMES[i] + ': ' + n }));
  });
  return bar;
}

function renderProviders(a, b) {
  var rows = labelValues(b, 'txgate_requests_total', 'provider').map(function (p) {
    var mine = function (l) { return l.provider === p; };
    var count = function (o) { return total(b, 'txgate_requests_total', function (l) { return l.provider === p && l.outcome === o; }); };
    var lat = bucketIncrease(a, b, 'txgate_request_duration_seconds', mine);
    var other = ['bad_request', 'too_large', 'unavailable', 'in_flight', 'not_found', 'error']
      .reduce(function (s, o) { return s + count(o); }, 0);
    var cells = [td('provider', p, 'name'), td('rate', fmtRate(perSecond(a, b, 'txgate_requests_total', mine))),
      td('total', fmtNum(total(b, 'txgate_requests_total', mine)))];
    ['accepted', 'duplicate', 'ignored', 'dlq', 'unauthorized', 'rate_limited'].forEach(function (o) { cells.push(td(o, fmtNum(count(o)))); });
    cells.push(td('other', fmtNum(other)), td('p50', fmtSec(quantile(0.5, lat))), td('p95', fmtSec(quantile(0.95, lat))),
      td('p99', fmtSec(quantile(0.99, lat))));
    cells.push(h('td', { 'data-col': 'trend' }, [sparkline(rateSeries(windowMs, 'txgate_requests_total', mine))]));
    cells.push(h('td', { 'data-col': 'mix' }, [mixBar(a, b, p)]));
    return h('tr', { 'data-provider': p }, cells);
  });
  fill('providers-body', rows);
}

function renderSummary(a, b) {
  var all = bucketIncrease(a, b, 'txgate_request_duration_seconds');
  var reqs = increase(a, b, 'txgate_requests_total');
  var bad = increase(a, b, 'txgate_requests_total', function (l) { return ['error', 'unavailable'].indexOf(l.outcome) >= 0; });
  setText('s-rate', fmtRate(perSecond(a, b, 'txgate_requests_total')));
  setText('s-accepted', fmtRate(perSecond(a, b, 'txgate_requests_total', function (l) { return l.outcome === 'accepted'; })));
  setText('s-errors', reqs ? (100 * bad / reqs).toFixed(1) + ' %' : '—');
  setText('s-p95', fmtSec(quantile(0.95, all)));
  setText('s-auth', fmtNum(increase(a, b, 'txgate_requests_total', function (l) { return l.outcome === 'unauthorized'; })));
  setText('s-limited', fmtNum(increase(a, b, 'txgate_requests_total', function (l) { return l.outcome === 'rate_limited'; })));
  setText('s-rss', fmtBytes(b.data.process.process_resident_memory_bytes));
}

function renderStages(a, b) {
  fill('stages-body', ['verify', 'store', 'publish'].map(function (st) {
    var hq = bucketIncrease(a, b, 'txgate_stage_duration_seconds', function (l) { return l.stage === st; });
    return h('tr', { 'data-stage': st }, [td('stage', st, 'name'), td('calls', fmtNum(hq.cum[hq.cum.length - 1])),
      td('p50', fmtSec(quantile(0.5, hq))), td('p95', fmtSec(quantile(0.95, hq))), td('p99', fmtSec(quantile(0.99, hq)))]);
  }));
}

function renderSecurity(a, b) {
  var unauthorized = function (r) { return function (l) { return l.outcome === 'unauthorized' && l.reason === r; }; };
  fill('auth-body', labelValues(b, 'txgate_requests_total', 'reason').map(function (r) {
    return h('tr', { 'data-reason': r }, [td('reason', r, 'name'), td('window', fmtNum(increase(a, b, 'txgate_requests_total', unauthorized(r)))),
      td('total', fmtNum(total(b, 'txgate_requests_total', unauthorized(r))))]);
  }));
  fill('store-body', labelValues(b, 'txgate_store_calls_total', 'store').map(function (s) {
    var mine = function (l) { return l.store === s; };
    return h('tr', {}, [td('store', s, 'name'), td('calls', fmtRate(perSecond(a, b, 'txgate_store_calls_total', mine))),
      td('errors', fmtNum(total(b, 'txgate_store_errors_total', mine))),
      td('failopen', fmtNum(total(b, 'txgate_store_fail_open_total')))]);
  }));
}

function renderPublish(a, b) {
  fill('publish-body', labelValues(b, 'txgate_publish_total', 'publisher').map(function (p) {
    var mine = function (l) { return l.publisher === p; };
    var breaker = pick(b, 'txgate_breaker_state', mine)[0];
    var calls = increase(a, b, 'txgate_publish_total', mine);
    var recs = increase(a, b, 'txgate_publish_records_total', mine);
    return h('tr', { 'data-publisher': p }, [td('publisher', p, 'name'),
      td('records', fmtRate(perSecond(a, b, 'txgate_publish_records_total', function (l) { return l.publisher === p && l.result === 'ok'; }))),
      td('errors', fmtNum(total(b, 'txgate_publish_total', function (l) { return l.publisher === p && l.result === 'error'; }))),
      td('retries', fmtNum(total(b, 'txgate_publish_retries_total', mine))),
      td('batch', calls ? (recs / calls).toFixed(1) : '—'),
      td('breaker', breaker ? BREAKER[breaker.value] || String(breaker.value) : '—', breaker ? 'b-' + BREAKER[breaker.value] : '')]);
  }));
  var g = function (n) { var s = pick(b, n)[0]; return s ? s.value : NaN; };
  setText('spool-bytes', fmtBytes(g('txgate_spool_bytes')) + (isNaN(g('txgate_spool_max_bytes')) ? '' : ' of ' + fmtBytes(g('txgate_spool_max_bytes'))));
  setText('spool-records', fmtNum(g('txgate_spool_records')));
  setText('spool-age', fmtAge(g('txgate_spool_oldest_record_age_seconds')));
  setText('spool-replayed', fmtNum(g('txgate_spool_replayed_records_total')));
}

// A pull source's breaker (txgate_source_state: 1 for its current state); terminal needs an operator.
function renderSources(b) {
  fill('sources-body', labelValues(b, 'txgate_source_state', 'source').map(function (src) {
    var mine = function (l) { return l.source === src; };
    var current = pick(b, 'txgate_source_state', mine).filter(function (s) { return s.value === 1; })[0];
    var state = current ? current.labels.state : '—';
    var age = pick(b, 'txgate_source_checkpoint_age_seconds', mine)[0];
    return h('tr', { 'data-source': src }, [td('source', src, 'name'), td('state', state, 'name st-' + state),
      td('runs', fmtNum(total(b, 'txgate_source_runs_total', mine))),
      td('skipped', fmtNum(total(b, 'txgate_source_runs_total', function (l) { return l.source === src && l.outcome === 'skipped'; }))),
      td('failures', fmtNum(total(b, 'txgate_source_failures_total', mine))),
      td('rows', fmtNum(total(b, 'txgate_source_rows_total', mine))),
      td('bytes', fmtBytes(total(b, 'txgate_source_bytes_total', mine))),
      td('age', fmtAge(age ? age.value : undefined))]);
  }));
}

function renderActivity(b) {
  fill('dlq-body', b.data.activity.dlq.map(function (d) {
    return h('tr', {}, [td('at', d.at.slice(11, 19)), td('provider', d.provider, 'name'), td('source', d.source),
      td('type', d.event_type), td('reason', d.reason, 'reason')]);
  }));
  fill('jobs-body', b.data.activity.jobs.map(function (j) {
    var pct = j.total_bytes ? Math.min(100, 100 * j.bytes_read / j.total_bytes) : undefined;
    var bar = h('div', { class: 'progress' }, [h('span', { style: 'width:' + (pct === undefined ? 100 : pct) + '%', class: pct === undefined && j.state === 'running' ? 'indeterminate' : '' })]);
    return h('tr', { 'data-job': j.id }, [td('job', j.name || j.id, 'name'), td('source', j.source), td('state', j.state, 's-' + j.state),
      h('td', { 'data-col': 'progress', title: pct === undefined ? '' : pct.toFixed(1) + ' %' }, [bar]),
      td('read', fmtNum(j.records_read)), td('published', fmtNum(j.published)), td('dlq', fmtNum(j.dlq)),
      td('rows', j.rows_per_sec === undefined ? '—' : fmtNum(j.rows_per_sec) + '/s')]);
  }));
}

function render() {
  var pair = windowPair(windowMs);
  var a = pair[0], b = pair[1];
  renderSummary(a, b); renderProviders(a, b); renderStages(a, b); renderSecurity(a, b); renderPublish(a, b); renderSources(b); renderActivity(b);
  setText('ports', 'store: ' + b.data.ports.store + ' · publisher: ' + b.data.ports.publisher +
    (b.data.metrics_enabled ? '' : ' · metrics are off (TXGATE_METRICS=off)'));
  setText('updated', new Date().toLocaleTimeString());
  document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
}

function poll() {
  fetch('dashboard/data', { headers: { accept: 'application/json' }, cache: 'no-store' })
    .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
    .then(function (data) { remember(indexData(data, Date.now())); render(); document.body.dataset.state = 'live'; })
    .catch(function (e) { document.body.dataset.state = 'stale'; setText('updated', 'not updating: ' + e.message); })
    .then(function () { setTimeout(poll, INTERVAL); });
}

var select = document.getElementById('window');
select.value = String(windowMs);
select.addEventListener('change', function () { windowMs = Number(select.value); if (history.length) render(); });
poll();
`

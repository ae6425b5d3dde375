/**
 * @module The dashboard's in-browser arithmetic, as script text (no build step on any runtime):
 * snapshots kept over the last minutes, counter increases, rates and histogram quantiles.
 */

// Plain ES2017 in a string: it runs in the operator's browser, not here. No template literals
// inside, so this file's own template literal stays simple.
export const CLIENT_MODEL_JS = String.raw`
var KEEP_MS = 15 * 60 * 1000;
var history = [];

function labelKey(labels) {
  return Object.keys(labels).sort().map(function (k) { return k + '=' + labels[k]; }).join(',');
}

function indexData(data, t) {
  var fams = {};
  data.families.forEach(function (f) {
    var byKey = {};
    f.series.forEach(function (s) { byKey[labelKey(s.labels)] = s; });
    fams[f.name] = { type: f.type, bounds: f.bounds || [], series: f.series, byKey: byKey };
  });
  return { t: t, fams: fams, data: data };
}

function remember(snap) {
  history.push(snap);
  while (history.length > 2 && snap.t - history[0].t > KEEP_MS) history.shift();
}

function pick(snap, name, pred) {
  var f = snap.fams[name];
  if (!f) return [];
  return f.series.filter(function (s) { return !pred || pred(s.labels); });
}

function total(snap, name, pred) {
  return pick(snap, name, pred).reduce(function (a, s) { return a + s.value; }, 0);
}

function labelValues(snap, name, label) {
  var seen = {};
  pick(snap, name).forEach(function (s) { if (s.labels[label] !== undefined) seen[s.labels[label]] = true; });
  return Object.keys(seen).sort();
}

/** Counter increase from a to b over the matching series; a restarted process counts from 0. */
function increase(a, b, name, pred) {
  if (a === b) return total(b, name, pred);
  var fa = a.fams[name];
  var sum = 0;
  pick(b, name, pred).forEach(function (s) {
    var prev = fa && fa.byKey[labelKey(s.labels)];
    var p = prev ? prev.value : 0;
    sum += s.value >= p ? s.value - p : s.value;
  });
  return sum;
}

/** Cumulative bucket counts (the last one +Inf) observed between a and b, summed over series. */
function bucketIncrease(a, b, name, pred) {
  var f = b.fams[name];
  if (!f) return { bounds: [], cum: [] };
  var cum = new Array(f.bounds.length + 1).fill(0);
  var fa = a === b ? undefined : a.fams[name];
  pick(b, name, pred).forEach(function (s) {
    var prev = fa && fa.byKey[labelKey(s.labels)];
    var reset = prev && prev.value > s.value;
    for (var i = 0; i < cum.length; i++) {
      cum[i] += s.buckets[i] - (prev && !reset ? prev.buckets[i] : 0);
    }
  });
  return { bounds: f.bounds, cum: cum };
}

/** Like PromQL histogram_quantile: linear within the bucket that holds the rank. */
function quantile(q, h) {
  var n = h.cum[h.cum.length - 1];
  if (!n) return NaN;
  var rank = q * n;
  for (var i = 0; i < h.cum.length; i++) {
    if (h.cum[i] < rank) continue;
    if (i === h.bounds.length) return h.bounds[h.bounds.length - 1];
    var lo = i === 0 ? 0 : h.bounds[i - 1];
    var below = i === 0 ? 0 : h.cum[i - 1];
    var inBucket = h.cum[i] - below;
    return inBucket > 0 ? lo + ((h.bounds[i] - lo) * (rank - below)) / inBucket : h.bounds[i];
  }
  return NaN;
}

/** The oldest snapshot within the window, and the newest. */
function windowPair(windowMs) {
  var b = history[history.length - 1];
  var a = b;
  for (var i = history.length - 1; i >= 0 && b.t - history[i].t <= windowMs; i--) a = history[i];
  return [a, b];
}

function perSecond(a, b, name, pred) {
  return a === b ? NaN : increase(a, b, name, pred) / ((b.t - a.t) / 1000);
}

/** Per-poll rates within the window, for a sparkline. */
function rateSeries(windowMs, name, pred) {
  var out = [];
  var last = history[history.length - 1];
  for (var i = 1; i < history.length; i++) {
    if (last.t - history[i - 1].t > windowMs) continue;
    out.push(perSecond(history[i - 1], history[i], name, pred));
  }
  return out;
}

function fmtNum(x) {
  if (x === undefined || isNaN(x)) return '—';
  if (x >= 1e6) return (x / 1e6).toFixed(1) + 'M';
  if (x >= 1e4) return (x / 1e3).toFixed(1) + 'k';
  return String(Math.round(x));
}
function fmtRate(x) {
  if (isNaN(x)) return '—';
  return x >= 100 ? fmtNum(x) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
function fmtSec(s) {
  if (isNaN(s)) return '—';
  return s < 1 ? (s * 1000).toFixed(s < 0.01 ? 2 : 1) + ' ms' : s.toFixed(2) + ' s';
}
function fmtBytes(b) {
  if (b === undefined || isNaN(b)) return '—';
  var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  var i = 0;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return (i === 0 ? String(b) : b.toFixed(1)) + ' ' + u[i];
}
function fmtAge(s) {
  if (s === undefined || isNaN(s)) return '—';
  if (s < 120) return Math.round(s) + ' s';
  if (s < 7200) return Math.round(s / 60) + ' min';
  return (s / 3600).toFixed(1) + ' h';
}
`

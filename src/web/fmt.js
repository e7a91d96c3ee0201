// fmt.js — how values, times and series names are shown, and how a series
// is named in URLs: a series is its metric plus its tags, keyed as the
// server keys it ("metric;k=v;k2=v2", tags sorted).

export function seriesKey(metric, tags) {
  const ks = Object.keys(tags || {}).sort();
  return ks.length ? metric + ';' + ks.map(k => k + '=' + tags[k]).join(';') : metric;
}

// Query parameters that pick one series: the metric and every tag as
// tag=NAME:VALUE, which works whatever the tag is called, and exact=1 so
// the server neither folds in series with more tags nor reads globs.
export function seriesParams(metric, tags) {
  const p = [['metric', metric]];
  for (const k of Object.keys(tags || {}).sort()) p.push(['tag', k + ':' + tags[k]]);
  p.push(['exact', '1']);
  return p;
}

export function seriesHref(metric, tags) {
  return 'series?' + new URLSearchParams(seriesParams(metric, tags)).toString();
}

export function tagsText(tags, skip) {
  return Object.keys(tags || {}).sort().filter(k => k !== skip).map(k => k + '=' + tags[k]).join(' ');
}

export function fmtNum(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e15 || a < 1e-4)) return v.toExponential(3);
  if (a >= 1e5) return String(Math.round(v));
  return String(+v.toPrecision(6));
}

export function fmtLoc(v) {
  return Array.isArray(v) ? v[0].toFixed(5) + ', ' + v[1].toFixed(5) : '–';
}

export function fmtValue(type, v) {
  if (type === 'number') return fmtNum(v);
  if (type === 'location') return fmtLoc(v);
  return v === null || v === undefined ? '–' : String(v);
}

const pad = n => String(n).padStart(2, '0');

// seconds → "14:03:07" today, "2024-05-01 14:03" otherwise (local time)
export function fmtTime(t) {
  if (t === null || t === undefined) return '';
  const d = new Date(t * 1000), now = new Date();
  const hm = pad(d.getHours()) + ':' + pad(d.getMinutes());
  if (d.toDateString() === now.toDateString()) return hm + ':' + pad(d.getSeconds());
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + hm;
}

export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
}

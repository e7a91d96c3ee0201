// fmt.js — how values, times and series names are shown, and how a series
// is named in URLs: a series is its metric plus its tags, keyed as the
// server keys it ("metric;k=v;k2=v2", tags sorted). Times are local and
// 24-hour everywhere, as on the chart axes.
import { fmtUnit, PLAIN } from './units.js';

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

export const fmtNum = v => fmtUnit(PLAIN, v);

export function fmtLoc(v) {
  return Array.isArray(v) ? v[0].toFixed(5) + ', ' + v[1].toFixed(5) : '–';
}

// unit: from unitOf (numbers only)
export function fmtValue(type, v, unit) {
  if (type === 'number') return fmtUnit(unit || PLAIN, v);
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
  return ymd(d) + ' ' + hm;
}

const ymd = d => d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());

// to the second, always (hover legends): "14:03:07", "2024-05-01 14:03:07"
export function fmtTimeFull(t) {
  if (t === null || t === undefined) return '';
  const d = new Date(t * 1000), now = new Date();
  const hms = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  return d.toDateString() === now.toDateString() ? hms : ymd(d) + ' ' + hms;
}

// "40 s", "12 min", "3 h", "5 d": how long ago, roughly
export function fmtAge(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return s + ' s';
  if (s < 5400) return Math.round(s / 60) + ' min';
  if (s < 129600) return Math.round(s / 3600) + ' h';
  return Math.round(s / 86400) + ' d';
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

// overlay.js — several number series on one page: the series of a glob
// (series?match=GLOB, tag filters as tag=K:V) and/or a selection
// (series?sel=KEY&sel=KEY, keys as fmt.js writes them), each its own line
// with a legend that shows every value at the hovered time. With split=1
// each series gets its own chart, stacked; the charts share the crosshair
// (uPlot's cursor sync) and the time range (a drag on one zooms them all).
// All series are fetched on the same bucket grid, so their points line up.
import { getJSON } from './api.js';
import { fitWidth, lineColor, makeChart, onTheme } from './chart.js';
import { el, seriesHref, seriesKey, seriesParams } from './fmt.js';
import { withGaps, typicalStep } from './gaps.js';
import { markDirty, showState, stream } from './live.js';
import { rangeParams, rangePicker, readRange, roomBelow, span, stepFor } from './ranges.js';
import { PLAIN, unitOf } from './units.js';

export const MAX_LINES = 24;
const BUCKETS = 600, MIN_HEIGHT = 200, MIN_SPLIT_HEIGHT = 110, SYNC = 'tm-overlay';

// "metric;k=v;k2=v2" → [metric, tags]
function parseKey(key) {
  const [metric, ...kvs] = key.split(';');
  const tags = {};
  for (const kv of kvs) { const i = kv.indexOf('='); if (i > 0) tags[kv.slice(0, i)] = kv.slice(i + 1); }
  return [metric, tags];
}

export const wantsOverlay = q => q.has('match') || q.has('sel');

// the part of each series' name that tells it from the others: the nodes
// where the metrics differ, and the tags whose values differ
export function labels(series) {
  const split = series.map(s => s.metric.split('.'));
  const same = i => split.every(n => n[i] === split[0][i]);
  let head = 0, tail = 0;
  const shortest = Math.min(...split.map(n => n.length));
  while (head < shortest - 1 && same(head)) head++;
  while (tail < shortest - head - 1 && split.every(n => n[n.length - 1 - tail] === split[0][split[0].length - 1 - tail])) tail++;
  const keys = [...new Set(series.flatMap(s => Object.keys(s.tags)))].sort();
  const varying = keys.filter(k => !series.every(s => s.tags[k] === series[0].tags[k]));
  return series.map((s, i) => {
    const n = split[i], mid = series.length > 1 ? n.slice(head, n.length - tail).join('.') : s.metric;
    const tags = varying.map(k => k + '=' + (s.tags[k] === undefined ? '' : s.tags[k])).join(' ');
    return [series.length > 1 && split.every(x => x.join('.') === n.join('.')) ? '' : mid, tags].filter(Boolean).join(' ') || s.metric;
  });
}

// the selection first (a series page's own series leads), then the glob's
async function resolve(q) {
  const found = new Map();
  for (const key of q.getAll('sel')) {
    const [metric, tags] = parseKey(key);
    const p = [['match', metric]].concat(seriesParams(metric, tags).slice(1));
    for (const s of await getJSON('api/v1/metrics', p)) found.set(seriesKey(s.metric, s.tags), s);
  }
  if (q.has('match')) {
    const p = [['match', q.get('match')]];
    for (const t of q.getAll('tag')) p.push(['tag', t]);
    for (const s of await getJSON('api/v1/metrics', p)) if (!found.has(seriesKey(s.metric, s.tags))) found.set(seriesKey(s.metric, s.tags), s);
  }
  return [...found.values()].filter(s => s.type === 'number');
}

export async function overlayPage(main) {
  const q = new URLSearchParams(location.search);
  const all = await resolve(q);
  if (!all.length) {
    main.replaceChildren(el('p', { class: 'note' }, 'No number series match ', el('code', null, q.get('match') || q.getAll('sel').join(', ')), '.'));
    return;
  }
  const view = new OverlayView(main, q, all.slice(0, MAX_LINES), all.length);
  onTheme(() => view.rebuild());
  const keys = new Map(view.series.map((s, i) => [s.key, i]));
  stream([], s => {
    const i = keys.get(seriesKey(s.metric, s.tags));
    if (i !== undefined) view.live(i, s.time, s.value);
  }, showState, () => { if (view.st.range) view.reload(); });
  window.tidemark.overlay = view;
  await view.reload();
}

class OverlayView {
  constructor(main, q, series, total) {
    this.q = q;
    this.st = { ...readRange(q), split: q.get('split') === '1' };
    const names = labels(series);
    this.series = series.map((s, i) => ({ ...s, key: seriesKey(s.metric, s.tags), label: names[i], t: [], v: [] }));
    const units = new Set(this.series.map(s => JSON.stringify(unitOf(s.metric, s.tags))));
    this.unit = units.size === 1 ? unitOf(series[0].metric, series[0].tags) : PLAIN;
    this.charts = [];
    this.visible = true;
    this.gen = 0;
    this.build(main, total);
  }

  build(main, total) {
    this.picker = rangePicker(this.st, () => this.reload(), t => this.note(t));
    this.splitBox = el('input', { type: 'checkbox', class: 'split-toggle', onchange: () => this.setSplit(this.splitBox.checked) });
    this.splitBox.checked = this.st.split;
    this.msg = el('p', { class: 'note', hidden: total <= MAX_LINES }, `Showing ${MAX_LINES} of ${total} series; narrow the glob to see the others.`);
    this.err = el('p', { class: 'note', hidden: true });
    this.body = el('div', { class: 'plot overlay' });
    const what = this.q.get('match') || `${this.series.length} series`;
    document.title = what + ' · tidemark';
    const links = this.series.map((s, i) => el('a', { href: seriesHref(s.metric, s.tags), title: s.key, style: `--c:${lineColor(i)}` }, s.label));
    main.replaceChildren(el('section', { class: 'series-page overlay-page' },
      el('h1', null, what, el('span', { class: 'type' }, this.series.length + ' series')),
      el('div', { class: 'controls' }, this.picker.buttons, el('label', { class: 'toggle' }, this.splitBox, ' one chart each')),
      this.picker.form, this.msg, this.err, this.body, el('nav', { class: 'overlay-series' }, ...links)));
  }

  note(text) {
    this.err.textContent = text || '';
    this.err.hidden = !text;
  }

  writeState() {
    const p = [];
    for (const k of ['match', 'tag', 'sel']) for (const v of this.q.getAll(k)) p.push([k, v]);
    p.push(...rangeParams(this.st));
    if (this.st.split) p.push(['split', '1']);
    history.replaceState(null, '', 'series?' + new URLSearchParams(p));
  }

  setSplit(on) {
    this.st.split = on;
    this.writeState();
    this.rebuild();
  }

  zoomTo(from, until) {
    Object.assign(this.st, { range: null, from, until });
    this.reload();
  }

  async reload() {
    const gen = ++this.gen, [from, until] = span(this.st);
    this.picker.show();
    this.writeState();
    const grid = [['from', from.toFixed(3)], ['until', until.toFixed(3)], ['step', stepFor(from, until, BUCKETS)], ['agg', 'avg']];
    try {
      const rs = await Promise.all(this.series.map(s => getJSON('api/v1/query', seriesParams(s.metric, s.tags).concat(grid))));
      if (gen !== this.gen) return;
      rs.forEach((r, i) => { this.series[i].t = r.points.map(p => p[0]); this.series[i].v = r.points.map(p => p[1]); });
      this.loadedTo = until;
      this.note('');
    } catch (e) {
      if (gen === this.gen) this.note('Could not load the series: ' + e.message);
    }
    this.rebuild();
  }

  // a sample from the stream, while the range is "the last X"
  live(i, t, v) {
    const s = this.series[i], n = s.t.length;
    if (!this.st.range || t <= this.loadedTo || (n && t <= s.t[n - 1])) return;
    s.t.push(t);
    s.v.push(v);
    markDirty(this);
  }

  rebuild() {
    for (const u of this.charts) u.destroy();
    for (const f of this.fits || []) f.disconnect();
    this.charts = [];
    this.fits = [];
    this.body.replaceChildren();
    markDirty(this);
  }

  // each series with its gaps, on one x axis (undefined where another
  // series has a point and this one none: not a gap)
  joined() {
    // eslint-disable-next-line no-undef
    return uPlot.join(this.series.map(s => withGaps(s.t, [s.v], typicalStep(s.t))));
  }

  draw() {
    const width = Math.floor(this.body.clientWidth);
    if (!width) return;
    const [from] = span(this.st);
    for (const s of this.series) {
      let k = 0;
      while (k < s.t.length && s.t[k] < from) k++;
      if (k) { s.t.splice(0, k); s.v.splice(0, k); }
    }
    if (this.st.split) this.drawSplit(width);
    else this.drawOne(width);
  }

  drawOne(width) {
    const data = this.joined();
    if (this.charts.length) { this.charts[0].batch(() => this.charts[0].setData(data)); return; }
    const box = el('div', { class: 'chart' });
    this.body.append(box);
    const u = makeChart(box, data, { width, height: MIN_HEIGHT, lines: this.series.map(s => s.label), unit: this.unit,
      xRange: () => span(this.st), onSelect: (a, b) => this.zoomTo(a, b) });
    this.charts.push(u);
    const height = () => roomBelow(box, u.root.querySelector('.u-legend').offsetHeight, MIN_HEIGHT);
    u.setSize({ width, height: height() });
    this.fits.push(fitWidth(box, () => u, height));
  }

  drawSplit(width) {
    const n = this.series.length;
    if (this.charts.length) {
      this.series.forEach((s, i) => this.charts[i].batch(() => this.charts[i].setData(withGaps(s.t, [s.v], typicalStep(s.t)))));
      return;
    }
    this.series.forEach((s, i) => {
      const box = el('div', { class: 'chart' });
      this.body.append(box);
      const u = makeChart(box, withGaps(s.t, [s.v], typicalStep(s.t)), { width, height: MIN_SPLIT_HEIGHT, lines: [s.label],
        colorFrom: i, unit: unitOf(s.metric, s.tags), sync: SYNC, xRange: () => span(this.st), onSelect: (a, b) => this.zoomTo(a, b) });
      this.charts.push(u);
    });
    // the window's room shared out (legends measured each time: they wrap
    // with the width); each chart keeps a readable minimum
    const height = () => {
      let legends = 0;
      for (const u of this.charts) legends += u.root.querySelector('.u-legend').offsetHeight + 8;
      return Math.max(MIN_SPLIT_HEIGHT, Math.floor((roomBelow(this.body, 0, 0) - legends) / n));
    };
    this.charts.forEach((u, i) => { u.setSize({ width, height: height() }); this.fits.push(fitWidth(this.body.children[i], () => u, height)); });
  }
}

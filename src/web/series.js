// series.js — one series' page: its history over a range picked from
// "last 5m" to "last 1y" or a custom one (or by dragging across the chart
// to zoom), min/max/avg of the range, a sequential (index) x-axis toggle and
// the JSON export link. Relative ranges keep following the live stream.
// Numbers are fetched as buckets (~800 over the range) of avg, min, max and
// count, so the band and the stats are exact whatever the range.
import { getJSON, url, withToken } from './api.js';
import { fitWidth, makeChart, onTheme } from './chart.js';
import { el, fmtAge, fmtTime, fmtValue, seriesKey, seriesParams, tagsText } from './fmt.js';
import { staleAfter, typicalStep, withGaps } from './gaps.js';
import { markDirty, showState, stream } from './live.js';
import { deleteSeries } from './delete.js';
import { overlayPage, wantsOverlay } from './overlay.js';
import { rangeParams, rangePicker, readRange, roomBelow, span, stepFor } from './ranges.js';
import { drawTrack, located, tileTemplate } from './track.js';
import { fmtUnit, unitOf } from './units.js';

const BUCKETS = 800;
const MAX_ROWS = 1000;
const MIN_HEIGHT = 200;
const STALE_CHECK_MS = 5000;

function readState() {
  const q = new URLSearchParams(location.search);
  const tags = {};
  for (const t of q.getAll('tag')) {
    const i = t.indexOf(':');
    if (i > 0) tags[t.slice(0, i)] = t.slice(i + 1);
  }
  return { metric: q.get('metric') || '', tags, ...readRange(q), index: q.get('index') === '1' };
}

function writeState(st) {
  const p = seriesParams(st.metric, st.tags).concat(rangeParams(st));
  if (st.index) p.push(['index', '1']);
  history.replaceState(null, '', 'series?' + new URLSearchParams(p));
}

export async function seriesPage(main) {
  if (wantsOverlay(new URLSearchParams(location.search))) return overlayPage(main);
  const st = readState();
  if (!st.metric) {
    main.replaceChildren(el('p', { class: 'note' }, 'No series given. Pick one on the ', el('a', { href: './' }, 'home page'), '.'));
    return;
  }
  const key = seriesKey(st.metric, st.tags);
  const list = await getJSON('api/v1/metrics', [['match', st.metric]].concat(seriesParams(st.metric, st.tags).slice(1)));
  const info = list.find(s => seriesKey(s.metric, s.tags) === key);
  if (!info) {
    main.replaceChildren(el('p', { class: 'note' }, 'No series ', el('code', null, key), ' on this server.'));
    return;
  }
  document.title = key + ' · tidemark';
  const view = new SeriesView(main, st, info);
  onTheme(() => view.rebuild());
  const live = stream(seriesParams(st.metric, st.tags), s => {
    if (seriesKey(s.metric, s.tags) === key) view.live(s.time, s.value);
  }, showState, () => { if (view.st.range) view.reload(); });
  view.onDeleted = () => {
    live.close();
    main.replaceChildren(el('p', { class: 'note deleted' }, 'Deleted ', el('code', null, key), '. Back to the ', el('a', { href: './' }, 'home page'), '.'));
  };
  window.tidemark.series = view;
  setInterval(() => view.showStale(), STALE_CHECK_MS);
  await view.reload();
}

class SeriesView {
  constructor(main, st, info) {
    this.st = st;
    this.info = info;
    this.type = info.type;
    this.visible = true;
    this.unit = unitOf(info.metric, info.tags);
    this.lastSeen = info.last_time;
    this.gen = 0;
    this.clear();
    this.build(main);
  }

  clear() {
    this.t = [];
    this.avg = [];
    this.min = [];
    this.max = [];
    this.cnt = [];
    this.loadedTo = -Infinity;
  }

  build(main) {
    const st = this.st, tags = tagsText(st.tags);
    this.picker = rangePicker(st, () => this.reload(), t => this.note(t));
    this.indexBox = el('input', { type: 'checkbox', class: 'index-toggle', onchange: () => this.setIndex(this.indexBox.checked) });
    this.indexBox.checked = st.index;
    this.exportLink = el('a', { class: 'export', target: '_blank', rel: 'noopener' }, 'JSON export');
    this.stats = el('dl', { class: 'stats' });
    this.staleNote = el('span', { class: 'stale-note', hidden: true });
    this.msg = el('p', { class: 'note', hidden: true });
    this.body = el('div', { class: 'plot' });
    const globIn = el('input', { type: 'search', name: 'overlay', placeholder: 'overlay: a glob, e.g. ' + (st.metric.includes('.') ? st.metric.replace(/[^.]+$/, '*') : st.metric + '*'),
      'aria-label': 'overlay the series of a glob' });
    const overlay = el('form', { class: 'overlay-form', onsubmit: e => {
      e.preventDefault();
      if (!globIn.value.trim()) return;
      const p = [['sel', seriesKey(st.metric, st.tags)], ['match', globIn.value.trim()]].concat(rangeParams(st));
      location.href = 'series?' + new URLSearchParams(p);
    } }, globIn, el('button', { type: 'submit' }, 'overlay'));
    main.replaceChildren(el('section', { class: 'series-page', 'data-type': this.type },
      el('h1', null, st.metric, tags ? el('span', { class: 'tags' }, tags) : null, el('span', { class: 'type' }, this.type),
        this.staleNote),
      el('div', { class: 'controls' }, this.picker.buttons,
        this.type === 'number' ? el('label', { class: 'toggle' }, this.indexBox, ' sequential x-axis') : null, this.exportLink,
        this.type === 'number' ? overlay : null,
        el('button', { type: 'button', class: 'delete', onclick: () => this.remove() }, 'delete…')),
      this.picker.form, this.stats, this.msg, this.body));
    if (this.type === 'location') {
      this.canvas = el('canvas', { class: 'track big-track' });
      this.body.append(this.canvas);
      this.tiles = tileTemplate();
      new ResizeObserver(() => markDirty(this)).observe(this.canvas);
      addEventListener('resize', () => markDirty(this));
    } else if (this.type === 'string') {
      this.table = el('table', { class: 'events-table' });
      this.body.append(this.table);
    }
  }

  async remove() {
    if (await deleteSeries(this.st.metric, this.st.tags, t => this.note(t)) && this.onDeleted) this.onDeleted();
  }

  zoomTo(from, until) {
    Object.assign(this.st, { range: null, from, until });
    this.reload();
  }

  setIndex(on) {
    this.st.index = on;
    writeState(this.st);
    this.rebuild();
  }

  note(text) {
    this.msg.textContent = text || '';
    this.msg.hidden = !text;
  }

  controls() {
    const st = this.st, [from, until] = span(st);
    this.picker.show();
    const p = seriesParams(st.metric, st.tags).slice(1);
    p.push(['from', st.range ? '-' + st.range : from.toFixed(3)]);
    if (!st.range) p.push(['until', until.toFixed(3)]);
    this.exportLink.href = url('api/v1/data/' + encodeURIComponent(st.metric), withToken(p));
    writeState(st);
  }

  async reload() {
    const gen = ++this.gen, st = this.st, [from, until] = span(st);
    this.controls();
    const base = seriesParams(st.metric, st.tags).concat([['from', from.toFixed(3)], ['until', until.toFixed(3)]]);
    try {
      if (this.type === 'number') {
        const step = stepFor(from, until, BUCKETS);
        const q = agg => getJSON('api/v1/query', base.concat([['step', step], ['agg', agg]]));
        const [a, lo, hi, n] = await Promise.all([q('avg'), q('min'), q('max'), q('count')]);
        if (gen !== this.gen) return;
        this.fill(a.points, lo.points, hi.points, n.points);
      } else {
        const r = await getJSON('api/v1/query', base);
        if (gen !== this.gen) return;
        this.clear();
        for (const [t, v] of r.points) this.append(t, v);
      }
      this.loadedTo = until;
      this.note('');
    } catch (e) {
      if (gen === this.gen) this.note('Could not load the series: ' + e.message);
    }
    this.rebuild();
  }

  fill(avg, lo, hi, cnt) {
    this.clear();
    const byT = pts => new Map(pts.map(p => [p[0], p[1]]));
    const mlo = byT(lo), mhi = byT(hi), mn = byT(cnt);
    for (const [t, v] of avg) {
      this.t.push(t);
      this.avg.push(v);
      this.min.push(mlo.has(t) ? mlo.get(t) : v);
      this.max.push(mhi.has(t) ? mhi.get(t) : v);
      this.cnt.push(mn.get(t) || 1);
    }
  }

  append(t, v) {
    this.t.push(t);
    this.avg.push(v);
    this.min.push(v);
    this.max.push(v);
    this.cnt.push(1);
  }

  // a sample from the stream: kept while the range is "the last X"
  live(t, v) {
    if (this.lastSeen === null || t > this.lastSeen) this.lastSeen = t;
    if (!this.st.range || t <= this.loadedTo) return;
    const n = this.t.length;
    if (n && t < this.t[n - 1]) return; // late: the next reload has it
    this.append(t, v);
    const [from] = span(this.st);
    let k = 0;
    while (k < this.t.length && this.t[k] < from) k++;
    if (k) for (const a of [this.t, this.avg, this.min, this.max, this.cnt]) a.splice(0, k);
    markDirty(this);
  }

  rebuild() {
    if (this.u) this.u.destroy();
    this.u = null;
    markDirty(this);
  }

  draw() {
    this.showStats();
    if (this.type === 'location') {
      const room = roomBelow(this.canvas, 0, MIN_HEIGHT) + 'px'; // the track, too, takes the window's height
      if (this.canvas.style.height !== room) this.canvas.style.height = room;
      const [pts, times] = located(this.t, this.avg);
      this.lastTrack = drawTrack(this.canvas, pts, { times, tiles: this.tiles, onTile: () => markDirty(this) });
    } else if (this.type === 'string') {
      this.drawTable();
    } else {
      this.drawChart();
    }
  }

  // the sequential axis closes gaps on purpose; the time axis breaks the line there
  drawChart() {
    const idx = this.st.index;
    const data = idx ? [this.t.map((_, i) => i), this.avg, this.min, this.max]
      : withGaps(this.t, [this.avg, this.min, this.max], typicalStep(this.t));
    if (this.u) {
      this.u.batch(() => this.u.setData(data));
      return;
    }
    const width = Math.floor(this.body.clientWidth);
    if (!width) return;
    this.u = makeChart(this.body, data, {
      width, height: this.height(), band: true, label: 'avg', unit: this.unit, index: idx ? this.t : null,
      xRange: idx ? null : () => span(this.st),
      onSelect: (x0, x1) => this.zoomTo(...(idx ? [this.t[Math.max(0, Math.floor(x0))], this.t[Math.min(this.t.length - 1, Math.ceil(x1))]] : [x0, x1])),
    });
    this.u.setSize({ width, height: this.height() }); // now that its legend is there to measure
    this.ro = this.ro || fitWidth(this.body, () => this.u, () => this.height());
  }

  // the window's height, less what is above the chart and its legend below
  height() {
    const legend = this.u ? this.u.root.querySelector('.u-legend') : null;
    return roomBelow(this.body, legend ? legend.offsetHeight : 30, MIN_HEIGHT);
  }

  drawTable() {
    const n = this.t.length, rows = [];
    for (let i = n - 1; i >= 0 && rows.length < MAX_ROWS; i--) {
      rows.push(el('tr', null, el('td', null, el('time', null, fmtTime(this.t[i]))), el('td', null, fmtValue('string', this.avg[i]))));
    }
    this.table.replaceChildren(el('thead', null, el('tr', null, el('th', null, 'time'), el('th', null, 'event'))), el('tbody', null, ...rows));
    if (n > MAX_ROWS) this.note(`Showing the newest ${MAX_ROWS} of ${n} events; the JSON export has them all.`);
  }

  showStats() {
    let lo = Infinity, hi = -Infinity, sum = 0, count = 0;
    if (this.type === 'number') {
      for (let i = 0; i < this.t.length; i++) {
        if (this.avg[i] === null) continue;
        if (this.min[i] !== null && this.min[i] < lo) lo = this.min[i];
        if (this.max[i] !== null && this.max[i] > hi) hi = this.max[i];
        sum += this.avg[i] * this.cnt[i];
        count += this.cnt[i];
      }
    } else {
      count = this.t.length;
    }
    const dd = (name, v) => [el('dt', null, name), el('dd', { 'data-stat': name }, v)];
    const [from, until] = span(this.st), f = v => fmtUnit(this.unit, v);
    this.showStale();
    this.stats.replaceChildren(
      ...(this.type === 'number' ? [...dd('min', count ? f(lo) : '–'), ...dd('max', count ? f(hi) : '–'),
        ...dd('avg', count ? f(sum / count) : '–')] : []),
      ...dd(this.type === 'number' ? 'samples' : 'points', String(count)),
      ...dd('range', fmtTime(from) + ' – ' + fmtTime(until)));
  }

  // a series that stopped reporting says so, whatever the range shows
  showStale() {
    const now = Date.now() / 1000, last = this.lastSeen;
    const stale = this.type !== 'string' && last !== null && last !== undefined && now - last > staleAfter(typicalStep(this.t));
    this.staleNote.hidden = !stale;
    if (stale) this.staleNote.textContent = `stopped reporting · last seen ${fmtTime(last)} (${fmtAge(now - last)} ago)`;
  }
}

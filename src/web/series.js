// series.js — one series' page: its history over a range picked from
// "last 5m" to "last 1y" or a custom one (or by dragging across the chart
// to zoom), min/max/avg of the range, a sequential (index) x-axis toggle and
// the JSON export link. Relative ranges keep following the live stream.
// Numbers are fetched as buckets (~800 over the range) of avg, min, max and
// count, so the band and the stats are exact whatever the range.
import { getJSON, url, withToken } from './api.js';
import { fitWidth, makeChart, onTheme } from './chart.js';
import { el, fmtNum, fmtTime, fmtValue, seriesKey, seriesParams, tagsText } from './fmt.js';
import { markDirty, showState, stream } from './live.js';
import { drawTrack, tileTemplate } from './track.js';

const RANGES = [['5m', 300], ['15m', 900], ['1h', 3600], ['6h', 21600], ['24h', 86400], ['7d', 604800],
  ['30d', 2592000], ['1y', 31536000]];
const BUCKETS = 800;
const MAX_ROWS = 1000;

function readState() {
  const q = new URLSearchParams(location.search);
  const tags = {};
  for (const t of q.getAll('tag')) {
    const i = t.indexOf(':');
    if (i > 0) tags[t.slice(0, i)] = t.slice(i + 1);
  }
  const from = parseFloat(q.get('from')), until = parseFloat(q.get('until'));
  const custom = Number.isFinite(from) && Number.isFinite(until) && until > from;
  const range = RANGES.some(r => r[0] === q.get('range')) ? q.get('range') : '1h';
  return { metric: q.get('metric') || '', tags, range: custom ? null : range, from, until, index: q.get('index') === '1' };
}

function writeState(st) {
  const p = seriesParams(st.metric, st.tags);
  if (st.range) p.push(['range', st.range]);
  else p.push(['from', st.from.toFixed(3)], ['until', st.until.toFixed(3)]);
  if (st.index) p.push(['index', '1']);
  history.replaceState(null, '', 'series?' + new URLSearchParams(p));
}

// [from, until] in seconds for the state, now
function span(st) {
  if (!st.range) return [st.from, st.until];
  const now = Date.now() / 1000;
  return [now - RANGES.find(r => r[0] === st.range)[1], now];
}

const toLocalInput = t => {
  const d = new Date(t * 1000 - new Date(t * 1000).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 19);
};

export async function seriesPage(main) {
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
  stream(seriesParams(st.metric, st.tags), s => {
    if (seriesKey(s.metric, s.tags) === key) view.live(s.time, s.value);
  }, showState, () => { if (view.st.range) view.reload(); });
  window.tidemark.series = view;
  await view.reload();
}

class SeriesView {
  constructor(main, st, info) {
    this.st = st;
    this.info = info;
    this.type = info.type;
    this.visible = true;
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
    this.buttons = RANGES.map(([name]) => el('button', { type: 'button', 'data-range': name,
      onclick: () => this.setRange(name) }, name));
    this.customBtn = el('button', { type: 'button', 'data-range': 'custom', onclick: () => { this.custom.hidden = !this.custom.hidden; } }, 'custom');
    this.fromIn = el('input', { type: 'datetime-local', step: '1', name: 'from', 'aria-label': 'from' });
    this.untilIn = el('input', { type: 'datetime-local', step: '1', name: 'until', 'aria-label': 'until' });
    this.custom = el('form', { class: 'custom', hidden: true, onsubmit: e => { e.preventDefault(); this.applyCustom(); } },
      el('label', null, 'from ', this.fromIn), el('label', null, 'until ', this.untilIn), el('button', { type: 'submit' }, 'apply'));
    this.indexBox = el('input', { type: 'checkbox', class: 'index-toggle', onchange: () => this.setIndex(this.indexBox.checked) });
    this.indexBox.checked = st.index;
    this.exportLink = el('a', { class: 'export', target: '_blank', rel: 'noopener' }, 'JSON export');
    this.stats = el('dl', { class: 'stats' });
    this.msg = el('p', { class: 'note', hidden: true });
    this.body = el('div', { class: 'plot' });
    main.replaceChildren(el('section', { class: 'series-page', 'data-type': this.type },
      el('h1', null, st.metric, tags ? el('span', { class: 'tags' }, tags) : null, el('span', { class: 'type' }, this.type)),
      el('div', { class: 'controls' }, el('div', { class: 'ranges', role: 'group', 'aria-label': 'time range' }, ...this.buttons, this.customBtn),
        this.type === 'number' ? el('label', { class: 'toggle' }, this.indexBox, ' sequential x-axis') : null, this.exportLink),
      this.custom, this.stats, this.msg, this.body));
    if (this.type === 'location') {
      this.canvas = el('canvas', { class: 'track big-track' });
      this.body.append(this.canvas);
      this.tiles = tileTemplate();
      new ResizeObserver(() => markDirty(this)).observe(this.canvas);
    } else if (this.type === 'string') {
      this.table = el('table', { class: 'events-table' });
      this.body.append(this.table);
    }
  }

  setRange(name) {
    Object.assign(this.st, { range: name });
    this.custom.hidden = true;
    this.reload();
  }

  applyCustom() {
    const f = new Date(this.fromIn.value).getTime() / 1000, u = new Date(this.untilIn.value).getTime() / 1000;
    if (!(f < u)) {
      this.note('The custom range needs "from" before "until".');
      return;
    }
    this.zoomTo(f, u);
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
    for (const b of this.buttons) b.classList.toggle('on', b.dataset.range === st.range);
    this.customBtn.classList.toggle('on', !st.range);
    this.fromIn.value = toLocalInput(from);
    this.untilIn.value = toLocalInput(until);
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
        const step = Math.max(1, Math.ceil(((until - from) * 1000) / BUCKETS)) + 'ms';
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
      drawTrack(this.canvas, this.avg.filter(p => Array.isArray(p)), { tiles: this.tiles, onTile: () => markDirty(this) });
    } else if (this.type === 'string') {
      this.drawTable();
    } else {
      this.drawChart();
    }
  }

  drawChart() {
    const idx = this.st.index;
    const xs = idx ? this.t.map((_, i) => i) : this.t;
    const data = [xs, this.avg, this.min, this.max];
    if (this.u) {
      this.u.batch(() => this.u.setData(data));
      return;
    }
    const width = Math.floor(this.body.clientWidth), height = window.innerWidth < 640 ? 240 : 340;
    if (!width) return;
    this.u = makeChart(this.body, data, {
      width, height, band: true, label: 'avg', index: idx ? this.t : null, xRange: idx ? null : () => span(this.st),
      onSelect: (x0, x1) => this.zoomTo(...(idx ? [this.t[Math.max(0, Math.floor(x0))], this.t[Math.min(this.t.length - 1, Math.ceil(x1))]] : [x0, x1])),
    });
    this.ro = this.ro || fitWidth(this.body, () => this.u, height);
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
    const [from, until] = span(this.st);
    this.stats.replaceChildren(
      ...(this.type === 'number' ? [...dd('min', count ? fmtNum(lo) : '–'), ...dd('max', count ? fmtNum(hi) : '–'),
        ...dd('avg', count ? fmtNum(sum / count) : '–')] : []),
      ...dd(this.type === 'number' ? 'samples' : 'points', String(count)),
      ...dd('range', fmtTime(from) + ' – ' + fmtTime(until)));
  }
}

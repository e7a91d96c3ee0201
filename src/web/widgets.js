// widgets.js — one card per series on the home page, with the widget its
// type calls for: numbers → a live line chart with the current value large,
// strings → a scrolling event list, locations → a track. A widget keeps its
// recent points (bounded) and draws only when the frame loop asks. A card
// names its series by the part that differs within its host group (the
// full name on hover) and greys out once the series stopped reporting.
import { makeChart, fitWidth } from './chart.js';
import { el, fmtAge, fmtTime, fmtValue, seriesHref, seriesKey, tagsText } from './fmt.js';
import { staleAfter, typicalStep, withGaps } from './gaps.js';
import { markDirty } from './live.js';
import { shortName } from './names.js';
import { drawTrack, located, tileTemplate } from './track.js';
import { unitOf } from './units.js';

export const CAP = { number: 300, string: 50, location: 2000 };
const STEP_EVERY = 32;

class Widget {
  // prefix: the namespace and host nodes of the name, left out on the card
  constructor(info, prefix) {
    this.info = info;
    this.type = info.type;
    this.key = seriesKey(info.metric, info.tags);
    this.cap = CAP[info.type] || 600;
    this.visible = false;
    this.loaded = false;
    this.t = []; // seconds, oldest first
    this.v = [];
    this.added = 0; // samples pushed or loaded, ever
    this.big = el('div', { class: 'big' }, '–');
    this.when = el('time', { class: 'when' });
    this.viz = el('div', { class: 'viz' });
    const tags = tagsText(info.tags, 'host'), [head, tail] = shortName(info.metric, prefix);
    this.el = el('article', { class: 'card', 'data-key': this.key, 'data-type': this.type },
      el('header', null, el('a', { class: 'name', href: seriesHref(info.metric, info.tags), title: this.key },
        head ? el('span', { class: 'head' }, head) : null, el('span', { class: 'tail' }, tail)),
        tags ? el('span', { class: 'tags' }, tags) : null, el('span', { class: 'type' }, this.type),
        info.type === 'number' ? el('input', { type: 'checkbox', class: 'pick', title: 'select to compare', 'aria-label': 'select ' + this.key }) : null),
      el('div', { class: 'now' }, this.big, this.when), this.viz);
    this.el.widget = this;
    if (info.last_time !== null && info.last_time !== undefined && info.last_value !== null) {
      this.push(info.last_time, info.last_value);
    }
  }

  // a live sample; a late one is put in its place, one at the same time replaces
  push(t, v) {
    const ts = this.t, n = ts.length;
    this.added++;
    if (!n || t > ts[n - 1]) {
      ts.push(t);
      this.v.push(v);
    } else {
      let i = n - 1;
      while (i > 0 && ts[i - 1] >= t) i--;
      if (ts[i] === t) this.v[i] = v;
      else {
        ts.splice(i, 0, t);
        this.v.splice(i, 0, v);
      }
    }
    if (ts.length > this.cap * 1.25) this.trim();
    markDirty(this);
  }

  // history [[t, v], ...], oldest first: what predates the live points
  load(points) {
    const first = this.t.length ? this.t[0] : Infinity;
    const old = points.filter(p => p[0] < first);
    this.added += old.length + STEP_EVERY; // a history: measure the spacing again
    this.t = old.map(p => p[0]).concat(this.t);
    this.v = old.map(p => p[1]).concat(this.v);
    this.trim();
    markDirty(this);
  }

  trim() {
    const k = this.t.length - this.cap;
    if (k > 0) {
      this.t.splice(0, k);
      this.v.splice(0, k);
    }
  }

  drawNow() {
    const n = this.t.length;
    this.big.textContent = n ? fmtValue(this.type, this.v[n - 1], this.unit) : '–';
    this.showWhen(Date.now() / 1000);
  }

  // the newest sample's time, or "last seen ... ago" once the series is stale
  showWhen(now) {
    const n = this.t.length, last = n ? this.t[n - 1] : null;
    // the usual spacing moves slowly: measured again every STEP_EVERY samples
    if (this.stepAt === undefined || this.added - this.stepAt >= STEP_EVERY || !this.step) {
      this.step = typicalStep(this.t);
      this.stepAt = this.added;
    }
    // events come when something happens, not on a clock: never stale
    const stale = last !== null && this.type !== 'string' && now - last > staleAfter(this.step);
    const text = last === null ? '' : stale ? `last seen ${fmtTime(last)} · ${fmtAge(now - last)} ago` : fmtTime(last);
    if (this.when.textContent !== text) this.when.textContent = text;
    if (stale !== this.el.classList.contains('stale')) this.el.classList.toggle('stale', stale);
  }

  rebuild() { markDirty(this); }
}

class NumberWidget extends Widget {
  constructor(info, prefix) {
    super(info, prefix);
    this.unit = unitOf(info.metric, info.tags);
  }

  draw() {
    this.drawNow();
    const data = withGaps(this.t, [this.v], this.step);
    if (this.u) {
      // drawn now, not in a microtask, so the frame loop's budget sees the cost
      this.u.batch(() => this.u.setData(data));
      return;
    }
    const width = Math.floor(this.viz.clientWidth), height = Math.floor(this.viz.clientHeight);
    if (!width || !height) return;
    this.u = makeChart(this.viz, data, {
      width, height, compact: true, dense: height < 80, label: this.info.metric, unit: this.unit,
      onDraw: u => this.drawn(u), xRange: () => this.xRange(),
    });
    this.ro = this.ro || fitWidth(this.viz, () => this.u);
  }

  // the x axis from our own data: uPlot's guess for a lone point can span decades
  xRange() {
    const t = this.t, n = t.length;
    if (!n) return [Date.now() / 1000 - 60, Date.now() / 1000];
    return n === 1 || t[0] === t[n - 1] ? [t[0] - 30, t[0] + 30] : [t[0], t[n - 1]];
  }

  // what the chart last drew, for tests and the latency benchmark
  drawn(u) {
    const ys = u.data[1];
    this.lastDrawn = ys.length ? ys[ys.length - 1] : null;
    const hook = window.tidemark && window.tidemark.onDraw;
    if (hook) hook(this.key, this.lastDrawn);
  }

  rebuild() {
    if (this.u) this.u.destroy();
    this.u = null;
    markDirty(this);
  }
}

class EventsWidget extends Widget {
  constructor(info, prefix) {
    super(info, prefix);
    this.list = el('ol', { class: 'events' });
    this.viz.append(this.list);
    this.shown = -Infinity;
  }

  draw() {
    this.drawNow();
    const items = [];
    for (let i = this.t.length - 1; i >= 0; i--) {
      const li = el('li', this.t[i] > this.shown ? { class: 'new' } : null,
        el('time', null, fmtTime(this.t[i])), el('span', null, this.v[i] === null ? '' : String(this.v[i])));
      items.push(li);
    }
    if (this.t.length) this.shown = this.t[this.t.length - 1];
    this.list.replaceChildren(...items);
  }
}

class TrackWidget extends Widget {
  constructor(info, prefix) {
    super(info, prefix);
    this.canvas = el('canvas', { class: 'track' });
    this.viz.append(this.canvas);
    this.tiles = tileTemplate();
    new ResizeObserver(() => markDirty(this)).observe(this.canvas);
  }

  draw() {
    this.drawNow();
    const [pts, times] = located(this.t, this.v);
    this.lastTrack = drawTrack(this.canvas, pts, { times, tiles: this.tiles, onTile: () => markDirty(this) });
    this.lastDrawn = pts.length ? pts[pts.length - 1] : null;
  }
}

export function makeWidget(info, prefix) {
  if (info.type === 'string') return new EventsWidget(info, prefix);
  if (info.type === 'location') return new TrackWidget(info, prefix);
  return new NumberWidget(info, prefix);
}

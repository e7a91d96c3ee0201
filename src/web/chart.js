// chart.js — uPlot line charts in the page's theme. Colours come from the
// CSS variables (light or dark, as the system says); a theme change rebuilds
// the charts through onTheme. The x axis is time, or with index: true the
// sample's position (the "sequential" axis), labelled with the time.
import { fmtTime, fmtTimeFull } from './fmt.js';
import { axisLabels, BYTE_INCRS, fmtUnit, PLAIN } from './units.js';

const dark = matchMedia('(prefers-color-scheme: dark)');
export function onTheme(fn) { dark.addEventListener('change', fn); }

function colors() {
  const cs = getComputedStyle(document.documentElement);
  const v = n => cs.getPropertyValue(n).trim();
  return { dim: v('--dim'), grid: v('--line'), accent: v('--accent'), fill: v('--accent-fill'), band: v('--band') };
}

const yWidth = (u, vals) => vals ? 12 + 6.5 * Math.max(3, ...vals.map(s => String(s).length)) : 40;
const pad2 = n => String(n).padStart(2, '0');

// one-line time ticks, as fine as the spacing of the ticks needs
function timeTicks(u, splits) {
  const step = splits.length > 1 ? splits[1] - splits[0] : 60;
  return splits.map(t => {
    const d = new Date(t * 1000);
    const md = pad2(d.getMonth() + 1) + '-' + pad2(d.getDate());
    if (step >= 86400 || (step >= 3600 && !d.getHours() && !d.getMinutes())) return md;
    const hm = pad2(d.getHours()) + ':' + pad2(d.getMinutes());
    if (step >= 60) return hm;
    if (step >= 1) return hm + ':' + pad2(d.getSeconds());
    return ':' + pad2(d.getSeconds()) + '.' + String(d.getMilliseconds()).padStart(3, '0');
  });
}

// a lone point (or none) still gets a sensible window around it
function autoRange(pad) {
  return (u, lo, hi) => (lo === null || hi === null ? [0, 1] : lo === hi ? [lo - pad, hi + pad] : [lo, hi]);
}

// one colour per overlaid line, readable on light and dark
const PALETTE = ['#1f6feb', '#e8590c', '#2f9e44', '#ae3ec9', '#f59f00', '#0c8599', '#e03131', '#5c7cfa', '#66a80f', '#d6336c'];
export const lineColor = i => PALETTE[i % PALETTE.length];

// opts: width, height, compact (home cards), dense (tiny ones), index (times[] for labels),
// unit (units.js), band (series 2 and 3 are min and max), lines ([label, ...]:
// one line each, data [x, y1, y2...]; colorFrom: the first one's colour), sync (a key: charts with the same one
// share the crosshair), xRange() ([min, max] of the x axis; else the
// data's), onDraw(u), onSelect(x0, x1)
export function makeChart(target, data, opts) {
  const c = colors(), font = opts.compact ? '10px system-ui, sans-serif' : '11px system-ui, sans-serif';
  const unit = opts.unit || PLAIN, fmt = (u, v) => fmtUnit(unit, v);
  const axis = { stroke: c.dim, font, grid: { stroke: c.grid, width: 1 }, ticks: { show: false } };
  const xAxis = { ...axis, size: opts.compact ? 22 : 28 };
  xAxis.values = timeTicks;
  if (opts.dense) xAxis.show = false; // a wall of small charts: the last minutes, no room for labels
  if (opts.index) {
    xAxis.values = (u, splits) => splits.map(i => {
      const t = opts.index[Math.round(i)];
      return Number.isInteger(i) && t !== undefined ? fmtTime(t) : '';
    });
  }
  const yAxis = { ...axis, size: yWidth, values: axisLabels(unit) };
  if (unit.kind === 'bytes') yAxis.incrs = BYTE_INCRS;
  const series = [{ label: opts.index ? '#' : 'time',
    value: opts.index ? (u, i) => (i === null ? '' : i + ' · ' + fmtTimeFull(opts.index[i])) : (u, t) => fmtTimeFull(t) }];
  if (opts.lines) {
    const c0 = opts.colorFrom || 0;
    opts.lines.forEach((label, i) => series.push({ label, stroke: lineColor(c0 + i), width: 1.5, value: fmt,
      points: { size: 4, fill: lineColor(c0 + i) } }));
  } else {
    series.push({ label: opts.label || 'value', stroke: c.accent, width: 1.5, fill: opts.band ? undefined : c.fill,
      points: { size: 5, fill: c.accent }, value: fmt });
  }
  const cursor = opts.compact ? { show: false } : { drag: { x: true, y: false, setScale: false } };
  if (opts.sync && !opts.compact) cursor.sync = { key: opts.sync };
  const o = {
    width: opts.width, height: opts.height,
    legend: { show: !opts.compact },
    cursor,
    scales: { x: { time: !opts.index, range: opts.xRange ? () => opts.xRange() : autoRange(opts.index ? 1 : 30) } },
    axes: [xAxis, yAxis],
    series,
    hooks: {},
  };
  if (opts.band) {
    series.push({ label: 'min', stroke: c.band, width: 0.5, points: { show: false }, value: fmt });
    series.push({ label: 'max', stroke: c.band, width: 0.5, points: { show: false }, value: fmt });
    o.bands = [{ series: [3, 2], fill: c.fill }];
  }
  if (opts.onDraw) o.hooks.draw = [opts.onDraw];
  if (opts.onSelect) {
    o.hooks.setSelect = [u => {
      const s = u.select;
      if (s.width < 4) return;
      const x0 = u.posToVal(s.left, 'x'), x1 = u.posToVal(s.left + s.width, 'x');
      u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
      opts.onSelect(x0, x1);
    }];
  }
  // eslint-disable-next-line no-undef
  return new uPlot(o, data, target);
}

// Keeps a chart as wide as its box, and as high as height() says (a
// function: the window's room) or the box (none given).
export function fitWidth(box, getChart, height) {
  const fit = () => {
    const u = getChart();
    const w = Math.floor(box.clientWidth), h = height ? height() : Math.floor(box.clientHeight);
    if (u && w > 0 && h > 0 && (w !== u.width || h !== u.height)) u.setSize({ width: w, height: h });
  };
  const ro = new ResizeObserver(fit);
  ro.observe(box);
  if (height) addEventListener('resize', fit);
  return { disconnect() { ro.disconnect(); removeEventListener('resize', fit); } };
}

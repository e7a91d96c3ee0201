// chart.js — uPlot line charts in the page's theme. Colours come from the
// CSS variables (light or dark, as the system says); a theme change rebuilds
// the charts through onTheme. The x axis is time, or with index: true the
// sample's position (the "sequential" axis), labelled with the time.
import { fmtNum, fmtTime } from './fmt.js';

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
    const md = (d.getMonth() + 1) + '/' + d.getDate();
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

// opts: width, height, compact (home cards), dense (tiny ones), index (times[] for labels),
// band (series 2 and 3 are min and max), xRange() ([min, max] of the x
// axis; else the data's), onDraw(u), onSelect(x0, x1)
export function makeChart(target, data, opts) {
  const c = colors(), font = opts.compact ? '10px system-ui, sans-serif' : '11px system-ui, sans-serif';
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
  const series = [
    { label: opts.index ? '#' : 'time', value: opts.index ? (u, i) => (i === null ? '' : i + ' · ' + fmtTime(opts.index[i])) : undefined },
    { label: opts.label || 'value', stroke: c.accent, width: 1.5, fill: opts.band ? undefined : c.fill,
      points: { size: 5, fill: c.accent }, value: (u, v) => fmtNum(v) },
  ];
  const o = {
    width: opts.width, height: opts.height,
    legend: { show: !opts.compact },
    cursor: opts.compact ? { show: false } : { drag: { x: true, y: false, setScale: false } },
    scales: { x: { time: !opts.index, range: opts.xRange ? () => opts.xRange() : autoRange(opts.index ? 1 : 30) } },
    axes: [xAxis, { ...axis, size: yWidth, values: (u, vals) => vals.map(fmtNum) }],
    series,
    hooks: {},
  };
  if (opts.band) {
    series.push({ label: 'min', stroke: c.band, width: 0.5, points: { show: false }, value: (u, v) => fmtNum(v) });
    series.push({ label: 'max', stroke: c.band, width: 0.5, points: { show: false }, value: (u, v) => fmtNum(v) });
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

// Keeps a chart as wide as its box (and as high, without a fixed height).
export function fitWidth(box, getChart, height) {
  const ro = new ResizeObserver(() => {
    const u = getChart();
    const w = Math.floor(box.clientWidth), h = height || Math.floor(box.clientHeight);
    if (u && w > 0 && h > 0 && (w !== u.width || h !== u.height)) u.setSize({ width: w, height: h });
  });
  ro.observe(box);
  return ro;
}

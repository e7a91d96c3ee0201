// units.js — how a number series' values read: plain numbers with SI
// prefixes (3 G, 12.5 k, 250 µ), bytes with binary prefixes (3 GiB) and
// percent (42.5%), told by a `unit` tag or by the series' name (a word
// "bytes", "octets", "percent", "pct"). Axes take one prefix for all their
// ticks, chosen from the largest, so a column reads 0.5 G, 1.0 G, 1.5 G.

const SI_UP = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
const SI_DOWN = ['', 'm', 'µ', 'n', 'p'];
const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
const PERCENT = new Set(['%', 'percent', 'pct', 'percentage']);
const BYTES = new Set(['b', 'byte', 'bytes', 'octets']);

export const PLAIN = { kind: 'si', suffix: '' };

// {kind: 'si' | 'bytes' | 'percent', suffix}: the tag wins over the name;
// "percent" wins over "bytes" (collectd's df percent_bytes-used is a percent)
export function unitOf(metric, tags) {
  const tag = tags && (tags.unit || tags.units);
  if (tag) {
    const u = tag.trim(), l = u.toLowerCase();
    if (PERCENT.has(l)) return { kind: 'percent', suffix: '%' };
    if (BYTES.has(l)) return { kind: 'bytes', suffix: '' };
    return { kind: 'si', suffix: u };
  }
  const words = String(metric).toLowerCase().split(/[^a-z0-9%]+/);
  if (words.some(w => PERCENT.has(w)) || /%$/.test(metric)) return { kind: 'percent', suffix: '%' };
  if (words.some(w => BYTES.has(w))) return { kind: 'bytes', suffix: '' };
  return PLAIN;
}

// the prefix step (a power of 1000 or 1024) a magnitude calls for
function scaleOf(unit, a) {
  if (unit.kind === 'bytes') {
    let k = 0;
    while (a >= 1024 && k < IEC.length - 1) { a /= 1024; k++; }
    return { div: 1024 ** k, name: IEC[k] };
  }
  if (unit.kind === 'percent' || (a >= 1e-3 && a < 1e4) || a === 0) return { div: 1, name: '' };
  if (a >= 1) {
    const k = Math.min(SI_UP.length - 1, Math.floor(Math.log10(a) / 3));
    return { div: 1000 ** k, name: SI_UP[k] };
  }
  const k = Math.min(SI_DOWN.length - 1, Math.ceil(-Math.log10(a) / 3));
  return { div: 1000 ** -k, name: SI_DOWN[k] };
}

function join(num, sc, unit) {
  if (unit.kind === 'percent') return num + '%';
  if (unit.kind === 'bytes') return num + ' ' + sc.name;
  const tail = sc.name + unit.suffix;
  return tail ? num + ' ' + tail : num;
}

// one value, as a person writes it: 21.5, 4461, 12.35 k, 3 G, 3 GiB, 42.5%
export function fmtUnit(unit, v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e21 || a < 1e-12)) return v.toExponential(3);
  let sc = scaleOf(unit, a);
  let m = +(v / sc.div).toPrecision(sc.div === 1 ? 6 : 4);
  // 999.96 k rounds to 1000 k: that is 1 M
  const next = scaleOf(unit, Math.abs(m) * sc.div);
  if (sc.div !== 1 && next.div > sc.div) {
    sc = next;
    m = +(v / sc.div).toPrecision(4);
  }
  return join(String(m), sc, unit);
}

// decimals x needs to be written exactly (at most 6)
function decimals(x) {
  let d = 0;
  while (d < 6 && Math.abs(x * 10 ** d - Math.round(x * 10 ** d)) > 1e-6 * Math.max(1, Math.abs(x * 10 ** d))) d++;
  return d;
}

// uPlot axis labels: one prefix for the whole axis, and as many decimals
// as its ticks need (2.5, 5.0, 7.5: not 3, 5, 8)
export function axisLabels(unit) {
  return (u, splits) => {
    if (!splits || !splits.length) return [];
    let big = 0;
    for (const s of splits) if (Math.abs(s) > big) big = Math.abs(s);
    const sc = scaleOf(unit, big);
    let dec = 0;
    for (const s of splits) dec = Math.max(dec, decimals(s / sc.div));
    const zero = unit.kind === 'percent' ? '0%' : '0';
    return splits.map(s => (s === 0 ? zero : join((s / sc.div).toFixed(dec), sc, unit)));
  };
}

// tick spacings for a bytes axis: powers of two of each binary prefix
// (256 MiB, 512 MiB, 1 GiB), not the decimal 200 M, 400 M uPlot picks
export const BYTE_INCRS = (() => {
  const out = [];
  for (let k = 0; k < IEC.length; k++) for (let e = 0; e < 10; e++) out.push(2 ** e * 1024 ** k);
  return out;
})();

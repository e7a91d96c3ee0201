// gaps.js — missing samples are not data. A series' usual spacing is the
// median distance between its samples; where two neighbours are more than
// GAP_STEPS of those apart (or of the spacing just before, where that is
// larger: see breaks), a null goes between them, so uPlot breaks the
// line (and the min-max band) there instead of drawing a straight line
// across an outage. The same spacing says when a series stopped reporting:
// stale once its newest sample is older than STALE_STEPS of them (and at
// least STALE_MIN_S, so a 1 s series is not stale after a hiccup).

export const GAP_STEPS = 3;
const STALE_STEPS = 5, STALE_MIN_S = 60, STALE_UNKNOWN_S = 600, SAMPLE = 64;

// median spacing of the newest SAMPLE+1 times (seconds); 0 when unknown
export function typicalStep(ts) {
  const n = ts.length, d = [];
  for (let i = Math.max(1, n - SAMPLE); i < n; i++) if (ts[i] > ts[i - 1]) d.push(ts[i] - ts[i - 1]);
  if (!d.length) return 0;
  d.sort((a, b) => a - b);
  return d[d.length >> 1];
}

// Where xs breaks: i such that xs[i] - xs[i-1] is a gap. The spacing a gap
// is judged against is the series' typical step or the spacing just before
// it, whichever is larger (starting from the median of the first few), so
// a card whose history is 12 s buckets and whose live samples come every
// second is whole, and a lone sample between two outages is still cut off.
function breaks(xs, step) {
  const n = xs.length, head = [];
  for (let i = 1; i < Math.min(n, 9); i++) head.push(xs[i] - xs[i - 1]);
  head.sort((a, b) => a - b);
  let local = head[head.length >> 1];
  const out = [];
  for (let i = 1; i < n; i++) {
    const dt = xs[i] - xs[i - 1];
    if (dt > GAP_STEPS * Math.max(step, local)) out.push(i);
    else local = dt;
  }
  return out;
}

// xs and its y columns with a null row in each gap; the same arrays when
// there is none (the common case costs one pass and no copy)
export function withGaps(xs, ys, step) {
  if (!step || xs.length < 3) return [xs, ...ys];
  const at = breaks(xs, step);
  if (!at.length) return [xs, ...ys];
  const ox = [], oy = ys.map(() => []);
  let from = 0;
  for (const i of at) {
    for (let k = from; k < i; k++) { ox.push(xs[k]); for (let c = 0; c < ys.length; c++) oy[c].push(ys[c][k]); }
    ox.push(xs[i - 1] + Math.min(step, (xs[i] - xs[i - 1]) / 2));
    for (const y of oy) y.push(null);
    from = i;
  }
  for (let k = from; k < xs.length; k++) { ox.push(xs[k]); for (let c = 0; c < ys.length; c++) oy[c].push(ys[c][k]); }
  return [ox, ...oy];
}

// how long without a sample before a series counts as stopped (seconds)
export function staleAfter(step) {
  return step ? Math.max(STALE_MIN_S, STALE_STEPS * step) : STALE_UNKNOWN_S;
}

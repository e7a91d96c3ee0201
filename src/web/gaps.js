// gaps.js — missing samples are not data. A series' usual spacing is the
// median distance between its samples; where two neighbours are more than
// GAP_STEPS of those apart, a null goes between them, so uPlot breaks the
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

// xs and its y columns with a null row in each gap; the same arrays when
// there is none (the common case costs one pass and no copy)
export function withGaps(xs, ys, step) {
  const n = xs.length, lim = GAP_STEPS * step;
  if (!step || n < 2) return [xs, ...ys];
  let i = 1;
  while (i < n && xs[i] - xs[i - 1] <= lim) i++;
  if (i === n) return [xs, ...ys];
  const ox = xs.slice(0, i), oy = ys.map(y => y.slice(0, i));
  for (; i < n; i++) {
    if (xs[i] - xs[i - 1] > lim) {
      ox.push(xs[i - 1] + step);
      for (const y of oy) y.push(null);
    }
    ox.push(xs[i]);
    for (let k = 0; k < ys.length; k++) oy[k].push(ys[k][i]);
  }
  return [ox, ...oy];
}

// how long without a sample before a series counts as stopped (seconds)
export function staleAfter(step) {
  return step ? Math.max(STALE_MIN_S, STALE_STEPS * step) : STALE_UNKNOWN_S;
}

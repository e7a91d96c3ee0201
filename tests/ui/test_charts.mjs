// test_charts.mjs — how charts draw data, in a real chromium against a real
// server: a 9-minute outage breaks the line and the min-max band (read back
// from the canvas pixels, on the card and on the series page) instead of a
// straight line across it; axes and hover legends read SI prefixes (3 G)
// and 24-hour time (the browser is put in a time zone where it is
// afternoon, so a 12-hour clock would show); the series chart takes the
// window's height and follows it when the window grows.
import path from 'node:path';
import { ARTIFACTS, card, check, DESKTOP, runPage, shot, text, waitFor } from './harness.mjs';

const NOW = Math.floor(Date.now() / 1000);
// every 10 s: 10 minutes, a 9-minute outage, 4 minutes up to now
const GAP = [NOW - 240 - 540, NOW - 240];

async function seed(s) {
  const pts = [];
  for (let t = GAP[0] - 600; t <= NOW; t += 10) {
    if (t > GAP[0] && t < GAP[1]) continue;
    pts.push({ metric: 'gappy', tags: { host: 'g' }, value: 50 + 20 * Math.sin(t / 60), time: t });
    pts.push({ metric: 'big.counter', tags: { host: 'g' }, value: 3e9 + 1e8 * Math.sin(t / 60), time: t });
  }
  await s.data(pts);
}

// a time zone (Etc/GMT-N is UTC+N) where it is 15:00-16:00 now
function afternoon() {
  let x = 15 - new Date().getUTCHours();
  if (x > 14) x -= 24;
  if (x < -12) x += 24;
  return x === 0 ? 'Etc/GMT' : `Etc/GMT${x > 0 ? '-' : '+'}${Math.abs(x)}`;
}

// strongly blue pixels (the line, the band, its fill) in the plot's column at time t
const inkAt = (page, handle, t) => page.evaluate(([h, t]) => {
  const u = h === 'series' ? window.tidemark.series.u : window.tidemark.widgets.get(h).u;
  const x = Math.round(u.valToPos(t, 'x', true)), bb = u.bbox;
  const d = u.ctx.getImageData(x - 1, bb.top, 3, bb.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i + 2] - d[i] > 40) n++;
  return n;
}, [handle, t]);

async function gaps(s, page) {
  const key = 'gappy;host=g', mid = (GAP[0] + GAP[1]) / 2;
  await page.goto(s.url('/'));
  await waitFor(async () => { const w = await page.evaluate(k => { const w = window.tidemark.widgets.get(k); return w && w.u && w.u.data[0].length; }, key); return w > 80; }, 'the gappy card has its history');
  check(await page.evaluate(k => window.tidemark.widgets.get(k).u.data[1].includes(null), key), 'the card has a break in its data');
  check((await inkAt(page, key, mid)) === 0, 'nothing is drawn across the outage on the card: ' + await inkAt(page, key, mid));
  check((await inkAt(page, key, GAP[0] - 300)) > 0, 'the card draws where there is data');
  await page.locator(card(key)).screenshot({ path: path.join(ARTIFACTS, 'chart-gap-card.png') });
  await page.goto(s.url('/series?metric=gappy&tag=host%3Ag&exact=1&range=1h'));
  await waitFor(() => page.evaluate(() => { const v = window.tidemark.series; return v && v.u && v.u.data[0].length > 80; }), 'the series chart');
  check((await inkAt(page, 'series', mid)) === 0, 'line and band break over the outage: ' + await inkAt(page, 'series', mid));
  check((await inkAt(page, 'series', GAP[0] - 300)) > 0, 'the series chart draws where there is data');
  check((await inkAt(page, 'series', GAP[1] + 60)) > 0, 'and after the outage');
  await shot(page, 'chart-gap-series');
}

// the rule itself, in the page's own module: mixed resolutions are whole,
// an outage breaks once, a lone sample between two outages stands alone
async function gapRule(s, page) {
  const r = await page.evaluate(async src => {
    const { withGaps, typicalStep } = await import(src);
    const nulls = xs => { const [, y] = withGaps(xs, [xs.map(() => 1)], typicalStep(xs)); return y.map((v, i) => (v === null ? i : -1)).filter(i => i >= 0).length; };
    const buckets = Array.from({ length: 100 }, (_, i) => i * 12), live = Array.from({ length: 150 }, (_, i) => 1200 + i);
    const regular = Array.from({ length: 60 }, (_, i) => i * 10);
    const outage = regular.slice(0, 30).concat(regular.slice(30).map(t => t + 540));
    const island = regular.slice(0, 30).concat([290 + 540], regular.slice(30).map(t => t + 1080));
    return { mixed: nulls(buckets.concat(live)), regular: nulls(regular), outage: nulls(outage), island: nulls(island),
      jitter: nulls(regular.map((t, i) => t + (i % 2) * 3)) };
  }, s.url('/assets/gaps.js'));
  check(JSON.stringify(r) === '{"mixed":0,"regular":0,"outage":1,"island":2,"jitter":0}', 'the gap rule: ' + JSON.stringify(r));
}

async function unitsAndTime(s, page) {
  await page.goto(s.url('/series?metric=big.counter&tag=host%3Ag&exact=1&range=15m'));
  await waitFor(() => page.evaluate(() => { const v = window.tidemark.series; return v && v.u && v.u.axes[1]._values; }), 'the big chart');
  const axes = await page.evaluate(() => window.tidemark.series.u.axes.map(a => a._values));
  check(axes[1].every(v => /^(0|-?\d+(\.\d+)? G)$/.test(v)), 'y axis in G: ' + axes[1]);
  check(axes[0].length > 1 && axes[0].every(v => /^(1[3-9]|2\d):\d\d(:\d\d)?$/.test(v)), 'x axis in 24-hour time: ' + axes[0]);
  const box = await page.locator('.plot .u-over').boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  const legend = () => page.$$eval('.plot .u-legend .u-series', rows => rows.map(r => {
    const v = r.querySelector('.u-value');
    return v ? v.textContent.trim() : '';
  }));
  const vals = await waitFor(async () => { const l = await legend(); return l[0] && l[1] !== '–' && l; }, 'the hover legend');
  check(/^(1[3-9]|2\d):\d\d:\d\d$/.test(vals[0]) && !/[AP]M/i.test(vals[0]), 'hover time in 24-hour form: ' + vals[0]);
  check(vals[0].slice(0, 2) === axes[0][0].slice(0, 2) || vals[0].slice(0, 2) === axes[0][axes[0].length - 1].slice(0, 2),
    'hover time and axis agree on the hour: ' + vals[0] + ' vs ' + axes[0]);
  check(vals.slice(1).every(v => /^\d(\.\d+)? G$/.test(v)), 'hover values in G: ' + vals);
  check(/ G$/.test(await text(page, '.stats dd[data-stat="max"]')), 'stats in G: ' + await text(page, '.stats dd[data-stat="max"]'));
  await shot(page, 'chart-units-hover');
}

async function height(page) {
  const fit = () => page.evaluate(() => {
    const u = window.tidemark.series.u, legend = u.root.querySelector('.u-legend').getBoundingClientRect();
    return { h: u.height, bottom: legend.bottom, inner: innerHeight };
  });
  const a = await fit();
  check(a.h > DESKTOP.height / 2 && a.bottom <= a.inner, `the chart fills the window (${a.h} px high, legend ends at ${a.bottom} of ${a.inner})`);
  await page.setViewportSize({ width: DESKTOP.width, height: 1100 });
  const b = await waitFor(async () => { const f = await fit(); return f.h >= a.h + 250 && f; }, 'the chart grows with the window');
  check(b.bottom <= b.inner, `it still fits (${b.bottom} of ${b.inner})`);
  await shot(page, 'chart-tall-window');
}

runPage('test_charts', { seed, context: { timezoneId: afternoon() } }, async (s, page) => {
  await gaps(s, page);
  await gapRule(s, page);
  await unitsAndTime(s, page);
  await height(page);
});

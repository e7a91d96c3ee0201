// test_track.mjs — the location track, in a real chromium against a real
// server: a scale bar whose length agrees with the track's true length
// (1.06 km between its ends, by the haversine formula, measured back in
// pixels), the start marked with a ring and the end with a dot (read from
// the canvas), and the times of both, on the card and on the series page.
import path from 'node:path';
import { ARTIFACTS, card, check, runPage, shot, waitFor } from './harness.mjs';

const NOW = Math.floor(Date.now() / 1000);
const N = 21, T0 = NOW - 600;
const at = k => [52.5 + (k / (N - 1)) * 0.008983, 13.4 + (k / (N - 1)) * 0.005];

function haversine([la1, lo1], [la2, lo2]) {
  const r = Math.PI / 180, a = Math.sin(((la2 - la1) * r) / 2) ** 2 + Math.cos(la1 * r) * Math.cos(la2 * r) * Math.sin(((lo2 - lo1) * r) / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(a));
}
const LENGTH = haversine(at(0), at(N - 1));

async function seed(s) {
  const pts = [];
  for (let k = 0; k < N; k++) pts.push({ metric: 'gps', tags: { host: 'bike' }, value: at(k), time: T0 + k * 30 });
  await s.data(pts);
}

// the canvas' colour at a CSS pixel
const pixel = (page, sel, [x, y]) => page.$eval(sel, (c, [x, y]) => {
  const k = c.width / c.clientWidth;
  return Array.from(c.getContext('2d').getImageData(Math.round(x * k), Math.round(y * k), 1, 1).data);
}, [x, y]);

async function checkTrack(page, sel, drawnOf, where) {
  const d = await waitFor(async () => { const d = await drawnOf(); return d && d.scale && d; }, where + ': a track with a scale');
  const px = Math.hypot(d.end[0] - d.start[0], d.end[1] - d.start[1]), metres = px * (d.scale.m / d.scale.px);
  check(Math.abs(metres - LENGTH) / LENGTH < 0.03, `${where}: the scale says ${metres.toFixed(0)} m between the ends, truly ${LENGTH.toFixed(0)} m`);
  check(/^\d+(\.\d+)? k?m$/.test(d.scale.label) && d.scale.px >= 20 && d.scale.px <= 120, `${where}: scale ${JSON.stringify(d.scale)}`);
  check(d.times && d.times[0] === T0 && d.times[1] === T0 + (N - 1) * 30, `${where}: start and end times ${JSON.stringify(d.times)}`);
  const ring = await pixel(page, sel, [d.start[0] + 5, d.start[1]]), hole = await pixel(page, sel, [d.start[0], d.start[1]]);
  check(ring[1] > ring[0] + 40 && ring[1] > ring[2], `${where}: the start is a green ring (${ring})`);
  check(hole[1] <= hole[0] + 40, `${where}: hollow inside (${hole})`);
  const dot = await pixel(page, sel, d.end);
  check(dot[2] > dot[0] + 80, `${where}: the end is a filled dot (${dot})`);
}

runPage('test_track', { seed }, async (s, page) => {
  await page.goto(s.url('/'));
  const sel = card('gps;host=bike') + ' canvas.track';
  await checkTrack(page, sel, () => page.evaluate(() => {
    const w = window.tidemark.widgets.get('gps;host=bike');
    return w && w.t.length === 21 && w.lastTrack;
  }), 'card');
  await page.locator(card('gps;host=bike')).screenshot({ path: path.join(ARTIFACTS, 'track-card.png') });
  await page.goto(s.url('/series?metric=gps&tag=host%3Abike&exact=1&range=1h'));
  await checkTrack(page, 'canvas.big-track', () => page.evaluate(() => {
    const v = window.tidemark.series;
    return v && v.t.length === 21 && v.lastTrack;
  }), 'series page');
  await shot(page, 'track-series');
});

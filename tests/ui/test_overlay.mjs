// test_overlay.mjs — several series on one page, in a real chromium against
// a real server fed collectd-style Graphite lines over TCP: a glob's series
// each as its own line, labelled by the part of the name that differs, the
// hover legend showing every series' value at one time; a series page
// overlaying a glob; a selection of cards on the home page compared; and
// one chart per series, the charts sharing the crosshair and the time
// range (a drag on one zooms all); live samples reach the lines.
import { card, check, runPage, shot, waitFor } from './harness.mjs';

const NOW = Math.floor(Date.now() / 1000);
const CPUS = ['collectd.laptop.cpu-0.cpu-idle', 'collectd.laptop.cpu-1.cpu-idle', 'collectd.server2.cpu-0.cpu-idle'];

async function seed(s) {
  const lines = [];
  CPUS.forEach((m, i) => { for (let t = NOW - 600; t <= NOW; t += 10) lines.push(`${m} ${(60 + 10 * i + 5 * Math.sin(t / 50 + i)).toFixed(2)} ${t}`); });
  lines.push(`collectd.laptop.memory.memory-used 123456789 ${NOW}`);
  await s.graphite(lines);
  await waitFor(async () => (await (await s.get('/api/v1/metrics')).json()).length === 4, 'the server has the series');
}

const view = page => page.evaluate(() => {
  const v = window.tidemark.overlay;
  return v && v.charts.length ? { n: v.charts.length, labels: v.charts.map(u => u.series.slice(1).map(s => s.label)),
    lens: v.charts.map(u => u.data.slice(1).map(y => y.filter(x => x !== null && x !== undefined).length)) } : null;
});
const legend = (page, i = 0) => page.$$eval('.plot .u-legend', (ls, i) => [...ls[i].querySelectorAll('.u-series')].map(r => {
  const v = r.querySelector('.u-value');
  return v ? v.textContent.trim() : '';
}), i);

async function glob(s, page) {
  await page.goto(s.url('/series?match=' + encodeURIComponent('collectd.*.cpu-*.cpu-idle') + '&range=15m'));
  const v = await waitFor(async () => { const v = await view(page); return v && v.lens[0].every(n => n > 30) && v; }, 'the glob overlay');
  check(v.n === 1 && v.labels[0].join() === 'laptop.cpu-0,laptop.cpu-1,server2.cpu-0', 'one line each, labelled by what differs: ' + JSON.stringify(v.labels));
  const box = await page.locator('.plot .u-over').boundingBox();
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
  const vals = await waitFor(async () => { const l = await legend(page); return l.length === 4 && l.slice(1).every(x => /^\d+(\.\d+)?$/.test(x)) && l; }, 'hover shows every value');
  check(/^\d\d:\d\d:\d\d$/.test(vals[0]), 'at one time: ' + vals);
  check(new Set(vals.slice(1)).size === 3, 'three different values: ' + vals);
  await shot(page, 'overlay-glob');
}

async function fromSeriesPage(s, page) {
  await page.goto(s.url('/series?metric=collectd.laptop.cpu-0.cpu-idle&exact=1&range=15m'));
  await page.fill('input[name="overlay"]', 'collectd.server2.*.*');
  await page.click('.overlay-form button');
  await page.waitForURL(/sel=/, { timeout: 10000 });
  const v = await waitFor(async () => { const v = await view(page); return v && v.lens[0].every(n => n > 30) && v; }, 'the page overlays the glob');
  check(v.labels[0].join() === 'laptop,server2', 'the series and the glob\'s: ' + JSON.stringify(v.labels));
}

async function selection(s, page) {
  await page.goto(s.url('/'));
  await waitFor(() => page.$(card(CPUS[2]) + ' input.pick'), 'cards with a select box');
  check(!(await page.isVisible('a.compare')), 'nothing to compare yet');
  await page.check(card(CPUS[0]) + ' input.pick');
  await page.check(card(CPUS[2]) + ' input.pick');
  await waitFor(() => page.isVisible('a.compare'), 'compare appears for two');
  await page.click('a.compare');
  await page.waitForURL(/\/series\?sel=/, { timeout: 10000 });
  const v = await waitFor(async () => { const v = await view(page); return v && v.lens[0].every(n => n > 1) && v; }, 'the selection on one chart');
  check(v.labels[0].join() === 'laptop,server2', 'the two selected: ' + JSON.stringify(v.labels));
}

async function split(s, page) {
  await page.goto(s.url('/series?match=' + encodeURIComponent('collectd.*.cpu-*.cpu-idle') + '&range=15m&split=1'));
  const v = await waitFor(async () => { const v = await view(page); return v && v.n === 3 && v; }, 'one chart each');
  check(v.labels.map(l => l.join()).join('|') === 'laptop.cpu-0|laptop.cpu-1|server2.cpu-0', 'each its series: ' + JSON.stringify(v.labels));
  const room = await page.evaluate(() => {
    const cs = window.tidemark.overlay.charts;
    return { h: cs.map(u => u.height), bottom: cs[cs.length - 1].root.getBoundingClientRect().bottom, inner: innerHeight };
  });
  check(room.bottom <= room.inner && room.h.every(h => h > 150), 'the charts share the window: ' + JSON.stringify(room));
  const overs = page.locator('.plot .u-over');
  const box = await overs.nth(0).boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
  const cursors = () => page.evaluate(() => window.tidemark.overlay.charts.map(u => [u.cursor.left, u.cursor.idx]));
  const c = await waitFor(async () => { const c = await cursors(); return c.every(x => x[0] > 0) && c; }, 'the crosshair on every chart');
  check(c.every(x => Math.abs(x[0] - c[0][0]) < 2 && x[1] === c[0][1]), 'one crosshair, one time: ' + JSON.stringify(c));
  const vals = await Promise.all([0, 1, 2].map(i => legend(page, i)));
  check(vals.every(l => l[0] === vals[0][0] && /^\d/.test(l[1])), 'each legend at that time: ' + JSON.stringify(vals));
  await shot(page, 'overlay-split');
  const b1 = await overs.nth(1).boundingBox();
  await page.mouse.move(b1.x + b1.width * 0.25, b1.y + b1.height / 2);
  await page.mouse.down();
  await page.mouse.move(b1.x + b1.width * 0.5, b1.y + b1.height / 2, { steps: 5 });
  await page.mouse.up();
  const scales = () => page.evaluate(() => window.tidemark.overlay.charts.map(u => [u.scales.x.min, u.scales.x.max]));
  const sc = await waitFor(async () => { const x = await scales(); return x[0][1] - x[0][0] < 300 && x; }, 'a drag zooms');
  check(sc.every(x => Math.abs(x[0] - sc[0][0]) < 0.01 && Math.abs(x[1] - sc[0][1]) < 0.01), 'every chart has the zoomed range: ' + JSON.stringify(sc));
  check(/split=1/.test(page.url()) && /from=\d/.test(page.url()), 'the URL keeps split and range: ' + page.url());
}

async function live(s, page) {
  await page.goto(s.url('/series?match=' + encodeURIComponent('collectd.*.cpu-*.cpu-idle') + '&range=15m'));
  await waitFor(view.bind(null, page), 'the overlay again');
  await s.graphite([`${CPUS[1]} 42.5 ${Math.floor(Date.now() / 1000) + 1}`]);
  await waitFor(() => page.evaluate(() => { const u = window.tidemark.overlay.charts[0]; return u.data[2].includes(42.5); }), 'a live sample reaches its line');
}

runPage('test_overlay', { seed }, async (s, page) => {
  await glob(s, page);
  await fromSeriesPage(s, page);
  await selection(s, page);
  await split(s, page);
  await live(s, page);
});

// test_cards.mjs — the home page's cards in a real chromium against a real
// server: the filter hides cards (and groups) and the count follows;
// Graphite series with the host in their path (collectd over plaintext
// TCP, with and without its prefix) are grouped by that host and named by
// the part that differs, the end of a long name stays visible and the full
// name is on hover; values read with SI prefixes, bytes and percent; a
// series that stopped reporting is greyed with "last seen", on its card and
// its page, and comes back when it reports again.
import { card, check, runPage, shot, text, waitFor } from './harness.mjs';

const LONG = 'collectd.laptop.interface-enp0s31f6-docker-bridge-network.if_octets-rx-very-long-type-instance';
const COLLECTD = ['collectd.laptop.cpu-0.cpu-idle', 'collectd.laptop.cpu-1.cpu-idle', 'collectd.laptop.memory.memory-used',
  'collectd.server2.cpu-0.cpu-idle', 'laptop2.cpu-0.cpu-user', 'stats.gauges.queue', LONG];

async function seed(s) {
  const now = Math.floor(Date.now() / 1000);
  const lines = [];
  for (const m of COLLECTD) for (let k = 5; k >= 0; k--) lines.push(`${m} ${50 + k} ${now - k * 10}`);
  await s.graphite(lines);
  await s.add('web1', { temp: '21.5', 'mem.bytes_used': '3221225472', 'disk.used_percent': '42.5', 'requests.total': '3000000000' });
  // a sensor that reported every 10 s until 10 minutes ago
  const old = [];
  for (let k = 0; k < 30; k++) old.push({ metric: 'old.sensor', tags: { host: 'web1' }, value: 20 + k / 10, time: now - 900 + k * 10 });
  await s.data(old);
  await waitFor(async () => (await (await s.get('/api/v1/metrics')).json()).length === COLLECTD.length + 5, 'the server has every series');
}

async function filter(page) {
  const all = COLLECTD.length + 5;
  await waitFor(async () => (await text(page, '.count')) === `${all} series`, 'the count of every series');
  await page.fill('input.filter', 'cpu-idle');
  const shown = () => page.$$eval('article.card', cs => cs.filter(c => c.getBoundingClientRect().height > 0).map(c => c.dataset.key));
  await waitFor(async () => (await shown()).length === 3, 'the filter shows 3 cards');
  check((await shown()).every(k => k.includes('cpu-idle')), 'only matching cards are shown: ' + await shown());
  check((await text(page, '.count')) === `3 of ${all} series`, 'the count follows the filter: ' + await text(page, '.count'));
  const groups = await page.$$eval('section.group', gs => gs.filter(g => g.getBoundingClientRect().height > 0).map(g => g.dataset.host));
  check(JSON.stringify(groups) === '["laptop","server2"]', 'groups without a match are hidden: ' + groups);
  await page.fill('input.filter', 'temp');
  await waitFor(async () => (await shown()).join() === 'temp;host=web1', 'typing temp leaves the temp card');
  await shot(page, 'cards-filtered');
  await page.fill('input.filter', '');
  await waitFor(async () => (await shown()).length === all, 'an empty filter shows every card');
  check((await text(page, '.count')) === `${all} series`, 'the count is back: ' + await text(page, '.count'));
}

async function hosts(page) {
  const hostsShown = await page.$$eval('section.group', gs => gs.map(g => g.dataset.host));
  check(JSON.stringify(hostsShown) === '["laptop","laptop2","server2","web1","(no host)"]', 'groups by host node: ' + hostsShown);
  const inGroup = (host, key) => page.$(`section.group[data-host="${host}"] ${card(key)}`);
  check(await inGroup('laptop', 'collectd.laptop.cpu-0.cpu-idle'), 'collectd.laptop.* is under laptop');
  check(await inGroup('laptop2', 'laptop2.cpu-0.cpu-user'), 'a name without prefix is under its first node');
  check(await inGroup('(no host)', 'stats.gauges.queue'), "StatsD's tree has no host");
  const name = key => page.$eval(card(key) + ' a.name', a => ({ text: a.textContent, title: a.title }));
  const n = await name('collectd.laptop.cpu-0.cpu-idle');
  check(n.text === 'cpu-0.cpu-idle' && n.title === 'collectd.laptop.cpu-0.cpu-idle', 'the part that differs, full name on hover: ' + JSON.stringify(n));
  // the end of a long name is what tells it apart: it is shown whole
  const tail = await page.$eval(card(LONG) + ' a.name .tail', t => {
    const c = t.closest('.card').getBoundingClientRect(), r = t.getBoundingClientRect();
    return { whole: t.scrollWidth <= t.clientWidth + 1, inside: r.right <= c.right && r.left >= c.left, text: t.textContent };
  });
  check(tail.whole && tail.inside && tail.text === 'if_octets-rx-very-long-type-instance', 'a long name keeps its end: ' + JSON.stringify(tail));
}

async function units(page) {
  const big = key => text(page, card(key) + ' .big');
  await waitFor(async () => (await big('mem.bytes_used;host=web1')) === '3 GiB', 'bytes: 3 GiB');
  check((await big('disk.used_percent;host=web1')) === '42.5%', 'percent: ' + await big('disk.used_percent;host=web1'));
  check((await big('requests.total;host=web1')) === '3 G', 'SI prefix: ' + await big('requests.total;host=web1'));
  check((await big('temp;host=web1')) === '21.5', 'a small number as is: ' + await big('temp;host=web1'));
}

async function stale(s, page) {
  const k = 'old.sensor;host=web1';
  await page.locator(card(k)).scrollIntoViewIfNeeded();
  await waitFor(() => page.$(card(k) + '.stale'), 'a series silent for 10 minutes is stale');
  const when = await text(page, card(k) + ' .when');
  check(/^last seen \d\d:\d\d:\d\d · 1\d min ago$/.test(when), 'it says when it was last seen: ' + when);
  const look = await page.$eval(card(k), c => Number(getComputedStyle(c).opacity));
  check(look < 1, 'a stale card is greyed: opacity ' + look);
  check(!(await page.$(card('temp;host=web1') + '.stale')), 'a fresh series is not stale');
  await shot(page, 'cards-stale');
  await page.goto(s.url('/series?metric=old.sensor&tag=host%3Aweb1&exact=1'));
  await waitFor(async () => /^stopped reporting · last seen \d\d:\d\d:\d\d \(1\d min ago\)$/.test(await text(page, '.stale-note')),
    'its page says it stopped reporting');
  await page.goto(s.url('/'));
  await page.locator(card(k)).scrollIntoViewIfNeeded();
  await waitFor(() => page.$(card(k) + '.stale'), 'stale again on the home page');
  await s.add('web1', { 'old.sensor': '25' });
  await waitFor(async () => !(await page.$(card(k) + '.stale')) && (await text(page, card(k) + ' .big')) === '25', 'reporting again: not stale');
}

runPage('test_cards', { seed }, async (s, page) => {
  await page.goto(s.url('/'));
  await waitFor(() => page.$(card('collectd.laptop.cpu-0.cpu-idle') + ' .viz canvas'), 'cards drawn');
  await shot(page, 'cards-hosts');
  await filter(page);
  await hosts(page);
  await units(page);
  await stale(s, page);
});

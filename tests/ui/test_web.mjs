// test_web.mjs — the web UI in a real browser (Debian's chromium, headless)
// against real tidemark servers on 127.0.0.1: widgets by type with their
// values, live updates without reload, new series appearing, the series
// page (range picker, drag zoom, index axis, stats, live, export link), the
// alerts page on a server without alerts, phone layout, dark theme, and a
// server with --token and --url-prefix (token asked once, kept). Any console
// error fails the test. Screenshots go to $TM_ARTIFACTS (desktop and phone).
import { card, check, DESKTOP, PHONE, run, shot, stopAll, text, waitFor, watch } from './harness.mjs';
import { browser, Server, waitUntil } from './uilib.mjs';

let b = null, servers = [];
const drawn = (page, key) => page.evaluate(k => { const w = window.tidemark.widgets.get(k); return w && w.lastDrawn; }, key);

async function homePage(s, page) {
  await page.goto(s.url('/'));
  const big = await waitFor(async () => (await text(page, card('temp;host=web1') + ' .big')) === '21.5', 'temp shows 21.5');
  check(big, 'temp card');
  // cards are drawn on animation frames, maybe not all in the first one
  await waitFor(() => page.$(card('temp;host=web1') + '[data-type="number"] .viz canvas'), 'temp is a chart');
  await waitFor(() => page.$(card('door;host=web1') + '[data-type="string"] ol.events li'), 'door is an event list');
  await waitFor(async () => (await text(page, card('door;host=web1') + ' .big')) === 'open', 'door shows open');
  check(await page.$(card('gps;host=web1') + '[data-type="location"] canvas.track'), 'gps is a track');
  await waitFor(async () => (await text(page, card('gps;host=web1') + ' .big')) === '52.50000, 13.40000', 'gps shows its place');
  check(await page.$('section.group[data-host="web1"] ' + card('temp;host=web1')), 'grouped by host');
  await waitFor(async () => (await drawn(page, 'temp;host=web1')) === 21.5, 'the chart draws 21.5');
  const inked = () => page.$eval(card('gps;host=web1') + ' canvas', c => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
    return n > 20 && n;
  });
  check(await waitUntil(inked, 5000), 'the track is drawn');

  // live: no reload, the value, the chart's latest point and the list move on
  await page.evaluate(() => { window.notReloaded = true; });
  await s.add('web1', { temp: '23.75', door: 'closed' });
  await waitFor(async () => (await text(page, card('temp;host=web1') + ' .big')) === '23.75', 'temp shows 23.75 live');
  await waitFor(async () => (await drawn(page, 'temp;host=web1')) === 23.75, "the chart's latest point is 23.75");
  await waitFor(async () => (await text(page, card('door;host=web1') + ' ol.events li span')) === 'closed', 'newest event first');
  check((await page.$$(card('door;host=web1') + ' ol.events li')).length === 2, 'two events listed');
  await s.add('web2', { hum: '40' });
  await waitFor(async () => (await text(page, card('hum;host=web2') + ' .big')) === '40', 'a new series appears live');
  check(await page.$('section.group[data-host="web2"]'), 'a new host group appears');
  check(await page.evaluate(() => window.notReloaded === true), 'no reload happened');
  const hosts = await page.$$eval('section.group', gs => gs.map(g => g.dataset.host));
  check(JSON.stringify(hosts) === '["web1","web2"]', 'groups sorted by host: ' + hosts);
}

async function seriesPage(s, page) {
  await page.click(card('temp;host=web1') + ' a.name');
  await page.waitForURL(/\/series\?/, { timeout: 10000 });
  const u = () => page.evaluate(() => { const v = window.tidemark.series; return v && v.u && { time: v.u.scales.x.time, min: v.u.scales.x.min, max: v.u.scales.x.max, xs: Array.from(v.u.data[0]), ys: Array.from(v.u.data[1]) }; });
  await waitFor(async () => { const c = await u(); return c && c.ys.length >= 1; }, 'series chart');
  const stat = name => text(page, `.stats dd[data-stat="${name}"]`);
  await waitFor(async () => (await stat('max')) === '23.75', 'max stat');
  check((await stat('min')) === '21.5', 'min stat: ' + await stat('min'));
  check((await stat('avg')) === '22.625', 'avg stat: ' + await stat('avg'));
  check((await stat('samples')) === '2', 'samples stat: ' + await stat('samples'));
  const href = await page.$eval('a.export', a => a.href);
  check(href.includes('/api/v1/data/temp?') && href.includes('tag=host%3Aweb1'), 'export link: ' + href);
  const exp = await (await fetch(href)).json();
  check(JSON.stringify(exp.map(p => p.value)) === '[21.5,23.75]', 'export gives the samples: ' + JSON.stringify(exp));

  // range picker: 5m asks for 5 minutes in ~800 buckets, and the axis shows them
  const req = page.waitForRequest(r => r.url().includes('api/v1/query') && r.url().includes('step=375ms'), { timeout: 10000 });
  await page.click('button[data-range="5m"]');
  await req;
  await waitFor(async () => { const c = await u(); return c && Math.abs(c.max - c.min - 300) < 5; }, 'the x axis spans 5 minutes');
  check(await page.$('button[data-range="5m"].on'), '5m is marked');
  check(page.url().includes('range=5m'), 'the URL keeps the range');

  // a relative range follows the stream
  await s.add('web1', { temp: '30' });
  await waitFor(async () => (await stat('max')) === '30', 'the series page gets the live sample');
  await waitFor(async () => { const c = await u(); return c && c.ys[c.ys.length - 1] === 30; }, 'the series chart draws it');
  await shot(page, 'series-desktop');

  // sequential (index) x axis
  await page.check('input.index-toggle');
  await waitFor(async () => { const c = await u(); return c && c.time === false && c.xs.join() === c.xs.map((_, i) => i).join(); }, 'index axis');
  check(page.url().includes('index=1'), 'the URL keeps the index axis');
  await page.uncheck('input.index-toggle');
  await waitFor(async () => { const c = await u(); return c && c.time === true; }, 'time axis again');

  // drag to zoom: a custom range inside the last 5 minutes
  const box = await page.locator('.plot .u-over').boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await waitFor(async () => { const c = await u(); return c && c.max - c.min < 100 && c.max - c.min > 50; }, 'zoomed to a quarter');
  check(await page.$('button[data-range="custom"].on'), 'zoom makes a custom range');
  check(/from=\d/.test(page.url()) && /until=\d/.test(page.url()), 'the URL keeps the zoom');
}

async function otherPages(s, page) {
  await page.goto(s.url('/series?metric=door&tag=host%3Aweb1'));
  await waitFor(async () => (await page.$$('.events-table tbody tr')).length === 2, 'string series page lists events');
  check((await text(page, '.events-table tbody tr td:nth-child(2)')) === 'closed', 'newest event first on its page');
  await page.goto(s.url('/series?metric=gps&tag=host%3Aweb1'));
  await waitFor(() => page.$('.series-page[data-type="location"] canvas.big-track'), 'location series page');
  // map tiles are off by default; a tile URL (here the server's own icon) turns them on
  const tpl = s.url('/assets/icon.svg?z={z}&x={x}&y={y}');
  const tileReq = page.waitForRequest(r => /icon\.svg\?z=\d+&x=\d+&y=\d+/.test(r.url()), { timeout: 10000 });
  await page.goto(s.url('/series?metric=gps&tag=host%3Aweb1&tiles=' + encodeURIComponent(tpl)));
  check(await tileReq.then(() => true, () => false), 'the track asks for map tiles from the configured URL');
  await page.goto(s.url('/series?metric=gps&tag=host%3Aweb1&tiles='));
  await waitFor(() => page.evaluate(() => localStorage.getItem('tidemark.tiles') === null), 'an empty tiles= turns them off');
  await page.goto(s.url('/alerting'));
  // the nav offers Alerts only where the server has them; the page shows the rules, or says there are none
  const hasAlerts = (await fetch(s.url('/alerts'))).status !== 404;
  await waitFor(async () => hasAlerts ? (await text(page, '.alerts-page .rules h2')) === 'Rules'
    : (await text(page, '.unavailable')) === 'Alerts are not available on this server.', 'the alerts page');
  await waitFor(async () => (await page.$eval('#alerts-link', a => a.hidden)) === !hasAlerts,
    'the Alerts link is shown exactly when the server has /alerts');
  await page.goto(s.url('/series?metric=nosuch'));
  await waitFor(async () => ((await text(page, 'main')) || '').includes('No series'), 'an unknown series says so');
}

async function phone(s) {
  const ctx = await b.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  const errors = watch(page, []);
  await page.goto(s.url('/'));
  await waitFor(() => page.$(card('temp;host=web1') + ' .viz canvas'), 'phone: cards');
  const lefts = await page.$$eval('article.card', cs => cs.map(c => Math.round(c.getBoundingClientRect().left)));
  check(new Set(lefts).size === 1, 'phone: one column (' + lefts + ')');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, 'phone: nothing wider than the screen (' + overflow + 'px)');
  await shot(page, 'home-phone');
  await page.goto(s.url('/series?metric=temp&tag=host%3Aweb1&range=5m'));
  await waitFor(() => page.evaluate(() => window.tidemark.series && window.tidemark.series.u), 'phone: series chart');
  const w = await page.evaluate(() => window.tidemark.series.u.width);
  check(w > 300 && w <= PHONE.width, 'phone: chart fits (' + w + ')');
  await shot(page, 'series-phone');
  check(errors.length === 0, 'phone console errors: ' + errors.join('; '));
  await ctx.close();
}

async function dark(s) {
  const ctx = await b.newContext({ viewport: DESKTOP, colorScheme: 'dark' });
  const page = await ctx.newPage();
  await page.goto(s.url('/'));
  await waitFor(() => page.$(card('temp;host=web1') + ' .viz canvas'), 'dark: cards');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const lum = bg.match(/\d+/g).slice(0, 3).reduce((a, v) => a + Number(v), 0);
  check(lum < 120, 'dark theme follows the system: ' + bg);
  await shot(page, 'home-dark');
  await ctx.close();
}

// --token without --read-open, under --url-prefix: the page asks once
async function tokenServer(tmp) {
  const s = await new Server(tmp, { name: 'token', args: ['--token', 's3cret', '--url-prefix', '/tm'], prefix: '/tm' }).start();
  servers.push(s);
  const auth = { 'X-AUTH-TOKEN': 's3cret' };
  await s.add('pi', { temp: '5.5' }, auth);
  const ctx = await b.newContext({ viewport: DESKTOP });
  const page = await ctx.newPage();
  const errors = watch(page, [t => t.includes('status of 401')]);
  await page.goto(`http://127.0.0.1:${s.ports.http}/tm`);
  check(page.url().endsWith('/tm/'), 'the prefix without a slash redirects: ' + page.url());
  await page.waitForSelector('#token-dialog[open]', { timeout: 10000 });
  await page.fill('#token-input', 'wrong');
  await page.click('#token-form button');
  await waitFor(() => page.$('#token-dialog[open] #token-error:not([hidden])'), 'a wrong token is refused');
  await page.fill('#token-input', 's3cret');
  await page.click('#token-form button');
  await waitFor(async () => (await text(page, card('temp;host=pi') + ' .big')) === '5.5', 'token: cards');
  await s.add('pi', { temp: '6.5' }, auth);
  await waitFor(async () => (await text(page, card('temp;host=pi') + ' .big')) === '6.5', 'token: the stream works');
  await page.reload();
  await waitFor(async () => (await text(page, card('temp;host=pi') + ' .big')) === '6.5', 'token: kept after reload');
  check(!(await page.$('#token-dialog[open]')), 'token: not asked again');
  check(errors.length === 0, 'token console errors: ' + errors.join('; '));
  await ctx.close();
}

// every file the page loads, as sent (gzip) and raw
async function pageWeight(s, urls) {
  let gz = 0, raw = 0;
  for (const u of urls) {
    const r = await fetch(u, { headers: { 'Accept-Encoding': 'gzip' } });
    gz += Number(r.headers.get('content-length')) || 0;
    raw += (await r.arrayBuffer()).byteLength;
    check(r.headers.get('etag') && r.headers.get('cache-control') === 'no-cache', 'asset headers: ' + u);
  }
  console.log(`page weight: ${urls.length} files, ${gz} bytes gzip'ed, ${raw} raw`);
  check(gz < 200 * 1024 && urls.length >= 10, 'page weight under 200 KB');
  const again = await fetch(urls[0], { headers: { 'If-None-Match': (await fetch(urls[0])).headers.get('etag') } });
  check(again.status === 304, 'ETag revalidates: ' + again.status);
}

run('test_web', async ctx => {
  servers = ctx.servers;
  const tmp = ctx.tmp;
  const s = await new Server(tmp).start();
  servers.push(s);
  await s.add('web1', { temp: '21.5', door: 'open', gps: '52.5,13.4' });
  b = ctx.browser = await browser();
  const bctx = await b.newContext({ viewport: DESKTOP });
  const page = await bctx.newPage();
  const loaded = [];
  page.on('request', r => { if (r.url().includes('/assets/') || r.url().endsWith(':' + s.ports.http + '/')) loaded.push(r.url()); });
  const errors = watch(page, [(t, url) => url.endsWith('/alerts') && t.includes('404')]);
  await homePage(s, page);
  await shot(page, 'home-desktop');
  await pageWeight(s, [...new Set(loaded)]);
  await seriesPage(s, page);
  await otherPages(s, page);
  check(errors.length === 0, 'console errors: ' + errors.join('; '));
  await bctx.close();
  await phone(s);
  await dark(s);
  await tokenServer(tmp);
  await stopAll(servers);
});

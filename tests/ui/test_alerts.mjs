// test_alerts.mjs — the alerts page and the home page's marks in a real
// chromium against a real server (--alert-interval 250ms): a rule made
// with the form is listed; a crossing shows firing on the page, in the
// events and as a red mark on the home card, over the live stream,
// and goes away on recovery (both pages count the alert events the stream
// brought them, so "live" is checked without a stopwatch); editing a rule with the form PUTs it (the
// threshold changes, the id stays); a refused rule says which field;
// delete removes it.
import { card, check, DESKTOP, run, shot, stopAll, text, waitFor, watch } from './harness.mjs';
import { browser, Server } from './uilib.mjs';

const WAIT_MS = 20000; // generous: the machine may be busy
const streamed = page => page.evaluate(() => window.tidemark.alertEvents || 0);

async function rules(s) { return (await s.get('/alerts')).json(); }

async function alertsPage(s, page) {
  await page.goto(s.url('/alerting'));
  await waitFor(async () => (await text(page, '.alerts-page .rules .note')) === 'No rules yet.', 'no rules yet');
  check(!(await page.$eval('#alerts-link', a => a.hidden)), 'the nav offers Alerts');
  await page.fill('form.rule-form input[name=metric]', 'temp');
  await page.fill('form.rule-form input[name=tags]', 'host=pi');
  await page.selectOption('form.rule-form select[name=level]', 'crit');
  await page.selectOption('form.rule-form select[name=agg]', 'last');
  await page.fill('form.rule-form input[name=duration]', '1m');
  await page.fill('form.rule-form input[name=threshold]', '70');
  await page.fill('form.rule-form input[name=summary]', '{{tags.host}} is {{value}}');
  await page.click('form.rule-form button[type=submit]');
  await waitFor(async () => (await page.$$('.rules tbody tr')).length === 1, 'the rule is listed');
  const [r] = await rules(s);
  check(r.metric === 'temp' && r.tags.host === 'pi' && r.threshold === 70 && r.level === 'crit' && r.agg === 'last',
    'the form made the rule: ' + JSON.stringify(r));

  await s.add('pi', { temp: '75' });
  await waitFor(async () => (await text(page, `.rules tr[data-id="${r.id}"] td.state`)) === 'firing', 'firing shown', WAIT_MS);
  await waitFor(() => page.$('.alert-events tbody tr.firing'), 'the firing event is listed', WAIT_MS);
  check((await streamed(page)) === 1, 'the event came over the live stream: ' + await streamed(page));
  check((await text(page, '.alert-events tbody tr.firing td:last-child')) === 'pi is 75', 'the event carries the summary');
  check(await page.$('.series-states li.state.firing[data-series="temp;host=pi"]'), 'the series is listed firing');
  await shot(page, 'alerts-firing');
  return r;
}

async function homeMarks(s, page) {
  await page.goto(s.url('/'));
  await waitFor(async () => (await page.$eval(card('temp;host=pi'), c => c.dataset.alert).catch(() => null)) === 'crit',
    'the firing series is marked on the home page', WAIT_MS);
  check(!(await page.$eval(card('door;host=pi'), c => c.dataset.alert).catch(() => 'x')), 'another series is not');
  await shot(page, 'home-firing');
  await s.add('pi', { temp: '40' });
  await waitFor(async () => (await page.$eval(card('temp;host=pi'), c => c.dataset.alert || '')) === '',
    'the mark goes on recovery', WAIT_MS);
  check((await streamed(page)) === 1, 'the recovery came over the live stream: ' + await streamed(page));
}

async function editAndDelete(s, page, r) {
  await page.goto(s.url('/alerting'));
  await waitFor(() => page.$(`.rules tr[data-id="${r.id}"] button.edit`), 'the edit button');
  await page.click(`.rules tr[data-id="${r.id}"] button.edit`);
  check((await page.inputValue('form.rule-form input[name=threshold]')) === '70', 'the form holds the rule');
  await page.fill('form.rule-form input[name=threshold]', 'warn:50,crit:90');
  await page.click('form.rule-form button[type=submit]');
  await waitFor(async () => JSON.stringify((await rules(s))[0].threshold) === '{"warn":50,"crit":90}', 'PUT changed the threshold');
  const after = await rules(s);
  check(after.length === 1 && after[0].id === r.id, 'the same rule, edited: ' + JSON.stringify(after.map(a => a.id)));
  await page.fill('form.rule-form input[name=metric]', 'x');
  await page.fill('form.rule-form input[name=duration]', 'soon');
  await page.fill('form.rule-form input[name=threshold]', '1');
  await page.click('form.rule-form button[type=submit]');
  await waitFor(async () => ((await text(page, '.alerts-page > p.note')) || '').includes('duration'), 'a refused rule names the field');
  await page.click(`.rules tr[data-id="${r.id}"] button.delete`);
  await waitFor(async () => (await text(page, '.alerts-page .rules .note')) === 'No rules yet.', 'deleted');
}

run('test_alerts', async ctx => {
  const s = await new Server(ctx.tmp, { args: ['--alert-interval', '250ms'] }).start();
  ctx.servers.push(s);
  await s.add('pi', { temp: '21.5', door: 'closed' });
  ctx.browser = await browser();
  const bctx = await ctx.browser.newContext({ viewport: DESKTOP });
  const page = await bctx.newPage();
  const errors = watch(page, [(t) => t.includes('400')]);
  const r = await alertsPage(s, page);
  await homeMarks(s, page);
  await editAndDelete(s, page, r);
  check(errors.length === 0, 'console errors: ' + errors.join('; '));
  await bctx.close();
  await stopAll(ctx.servers);
});

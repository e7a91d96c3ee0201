// test_delete.mjs — deleting a series from its page, in a real chromium
// against a real server run with --token and --read-open (the page reads
// without a token; the delete is a write and needs it): a dialog names the
// series and asks; Cancel keeps it; Delete asks for the token on the 401,
// then deletes exactly that series (not its namesakes with other tags),
// and the page says so.
import { check, runPage, shot, text, waitFor } from './harness.mjs';

const AUTH = { 'X-AUTH-TOKEN': 's3cret' };

async function keys(s) {
  return (await (await s.get('/api/v1/metrics')).json()).map(m => m.metric + ';' + JSON.stringify(m.tags)).sort();
}

async function seed(s) {
  await s.add('a', { temp: '21.5' }, AUTH);
  await s.add('b', { temp: '22.5' }, AUTH);
  await s.data([{ metric: 'temp', value: 1 }], AUTH);
}

runPage('test_delete', { args: ['--token', 's3cret', '--read-open'], seed, allowed: [t => t.includes('status of 401')] }, async (s, page) => {
  const before = await keys(s);
  check(before.length === 3, 'three temp series: ' + before);
  await page.goto(s.url('/series?metric=temp&tag=host%3Aa&exact=1'));
  await waitFor(() => page.evaluate(() => window.tidemark.series && window.tidemark.series.u), 'the series page');
  check(!(await page.$('#token-dialog[open]')), 'reading needs no token (--read-open)');

  await page.click('button.delete');
  await page.waitForSelector('dialog.confirm-delete[open]', { timeout: 10000 });
  check((await text(page, 'dialog.confirm-delete code')) === 'temp;host=a', 'the dialog names the series: ' + await text(page, 'dialog.confirm-delete code'));
  await shot(page, 'delete-confirm');
  await page.click('dialog.confirm-delete button[value="cancel"]');
  await waitFor(async () => !(await page.$('dialog.confirm-delete')), 'cancel closes the dialog');
  check(JSON.stringify(await keys(s)) === JSON.stringify(before), 'cancel deletes nothing');

  await page.click('button.delete');
  await page.click('dialog.confirm-delete button[value="delete"]');
  await page.waitForSelector('#token-dialog[open]', { timeout: 10000 });
  await page.fill('#token-input', 's3cret');
  await page.click('#token-form button');
  await waitFor(async () => ((await text(page, 'main')) || '').startsWith('Deleted temp;host=a'), 'the page says it is deleted');
  const after = await keys(s);
  check(JSON.stringify(after) === JSON.stringify(before.filter(k => k !== 'temp;{"host":"a"}')), 'exactly that series is gone: ' + after);
  await shot(page, 'delete-done');
});

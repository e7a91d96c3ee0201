// harness.mjs — what every browser test file shares: checks that collect
// failures (one test file reports them all), bounded waits that fail with
// what they waited for, console errors as failures, screenshots into
// $TM_ARTIFACTS, and run(): an overall time limit, then the browser and
// every server closed, however the test ended.
import fs from 'node:fs';
import path from 'node:path';
import { browser, Server, tmpdir, waitUntil } from './uilib.mjs';

export const ARTIFACTS = process.env.TM_ARTIFACTS || path.resolve('artifacts');
export const DESKTOP = { width: 1280, height: 800 }, PHONE = { width: 390, height: 844 };
const failures = [];

export function check(cond, what) {
  if (!cond) failures.push(what);
  return !!cond;
}
export function require_(cond, what) {
  if (!cond) throw new Error(what);
}
export async function waitFor(pred, what, ms = 10000) {
  const v = await waitUntil(pred, ms);
  require_(v, 'timed out: ' + what);
  return v;
}

// console errors fail the test, but for the answers the test itself provokes
export function watch(page, allowed) {
  const errors = [];
  page.on('console', m => {
    if (m.type() !== 'error') return;
    const url = (m.location() && m.location().url) || '';
    if (!allowed.some(a => a(m.text(), url))) errors.push(m.text() + ' @ ' + url);
  });
  page.on('pageerror', e => errors.push('page error: ' + e.message));
  return errors;
}

export const text = (page, sel) => page.$eval(sel, e => e.textContent.trim()).catch(() => null);
export const card = key => `article.card[data-key="${key}"]`;
export const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, name + '.png'), fullPage: false });

// ctx: {servers: [], browser: null, tmp: a temporary dir, removed at the
// end}, filled in by body(ctx); limit in ms
export function run(name, body, limit = 55000) {
  const ctx = { servers: [], browser: null, tmp: tmpdir('tm-' + name) };
  const started = Date.now();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const cleanup = async () => {
    if (ctx.browser) await ctx.browser.close().catch(() => {});
    for (const s of ctx.servers) if (s.proc && s.proc.exitCode === null) s.proc.kill('SIGKILL');
    fs.rmSync(ctx.tmp, { recursive: true, force: true });
  };
  const alarm = setTimeout(() => {
    console.error(`FAIL: ${name} took over ${limit / 1000} s`);
    cleanup().then(() => process.exit(1));
  }, limit);
  body(ctx).catch(e => failures.push('stopped: ' + e.message + '\n' + ctx.servers.map(s => s.log()).join('\n').slice(-3000)))
    .finally(async () => {
      clearTimeout(alarm);
      await cleanup();
      for (const f of failures) console.error('FAIL:', f);
      console.log(`${name}: ${failures.length ? 'FAILED' : 'ok'} in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${ARTIFACTS}`);
      process.exit(failures.length ? 1 : 0);
    });
}

// the servers stop cleanly (exit 0), checked at the end of a test
export async function stopAll(servers) {
  for (const x of servers) {
    const code = await x.stop();
    check(code === 0, `server stops cleanly (exit ${code})\n` + x.log().slice(-4000));
  }
}

// The usual test file: one server (opts.args: its flags), seed(s) before
// the browser starts, one page (opts.context: newContext options; opts.allowed:
// console errors the test provokes) given to body(s, page); console errors
// fail it, and the server must stop cleanly.
export function runPage(name, opts, body) {
  run(name, async ctx => {
    const s = await new Server(ctx.tmp, { args: opts.args || [] }).start();
    ctx.servers.push(s);
    if (opts.seed) await opts.seed(s);
    ctx.browser = await browser();
    const bctx = await ctx.browser.newContext({ viewport: DESKTOP, ...(opts.context || {}) });
    const page = await bctx.newPage();
    const errors = watch(page, opts.allowed || []);
    await body(s, page);
    check(errors.length === 0, 'console errors: ' + errors.join('; '));
    await bctx.close();
    await stopAll(ctx.servers);
  }, opts.limit);
}

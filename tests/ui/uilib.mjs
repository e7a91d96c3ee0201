// uilib.mjs — helpers for the browser tests and the UI benchmark: a real
// `tidemark serve` on 127.0.0.1 free ports with a temporary data dir (as
// tests/e2e/tmlib.py does for the Python tests), Debian's chromium driven by
// playwright-core with a fresh profile, and bounded waits. Nothing here
// sleeps without a bound or talks to any address but 127.0.0.1.
import { spawn, execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// resolved now: the server runs in its temporary dir, where a relative path means nothing
export const BIN = path.resolve(process.env.TIDEMARK_BIN || path.join(HERE, '../../build/tidemark'));
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const sleep = ms => new Promise(r => setTimeout(r, ms));

// Call pred until it gives something truthy (returned) or ms pass (null).
export async function waitUntil(pred, ms = 10000, every = 50) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await pred();
      if (v) return v;
    } catch { /* not yet */ }
    if (Date.now() >= end) return null;
    await sleep(every);
  }
}

function portFree(port) {
  return new Promise(resolve => {
    const u = dgram.createSocket('udp4');
    u.once('error', () => resolve(false));
    u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
  });
}

// a loopback port free for TCP and UDP (Graphite and StatsD listen on both),
// and not one of taken (the OS may hand a just-closed port out again)
export async function freePort(taken = []) {
  for (let i = 0; i < 100; i++) {
    const port = await new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
    if (!taken.includes(port) && await portFree(port)) return port;
  }
  throw new Error('no free loopback port');
}

function listeners() {
  const help = execFileSync(BIN, ['serve', '--help'], { encoding: 'utf8', timeout: 30000 });
  return [...new Set(['http', ...[...help.matchAll(/^\s*--([a-z0-9]+)-listen\b/gm)].map(m => m[1])])];
}

export class Server {
  // args: extra flags; prefix: the --url-prefix given in args, for url()
  constructor(tmp, { args = [], prefix = '', name = 'srv' } = {}) {
    this.dir = fs.mkdtempSync(path.join(tmp, name + '-'));
    this.args = args;
    this.prefix = prefix;
    this.logPath = path.join(this.dir, 'server.log');
  }

  // a port taken by someone else between picking and binding: pick again
  async start(ms = 20000) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const cmd = ['serve', '--data-dir', path.join(this.dir, 'data'), '--fsync', 'off'];
      this.ports = {};
      for (const l of listeners()) {
        this.ports[l] = await freePort(Object.values(this.ports));
        cmd.push(`--${l}-listen`, `127.0.0.1:${this.ports[l]}`);
      }
      const log = fs.openSync(this.logPath, 'a');
      this.proc = spawn(BIN, cmd.concat(this.args), { stdio: ['ignore', log, log], cwd: this.dir });
      fs.closeSync(log);
      this.exited = new Promise(r => this.proc.once('exit', (code, sig) => r(code === null ? sig : code)));
      const ok = await waitUntil(async () => this.proc.exitCode !== null || (await fetch(this.url('/healthz'))).ok, ms);
      if (ok && this.proc.exitCode === null) return this;
      if (this.proc.exitCode === null) break;
      if (!this.log().includes('cannot listen')) break;
    }
    await this.stop(5000);
    throw new Error('tidemark did not start:\n' + this.log());
  }

  url(p) { return `http://127.0.0.1:${this.ports.http}${this.prefix}${p}`; }
  log() { try { return fs.readFileSync(this.logPath, 'utf8'); } catch { return ''; } }

  async get(p, headers) { return fetch(this.url(p), { headers }); }

  // GET /add?host=..&k=v... (the Vapor Trail form), requiring 200
  async add(host, fields, headers) {
    const q = new URLSearchParams({ host, ...fields });
    const r = await fetch(this.url('/add?' + q), { headers });
    if (r.status !== 200) throw new Error(`/add ${q}: HTTP ${r.status} ${await r.text()}`);
  }

  // POST /api/v1/data: [{metric, value, time, tags}], requiring 2xx
  async data(samples, headers) {
    const r = await fetch(this.url('/api/v1/data'), { method: 'POST', body: JSON.stringify(samples), headers });
    if (!r.ok) throw new Error(`/api/v1/data: HTTP ${r.status} ${await r.text()}`);
  }

  // Graphite plaintext lines over TCP, as collectd's write_graphite sends
  // them (\r\n); resolves once the server has closed its side
  graphite(lines) {
    return new Promise((resolve, reject) => {
      const c = net.connect(this.ports.graphite, '127.0.0.1', () => c.end(lines.map(l => l + '\r\n').join('')));
      c.setTimeout(10000, () => c.destroy(new Error('graphite: timed out')));
      c.on('error', reject);
      c.on('close', () => resolve());
      c.resume();
    });
  }

  async stop(ms = 30000) {
    if (!this.proc || this.proc.exitCode !== null) return this.proc && this.proc.exitCode;
    this.proc.kill('SIGTERM');
    const code = await Promise.race([this.exited, sleep(ms).then(() => 'timeout')]);
    if (code === 'timeout') this.proc.kill('SIGKILL');
    return code;
  }
}

// chromium.launch gives every browser a fresh temporary profile of its own
export async function browser() {
  return chromium.launch({
    executablePath: CHROMIUM, headless: true, timeout: 30000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export function tmpdir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), name + '-'));
}

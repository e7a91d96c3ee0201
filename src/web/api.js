// api.js — talking to the server this page came from. The base is the
// page's own directory, so the UI works under --url-prefix; the token (for
// servers run with --token) is asked once and kept in localStorage.

export const BASE = location.pathname.replace(/[^/]*$/, '');
const TOKEN_KEY = 'tidemark.token:' + BASE;
let token = localStorage.getItem(TOKEN_KEY) || '';
let asking = null;

export class HttpError extends Error {
  constructor(status, msg) { super(msg); this.status = status; }
}

export function url(path, params) {
  const q = params ? new URLSearchParams(params).toString() : '';
  return BASE + path + (q ? '?' + q : '');
}

// For what cannot carry a header: EventSource, links the user opens.
export function withToken(params) {
  const p = [...(params || [])];
  if (token) p.push(['token', token]);
  return p;
}

function askToken(refused) {
  if (asking) return asking;
  asking = new Promise(resolve => {
    const d = document.getElementById('token-dialog');
    const form = document.getElementById('token-form');
    const input = document.getElementById('token-input');
    document.getElementById('token-error').hidden = !refused;
    input.value = '';
    const done = e => {
      e.preventDefault();
      token = input.value.trim();
      localStorage.setItem(TOKEN_KEY, token);
      form.removeEventListener('submit', done);
      d.close();
      asking = null;
      resolve();
    };
    form.addEventListener('submit', done);
    d.addEventListener('cancel', e => e.preventDefault(), { once: true });
    d.showModal();
    input.focus();
  });
  return asking;
}

// fetch with the token; a 401 asks for it (again) and retries
export async function request(method, path, params, body) {
  for (;;) {
    const headers = {};
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(url(path, params), {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (r.status !== 401) return r;
    await askToken(!!token);
  }
}

async function errorOf(r) {
  try { const j = await r.json(); if (j && j.error) return j.error; } catch { /* not JSON */ }
  return 'HTTP ' + r.status;
}

export async function getJSON(path, params) {
  const r = await request('GET', path, params);
  if (!r.ok) throw new HttpError(r.status, await errorOf(r));
  return r.json();
}

export async function sendJSON(method, path, body) {
  const r = await request(method, path, undefined, body);
  if (!r.ok) throw new HttpError(r.status, await errorOf(r));
  return r.status === 204 ? null : r.json().catch(() => null);
}

// A cheap read that makes sure we hold a working token (asks if not).
export async function ensureAuth() {
  await request('GET', 'api/v1/metrics', [['match', 'tidemark-auth-probe']]);
}

// The status of a GET without asking for a token (what the nav may offer).
export async function probe(path) {
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  try { return (await fetch(url(path), { headers })).status; } catch { return 0; }
}

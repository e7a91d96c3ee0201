// app.js — the page's entry: one HTML page for every route of the UI
// (/, /series, /alerting), told apart by the last part of its own path, so
// the same files work at the root or under --url-prefix.
import { BASE, HttpError, probe } from './api.js';
import { alertsPage } from './alerts.js';
import { el } from './fmt.js';
import { home } from './home.js';
import { seriesPage } from './series.js';

// for the tests and the latency benchmark: what is on screen
window.tidemark = { base: BASE, onDraw: null };

const pages = { '': home, series: seriesPage, alerting: alertsPage };
const name = location.pathname.slice(BASE.length);
const main = document.getElementById('main');

for (const a of document.querySelectorAll('nav a')) {
  a.classList.toggle('on', a.dataset.page === (name || 'home'));
}

// the nav offers Alerts where the server has them
probe('alerts').then(st => { document.getElementById('alerts-link').hidden = st === 404 || st === 0; });

(pages[name] || home)(main).catch(e => {
  const what = e instanceof HttpError ? `The server answered ${e.status}: ${e.message}` : 'Cannot reach the server: ' + e.message;
  main.replaceChildren(el('p', { class: 'note error' }, what));
});

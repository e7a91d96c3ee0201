// home.js — the home page: every series, grouped by host, each as its
// widget. It lists the series once (/api/v1/metrics), then lives on the
// stream: a sample of a series it has not seen adds its card in place, no
// reload. A card fetches its short history only when it first scrolls into
// view, a few requests at a time, so thousands of series load quickly.
import { Firing, markAlert } from './alertstate.js';
import { getJSON } from './api.js';
import { onTheme } from './chart.js';
import { el, seriesKey, seriesParams } from './fmt.js';
import { markDirty, showState, stream } from './live.js';
import { hostOf } from './names.js';
import { CAP, makeWidget } from './widgets.js';

const NO_HOST = '(no host)';
// how much history a card starts with: the last hour, raw when the series
// is small, else ~300 buckets
const HISTORY = {
  number: [['from', '-1h']],
  bucketed: [['from', '-1h'], ['step', '12s'], ['agg', 'avg']],
  string: [['from', '-24h']],
  location: [['from', '-1h']],
};
const historyOf = w => HISTORY[w.type === 'number' && w.info.points > CAP.number ? 'bucketed' : w.type] || HISTORY.bucketed;
const PARALLEL = 4;
const STALE_CHECK_MS = 5000;

export async function home(main) {
  const widgets = new Map(), groups = new Map();
  const filter = el('input', { type: 'search', class: 'filter', placeholder: 'filter series', 'aria-label': 'filter series' });
  const count = el('span', { class: 'count' });
  const dense = el('button', { type: 'button', class: 'dense-toggle', title: 'small cards: a wall of charts' }, 'dense');
  const compare = el('a', { class: 'compare', hidden: true, title: 'the selected series on one chart' });
  const empty = el('div', { class: 'note empty', hidden: true },
    el('p', null, 'No series yet. Send one:'),
    el('pre', null, `curl "${location.origin}${location.pathname.replace(/[^/]*$/, '')}add?host=pi&temp=21.5&door=open&gps=52.5,13.4"`));
  const board = el('div', { class: 'board' });
  main.replaceChildren(el('div', { class: 'toolbar' }, filter, count, compare, dense), empty, board);
  // the cards ticked for comparing: their series on one page (overlay.js)
  board.addEventListener('change', e => {
    if (!e.target.classList.contains('pick')) return;
    const keys = [...board.querySelectorAll('input.pick:checked')].map(i => i.closest('.card').dataset.key);
    compare.hidden = keys.length < 2;
    compare.textContent = `compare ${keys.length}`;
    compare.href = 'series?' + new URLSearchParams(keys.map(k => ['sel', k]));
  });
  window.tidemark.widgets = widgets;
  denseToggle(dense, board, widgets);

  const loadHistory = historyLoader();

  const io = new IntersectionObserver(entries => {
    for (const e of entries) {
      const w = e.target.widget;
      w.visible = e.isIntersecting;
      if (!w.visible) continue;
      if (!w.loaded) {
        w.loaded = true;
        loadHistory(w);
      }
      markDirty(w);
    }
  }, { rootMargin: '200px 0px' });

  function group(host) {
    let g = groups.get(host);
    if (g) return g;
    const cards = el('div', { class: 'cards' });
    g = { host, cards, el: el('section', { class: 'group', 'data-host': host }, el('h2', null, host), cards) };
    groups.set(host, g);
    const after = [...groups.values()].filter(o => o !== g && order(o.host, host) > 0).sort((a, b) => order(a.host, b.host))[0];
    board.insertBefore(g.el, after ? after.el : null);
    return g;
  }

  const firing = new Firing();
  function add(info) {
    const place = hostOf(info.metric, info.tags);
    const w = makeWidget(info, place.prefix);
    widgets.set(w.key, w);
    markAlert(w.el, firing.level(w.key));
    const g = group(place.host !== undefined ? place.host : NO_HOST);
    let next = null;
    for (const c of g.cards.children) if (byName.compare(c.widget.key, w.key) > 0) { next = c; break; }
    g.cards.insertBefore(w.el, next);
    applyFilter(w);
    io.observe(w.el);
    empty.hidden = true;
    showCount();
    return w;
  }

  // "12 series", or "3 of 12 series" while the filter hides some
  function showCount() {
    let shown = 0;
    for (const w of widgets.values()) if (!w.el.hidden) shown++;
    count.textContent = (shown === widgets.size ? '' : shown + ' of ') + widgets.size + ' series';
  }

  function applyFilter(w) {
    const q = filter.value.trim().toLowerCase();
    w.el.hidden = !!q && !w.key.toLowerCase().includes(q);
  }
  filter.addEventListener('input', () => {
    for (const w of widgets.values()) applyFilter(w);
    for (const g of groups.values()) g.el.hidden = ![...g.cards.children].some(c => !c.hidden);
    showCount();
  });

  // a series that stops reporting sends nothing that would redraw it
  setInterval(() => {
    const now = Date.now() / 1000;
    for (const w of widgets.values()) w.showWhen(now);
  }, STALE_CHECK_MS);

  onTheme(() => { for (const w of widgets.values()) w.rebuild(); });

  // every series and its latest value; again after the stream was down
  async function sync() {
    for (const info of await getJSON('api/v1/metrics')) {
      const w = widgets.get(seriesKey(info.metric, info.tags));
      if (!w) add(info);
      else if (info.last_time !== null && info.last_value !== null) w.push(info.last_time, info.last_value);
    }
  }

  // the stream first, so nothing written while the list loads is missed
  stream([], s => {
    const key = seriesKey(s.metric, s.tags);
    const w = widgets.get(key) || add({ metric: s.metric, tags: s.tags || {}, type: s.type });
    w.push(s.time, s.value);
  }, showState, () => sync().then(loadFiring).catch(e => console.warn('resync', e.message)), a => {
    window.tidemark.alertEvents = (window.tidemark.alertEvents || 0) + 1; // for the tests: it came live
    const w = widgets.get(firing.apply(a));
    if (w) markAlert(w.el, firing.level(w.key));
  });

  // cards of firing series are marked (alertstate.js); none where the server has no alerts
  async function loadFiring() {
    if (!(await firing.load().catch(() => false))) return;
    for (const w of widgets.values()) markAlert(w.el, firing.level(w.key));
  }

  await sync();
  await loadFiring();
  if (!widgets.size) empty.hidden = false;
}

// a card's history, a few requests at a time
function historyLoader() {
  const queue = [];
  let running = 0;
  const pump = () => {
    while (running < PARALLEL && queue.length) {
      const w = queue.shift();
      running++;
      getJSON('api/v1/query', seriesParams(w.info.metric, w.info.tags).concat(historyOf(w)))
        .then(r => w.load(r.points || []), e => console.warn('history of', w.key, e.message))
        .finally(() => { running--; pump(); });
    }
  };
  return w => { queue.push(w); pump(); };
}

// small cards, kept in the browser; charts are rebuilt at their new size
function denseToggle(button, board, widgets) {
  const set = on => {
    board.classList.toggle('dense', on);
    button.classList.toggle('on', on);
    localStorage.setItem('tidemark.dense', on ? '1' : '');
    for (const w of widgets.values()) w.rebuild();
  };
  set(localStorage.getItem('tidemark.dense') === '1');
  button.addEventListener('click', () => set(!board.classList.contains('dense')));
}

// cpu2 before cpu10, as people count
const byName = new Intl.Collator(undefined, { numeric: true });

function order(a, b) {
  if (a === b) return 0;
  if (a === NO_HOST) return 1;
  if (b === NO_HOST) return -1;
  return byName.compare(a, b);
}

// alerts.js — the alerts page: every rule (GET /alerts) with its live state
// per series, the recent transitions (GET /alerts/events), a form that
// creates a rule (POST /alerts) or edits one (PUT /alerts), and delete.
// Transitions arrive at once on the live stream ("alert" events); a slow
// refresh catches anything else (a rule made elsewhere, pending states).
// A server without alerts answers 404, and the page says so plainly rather
// than showing anything made up.
import { request, sendJSON } from './api.js';
import { el, fmtTime, seriesHref, tagsText } from './fmt.js';
import { showState, stream } from './live.js';

const REFRESH_MS = 10000, EVENTS = 200;
// the stream's samples are of no use here: a metric no series has keeps them away
const ONLY_ALERTS = [['metric', 'tidemark.alerts-page.none']];

async function fetchList(path, params) {
  const r = await request('GET', path, params);
  if (r.status === 404) return null;
  if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
  return r.json();
}

export async function alertsPage(main) {
  const rules = el('div', { class: 'rules' }), events = el('div', { class: 'alert-events' });
  const msg = el('p', { class: 'note', hidden: true });
  const note = t => { msg.textContent = t; msg.hidden = !t; };
  const form = ruleForm(async (body, editing) => {
    try {
      await sendJSON(editing ? 'PUT' : 'POST', 'alerts', body);
      form.clear();
      note('');
      await refresh();
    } catch (e) {
      note('The rule was refused: ' + e.message);
    }
  });
  const formBox = el('div', { class: 'form-box' }, el('h2', null, 'New rule'), form);
  main.replaceChildren(el('section', { class: 'alerts-page' }, el('h1', null, 'Alerts'), msg, rules, formBox, events));
  let evs = [];

  const actions = {
    edit: rule => { form.edit(rule); formBox.querySelector('h2').textContent = 'Edit rule ' + rule.id; formBox.scrollIntoView(); },
    remove: async id => {
      try { await sendJSON('DELETE', 'alerts/' + encodeURIComponent(id)); } catch (e) { note(e.message); }
      await refresh();
    },
  };
  form.onClear = () => { formBox.querySelector('h2').textContent = 'New rule'; };

  async function refresh() {
    let list;
    try {
      list = await fetchList('alerts');
      if (list === null) {
        main.querySelector('.alerts-page').replaceChildren(el('h1', null, 'Alerts'),
          el('p', { class: 'note unavailable' }, 'Alerts are not available on this server.'));
        return false;
      }
      evs = (await fetchList('alerts/events', [['limit', String(EVENTS)]])) || [];
    } catch (e) {
      note('Could not load the alerts: ' + e.message);
      return true;
    }
    rules.replaceChildren(el('h2', null, 'Rules'), list.length ? rulesTable(list, actions) : el('p', { class: 'note' }, 'No rules yet.'));
    showEvents();
    return true;
  }
  function showEvents() {
    events.replaceChildren(el('h2', null, 'Recent events'), evs.length ? eventsTable(evs) : el('p', { class: 'note' }, 'No events yet.'));
  }

  if (!(await refresh())) return;
  let pending = null; // one refresh for a burst of transitions
  stream(ONLY_ALERTS, () => {}, showState, () => refresh(), ev => {
    window.tidemark.alertEvents = (window.tidemark.alertEvents || 0) + 1; // for the tests: it came live
    evs = [ev, ...evs].slice(0, EVENTS);
    showEvents();
    if (!pending) pending = setTimeout(() => { pending = null; refresh(); }, 300);
  });
  const timer = setInterval(() => refresh().then(ok => ok || clearInterval(timer)), REFRESH_MS);
}

function threshold(a) {
  const t = a.threshold;
  if (t === undefined) return '';
  if (t !== null && typeof t === 'object') return Object.entries(t).map(([l, v]) => l + ' ' + v).join(', ');
  return JSON.stringify(t);
}

function cond(a) {
  const parts = [];
  if (a.threshold !== undefined) parts.push([a.agg || 'avg', a.duration ? 'over ' + a.duration : '', a.op || '>', threshold(a)].filter(Boolean).join(' '));
  if (a.recover !== undefined) parts.push('recover ' + (typeof a.recover === 'object' ? JSON.stringify(a.recover) : a.recover));
  if (a.for) parts.push('for ' + a.for);
  if (a.nodata) parts.push('no data for ' + a.nodata);
  return parts.join('; ');
}

// each series with its state: firing and pending ones link to their series page
function seriesList(a) {
  const st = a.states || [];
  if (!st.length) return '';
  const shown = st.filter(s => s.state !== 'ok');
  const items = shown.map(s => el('li', { class: 'state ' + s.state, 'data-series': s.series },
    el('a', { href: seriesHref(s.metric, s.tags) }, s.series), ' ', s.state, s.state === 'firing' ? ' (' + s.level + ')' : '',
    s.value === null || s.value === undefined ? '' : ' = ' + JSON.stringify(s.value)));
  const ok = st.length - shown.length;
  if (ok) items.push(el('li', { class: 'state ok' }, ok + (shown.length ? ' more ' : ' ') + 'ok'));
  return el('ul', { class: 'series-states' }, ...items);
}

function rulesTable(list, actions) {
  return el('table', { class: 'alerts-table' },
    el('thead', null, el('tr', null, ...['level', 'rule', 'metric', 'tags', 'condition', 'state', 'series', 'webhook', ''].map(h => el('th', null, h)))),
    el('tbody', null, ...list.map(a => el('tr', { 'data-id': a.id, class: a.state },
      el('td', null, el('span', { class: 'level ' + (a.level || 'warn') }, a.level || 'warn')),
      el('td', null, a.name || a.id), el('td', null, a.metric || a.expr || ''), el('td', null, tagsText(a.tags)),
      el('td', null, cond(a)), el('td', { class: 'state ' + (a.state || '') }, a.state || ''), el('td', null, seriesList(a)),
      el('td', null, [].concat(a.post || []).join(' ')),
      el('td', null, el('button', { type: 'button', class: 'edit', onclick: () => actions.edit(a) }, 'edit'), ' ',
        el('button', { type: 'button', class: 'delete', onclick: () => actions.remove(a.id) }, 'delete'))))));
}

function eventsTable(evs) {
  return el('table', { class: 'alerts-table events' },
    el('thead', null, el('tr', null, ...['time', 'state', 'level', 'rule', 'series', 'value', 'threshold', 'summary'].map(h => el('th', null, h)))),
    el('tbody', null, ...evs.map(e => el('tr', { class: e.state === 'firing' ? 'firing' : 'ok' },
      el('td', null, fmtTime(e.time)), el('td', null, (e.state || '') + (e.silenced ? ' (silenced)' : '')), el('td', null, e.level || ''),
      el('td', null, e.name || e.id || ''), el('td', null, e.series || e.metric || ''),
      el('td', null, e.value === undefined ? '' : JSON.stringify(e.value)),
      el('td', null, e.threshold === undefined ? '' : JSON.stringify(e.threshold)), el('td', null, e.summary || '')))));
}

function select(name, options) {
  return el('select', { name }, ...options.map(o => el('option', { value: o }, o)));
}

// "80" → 80, "warn:70,crit:90" → {"warn":70,"crit":90}, anything else a string
function parseThreshold(s) {
  s = s.trim();
  if (s === '') return undefined;
  if (Number.isFinite(Number(s))) return Number(s);
  const lv = s.split(/[,\s]+/).map(p => p.split(/[:=]/));
  if (lv.every(p => p.length === 2 && ['info', 'warn', 'crit'].includes(p[0]) && Number.isFinite(Number(p[1])))) {
    return Object.fromEntries(lv.map(([l, v]) => [l, Number(v)]));
  }
  return s;
}

// the form's fields become the rule object of the SPEC
function ruleForm(onSubmit) {
  const input = (name, attrs) => el('input', { name, ...attrs });
  let editing = null;
  const f = el('form', { class: 'rule-form' },
    el('label', null, 'metric ', input('metric', { required: true, placeholder: 'cpu.user' })),
    el('label', null, 'tags ', input('tags', { placeholder: 'host=web1' })),
    el('label', null, 'level ', select('level', ['warn', 'crit', 'info'])),
    el('label', null, 'agg ', select('agg', ['avg', 'min', 'max', 'sum', 'count', 'last', 'rate'])),
    el('label', null, 'over ', input('duration', { value: '1m', size: 5 })),
    el('label', null, 'op ', select('op', ['>', '>=', '<', '<=', '==', '!='])),
    el('label', null, 'threshold ', input('threshold', { placeholder: '80 or warn:70,crit:90' })),
    el('label', null, 'recover ', input('recover', { placeholder: '65', size: 5 })),
    el('label', null, 'for ', input('for', { placeholder: '2m', size: 5 })),
    el('label', null, 'or no data for ', input('nodata', { placeholder: '5m', size: 5 })),
    el('label', null, 'summary ', input('summary', { placeholder: '{{tags.host}} at {{value}}' })),
    el('label', null, 'webhook ', input('post', { type: 'url', placeholder: 'http://host/hook' })),
    el('button', { type: 'submit' }, 'save rule'),
    el('button', { type: 'button', class: 'cancel', onclick: () => f.clear() }, 'cancel'));
  f.clear = () => { f.reset(); editing = null; if (f.onClear) f.onClear(); };
  f.edit = rule => {
    f.reset();
    editing = rule;
    const set = (k, v) => { if (v !== undefined && v !== null) f.elements[k].value = v; };
    set('metric', rule.metric);
    set('tags', Object.entries(rule.tags || {}).map(([k, v]) => k + '=' + v).join(' '));
    for (const k of ['level', 'agg', 'duration', 'op', 'for', 'nodata', 'summary']) set(k, rule[k]);
    const t = rule.threshold;
    set('threshold', t !== null && typeof t === 'object' ? Object.entries(t).map(([l, v]) => l + ':' + v).join(',') : t);
    set('recover', typeof rule.recover === 'object' ? undefined : rule.recover);
    set('post', [].concat(rule.post || [])[0]);
  };
  f.addEventListener('submit', e => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(f));
    const rule = { metric: d.metric.trim(), level: d.level, tags: {} };
    if (editing) rule.id = editing.id;
    for (const kv of d.tags.split(/[,\s]+/).filter(Boolean)) {
      const i = kv.indexOf('=');
      if (i > 0) rule.tags[kv.slice(0, i)] = kv.slice(i + 1);
    }
    const t = parseThreshold(d.threshold);
    if (t !== undefined) Object.assign(rule, { agg: d.agg, op: d.op, threshold: t, duration: d.duration.trim() || '1m' });
    if (typeof t === 'string') rule.agg = 'last';
    if (d.recover.trim() !== '') rule.recover = Number(d.recover);
    for (const k of ['for', 'nodata', 'summary', 'post']) if (d[k].trim()) rule[k] = d[k].trim();
    onSubmit(rule, !!editing);
  });
  return f;
}

// alerts.js — the alerts page: the rules (GET /alerts), their recent
// transitions (GET /alerts/events), a form to add a rule (POST /alerts) and
// a button to delete one. A server without alerts answers 404, and the page
// says so plainly rather than showing anything made up.
import { request, sendJSON } from './api.js';
import { el, fmtTime, tagsText } from './fmt.js';

const REFRESH_MS = 10000;

async function fetchList(path) {
  const r = await request('GET', path);
  if (r.status === 404) return null;
  if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
  const j = await r.json();
  return Array.isArray(j) ? j : j.alerts || j.events || [];
}

export async function alertsPage(main) {
  const rules = el('div', { class: 'rules' }), events = el('div', { class: 'alert-events' });
  const msg = el('p', { class: 'note', hidden: true });
  const form = ruleForm(async body => {
    try {
      await sendJSON('POST', 'alerts', body);
      form.reset();
      note('');
      await refresh();
    } catch (e) {
      note('The rule was refused: ' + e.message);
    }
  });
  main.replaceChildren(el('section', { class: 'alerts-page' }, el('h1', null, 'Alerts'), msg, rules, events));
  const note = t => { msg.textContent = t; msg.hidden = !t; };

  async function refresh() {
    let list, evs;
    try {
      list = await fetchList('alerts');
      if (list === null) {
        main.querySelector('.alerts-page').replaceChildren(el('h1', null, 'Alerts'),
          el('p', { class: 'note unavailable' }, 'Alerts are not available on this server.'));
        return false;
      }
      evs = (await fetchList('alerts/events')) || [];
    } catch (e) {
      note('Could not load the alerts: ' + e.message);
      return true;
    }
    rules.replaceChildren(el('h2', null, 'Rules'), list.length ? rulesTable(list, async id => {
      try { await sendJSON('DELETE', 'alerts/' + encodeURIComponent(id)); } catch (e) { note(e.message); }
      await refresh();
    }) : el('p', { class: 'note' }, 'No rules yet.'), el('h2', null, 'New rule'), form);
    events.replaceChildren(el('h2', null, 'Recent events'),
      evs.length ? eventsTable(evs.slice(-200).reverse()) : el('p', { class: 'note' }, 'No events yet.'));
    return true;
  }
  if (await refresh()) {
    const timer = setInterval(() => refresh().then(ok => ok || clearInterval(timer)), REFRESH_MS);
  }
}

function cond(a) {
  if (a.nodata) return 'no data for ' + a.nodata;
  return [a.agg || 'avg', a.op || '>', JSON.stringify(a.threshold), a.duration ? 'for ' + a.duration : ''].join(' ');
}

function rulesTable(list, onDelete) {
  return el('table', { class: 'alerts-table' },
    el('thead', null, el('tr', null, ...['level', 'metric', 'tags', 'condition', 'state', 'webhook', ''].map(h => el('th', null, h)))),
    el('tbody', null, ...list.map(a => el('tr', { 'data-id': a.id },
      el('td', null, el('span', { class: 'level ' + (a.level || 'warn') }, a.level || 'warn')),
      el('td', null, a.metric || ''), el('td', null, tagsText(a.tags)), el('td', null, cond(a)),
      el('td', null, a.state || ''), el('td', null, a.post || ''),
      el('td', null, el('button', { type: 'button', onclick: () => onDelete(a.id) }, 'delete'))))));
}

function eventsTable(evs) {
  return el('table', { class: 'alerts-table' },
    el('thead', null, el('tr', null, ...['time', 'state', 'level', 'metric', 'tags', 'value', 'threshold'].map(h => el('th', null, h)))),
    el('tbody', null, ...evs.map(e => el('tr', { class: e.state === 'firing' ? 'firing' : 'ok' },
      el('td', null, fmtTime(e.time)), el('td', null, e.state || ''), el('td', null, e.level || ''),
      el('td', null, e.metric || ''), el('td', null, tagsText(e.tags)),
      el('td', null, e.value === undefined ? '' : JSON.stringify(e.value)),
      el('td', null, e.threshold === undefined ? '' : JSON.stringify(e.threshold))))));
}

function select(name, options) {
  return el('select', { name }, ...options.map(o => el('option', { value: o }, o)));
}

// the form's fields become the rule object of the SPEC
function ruleForm(onSubmit) {
  const input = (name, attrs) => el('input', { name, ...attrs });
  const f = el('form', { class: 'rule-form' },
    el('label', null, 'metric ', input('metric', { required: true, placeholder: 'cpu.user' })),
    el('label', null, 'tags ', input('tags', { placeholder: 'host=web1' })),
    el('label', null, 'level ', select('level', ['warn', 'crit', 'info'])),
    el('label', null, 'agg ', select('agg', ['avg', 'min', 'max', 'sum', 'count', 'last'])),
    el('label', null, 'op ', select('op', ['>', '>=', '<', '<=', '==', '!='])),
    el('label', null, 'threshold ', input('threshold', { placeholder: '80' })),
    el('label', null, 'for ', input('duration', { value: '30s', size: 5 })),
    el('label', null, 'or no data for ', input('nodata', { placeholder: '5m', size: 5 })),
    el('label', null, 'webhook ', input('post', { type: 'url', placeholder: 'http://host/hook' })),
    el('button', { type: 'submit' }, 'add rule'));
  f.addEventListener('submit', e => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(f));
    const rule = { metric: d.metric.trim(), level: d.level, tags: {} };
    for (const kv of d.tags.split(/[,\s]+/).filter(Boolean)) {
      const i = kv.indexOf('=');
      if (i > 0) rule.tags[kv.slice(0, i)] = kv.slice(i + 1);
    }
    if (d.nodata.trim()) rule.nodata = d.nodata.trim();
    else {
      const n = Number(d.threshold);
      Object.assign(rule, { agg: d.agg, op: d.op, duration: d.duration.trim() || '30s',
        threshold: d.threshold.trim() !== '' && Number.isFinite(n) ? n : d.threshold });
    }
    if (d.post.trim()) rule.post = d.post.trim();
    onSubmit(rule);
  });
  return f;
}

// ranges.js — the time range of a series page: "last 5m" to "last 1y"
// (relative: it follows now) or a custom [from, until] (typed in, or dragged
// across a chart), kept in the URL as range=5m or from=&until=.
import { el } from './fmt.js';

export const RANGES = [['5m', 300], ['15m', 900], ['1h', 3600], ['6h', 21600], ['24h', 86400], ['7d', 604800],
  ['30d', 2592000], ['1y', 31536000]];

// {range, from, until} from the page's query string
export function readRange(q) {
  const from = parseFloat(q.get('from')), until = parseFloat(q.get('until'));
  const custom = Number.isFinite(from) && Number.isFinite(until) && until > from;
  const range = RANGES.some(r => r[0] === q.get('range')) ? q.get('range') : '1h';
  return { range: custom ? null : range, from, until };
}

// the range's URL parameters
export function rangeParams(st) {
  return st.range ? [['range', st.range]] : [['from', st.from.toFixed(3)], ['until', st.until.toFixed(3)]];
}

// [from, until] in seconds for the state, now
export function span(st) {
  if (!st.range) return [st.from, st.until];
  const now = Date.now() / 1000;
  return [now - RANGES.find(r => r[0] === st.range)[1], now];
}

const toLocalInput = t => {
  const d = new Date(t * 1000 - new Date(t * 1000).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 19);
};

// The buttons and the custom form. st is changed in place; onChange()
// reloads, onError(text) reports a bad custom range. Returns {buttons (the
// button group), form (the custom form), show() (mark st's range)}.
export function rangePicker(st, onChange, onError) {
  const custom = el('form', { class: 'custom', hidden: true });
  const buttons = RANGES.map(([name]) => el('button', { type: 'button', 'data-range': name,
    onclick: () => { st.range = name; custom.hidden = true; onChange(); } }, name));
  const customBtn = el('button', { type: 'button', 'data-range': 'custom', onclick: () => { custom.hidden = !custom.hidden; } }, 'custom');
  const fromIn = el('input', { type: 'datetime-local', step: '1', name: 'from', 'aria-label': 'from' });
  const untilIn = el('input', { type: 'datetime-local', step: '1', name: 'until', 'aria-label': 'until' });
  custom.append(el('label', null, 'from ', fromIn), el('label', null, 'until ', untilIn), el('button', { type: 'submit' }, 'apply'));
  custom.addEventListener('submit', e => {
    e.preventDefault();
    const f = new Date(fromIn.value).getTime() / 1000, u = new Date(untilIn.value).getTime() / 1000;
    if (!(f < u)) { onError('The custom range needs "from" before "until".'); return; }
    Object.assign(st, { range: null, from: f, until: u });
    onChange();
  });
  return {
    buttons: el('div', { class: 'ranges', role: 'group', 'aria-label': 'time range' }, ...buttons, customBtn),
    form: custom,
    show() {
      const [from, until] = span(st);
      for (const b of buttons) b.classList.toggle('on', b.dataset.range === st.range);
      customBtn.classList.toggle('on', !st.range);
      fromIn.value = toLocalInput(from);
      untilIn.value = toLocalInput(until);
    },
  };
}

// a bucket step that gives about n buckets over [from, until]
export const stepFor = (from, until, n) => Math.max(1, Math.ceil(((until - from) * 1000) / n)) + 'ms';

// The room a chart has in the window: from the top of box to the window's
// bottom, less what sits below it (the legend); never under min px.
export function roomBelow(box, below, min) {
  const top = box.getBoundingClientRect().top + scrollY;
  return Math.max(min, Math.floor(innerHeight - top - below - 16));
}

// delete.js — deleting a series from its page: a dialog says what goes
// (the series and every sample of it, for good) and asks to confirm; then
// DELETE /api/v1/series names exactly that series (exact=1, so neither a
// glob nor series with more tags go with it). It is a write: a server with
// --token (even with --read-open) wants the token, which api.js asks for
// on the 401 and keeps.
import { request } from './api.js';
import { el, seriesKey, seriesParams } from './fmt.js';

function confirmDialog(key) {
  return new Promise(resolve => {
    const d = el('dialog', { class: 'confirm-delete' },
      el('form', { method: 'dialog' },
        el('h2', null, 'Delete this series?'),
        el('p', null, el('code', null, key), ' and every sample of it are deleted from the server, for good.'),
        el('div', { class: 'buttons' },
          el('button', { type: 'submit', value: 'cancel', autofocus: true }, 'Cancel'),
          el('button', { type: 'submit', value: 'delete', class: 'danger' }, 'Delete'))));
    d.addEventListener('close', () => { d.remove(); resolve(d.returnValue === 'delete'); });
    document.body.append(d);
    d.showModal();
  });
}

// true when the server deleted it; onNote(text) tells the user either way
export async function deleteSeries(metric, tags, onNote) {
  if (!(await confirmDialog(seriesKey(metric, tags)))) return false;
  const p = [['match', metric]].concat(seriesParams(metric, tags).slice(1));
  const r = await request('DELETE', 'api/v1/series', p);
  let body = null;
  try { body = await r.json(); } catch { /* no JSON */ }
  if (!r.ok || !body || !body.deleted) {
    onNote('Not deleted: ' + ((body && body.error) || (r.ok ? 'no such series' : 'HTTP ' + r.status)));
    return false;
  }
  onNote('Deleted.');
  return true;
}

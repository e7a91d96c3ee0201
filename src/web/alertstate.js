// alertstate.js — which series are firing right now, for the pages that
// mark them. GET /alerts once (every rule with its state per series), then
// each "alert" event of the live stream (see live.js) keeps it current, so
// a card turns red the moment its alert fires, without polling.
import { request } from './api.js';

const RANK = { info: 1, warn: 2, crit: 3 };

export class Firing {
  constructor() { this.by = new Map(); } // series key -> Map(rule id -> level)

  // false when the server has no alerts
  async load() {
    const r = await request('GET', 'alerts');
    if (!r.ok) return false;
    this.by.clear();
    for (const rule of await r.json()) {
      for (const s of rule.states || []) if (s.state === 'firing') this.set(s.series, rule.id, s.level);
    }
    return true;
  }

  set(key, rule, level) {
    let m = this.by.get(key);
    if (!level) {
      if (m) { m.delete(rule); if (!m.size) this.by.delete(key); }
      return;
    }
    if (!m) this.by.set(key, m = new Map());
    m.set(rule, level);
  }

  // an event of the stream (or of /alerts/events); returns its series key
  apply(ev) {
    this.set(ev.series, ev.id, ev.state === 'firing' ? ev.level : null);
    return ev.series;
  }

  // the highest level firing on a series, or ''
  level(key) {
    let best = '';
    for (const l of (this.by.get(key) || new Map()).values()) if ((RANK[l] || 0) > (RANK[best] || 0)) best = l;
    return best;
  }
}

// the mark a card (or any element) carries: data-alert="crit|warn|info"
export function markAlert(elem, level) {
  if (level) elem.dataset.alert = level;
  else delete elem.dataset.alert;
}

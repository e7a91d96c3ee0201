// live.js — the live feed and the frame loop. Samples from the server only
// mark widgets dirty; one requestAnimationFrame callback redraws the dirty
// widgets that are on screen, so a burst of samples costs at most one draw
// per widget per frame and an off-screen widget costs nothing until seen.
import { url, withToken, ensureAuth } from './api.js';

// Drawing stops for this frame once this much of it is spent, and goes on
// in the next, oldest first: a hundred charts updated at once are spread
// over a few frames instead of one long frame that drops the display rate.
const BUDGET_MS = 7;
const dirty = new Set();
let scheduled = false;

export function markDirty(w) {
  dirty.add(w);
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(frame);
  }
}

function frame() {
  scheduled = false;
  const t0 = performance.now();
  for (const w of dirty) {
    if (!w.visible) continue; // stays dirty: drawn when it scrolls into view
    if (performance.now() - t0 > BUDGET_MS) {
      scheduled = true;
      requestAnimationFrame(frame);
      return;
    }
    dirty.delete(w);
    try { w.draw(); } catch (e) { console.error(e); }
  }
}

// One EventSource on /api/v1/stream (params filter it; none: every series).
// EventSource reconnects by itself after a drop; when it gives up (a 401,
// say) we check the token and open a new one, backing off. Samples written
// while it was down never come, so onResync is told to catch up.
export function stream(params, onSample, onState, onResync) {
  let es = null, closed = false, failures = 0, broken = false;
  const open = () => {
    if (closed) return;
    es = new EventSource(url('api/v1/stream', withToken(params)));
    es.onopen = () => {
      failures = 0;
      onState('live');
      if (broken && onResync) onResync();
      broken = false;
    };
    es.onmessage = e => {
      let s;
      try { s = JSON.parse(e.data); } catch { return; }
      onSample(s);
    };
    es.addEventListener('dropped', () => onState('behind'));
    es.onerror = () => {
      broken = true;
      onState('reconnecting');
      if (es.readyState !== EventSource.CLOSED) return;
      es.close();
      const wait = Math.min(30000, 1000 * 2 ** failures++);
      setTimeout(() => ensureAuth().then(open, open), wait);
    };
  };
  open();
  return { close() { closed = true; if (es) es.close(); } };
}

export function showState(s) {
  const e = document.getElementById('live');
  if (!e) return;
  e.textContent = s;
  e.dataset.state = s;
}

// live.js — the live feed and the frame loop. Samples from the server only
// mark widgets dirty; one requestAnimationFrame callback redraws the dirty
// widgets that are on screen, so a burst of samples costs at most one draw
// per widget per frame and an off-screen widget costs nothing until seen.
import { url, withToken, ensureAuth } from './api.js';

// Drawing is spread over frames: each frame draws dirty widgets, oldest
// first, until its budget is spent; the rest wait for the next frame. The
// budget adapts: when a frame that carried work over arrives late (the
// browser could not raster and composite in time) it shrinks, and it grows
// back while frames come on time. So a hundred charts updated at once cost
// a few frames of latency instead of dropped frames.
const MIN_BUDGET_MS = 1, MAX_BUDGET_MS = 8, LATE_MS = 24;
const dirty = new Set();
let scheduled = false, carried = false, lastTs = 0, budget = 4;

export function markDirty(w) {
  dirty.add(w);
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(frame);
  }
}

function frame(ts) {
  scheduled = false;
  if (carried) {
    budget = ts - lastTs > LATE_MS ? Math.max(MIN_BUDGET_MS, budget * 0.7) : Math.min(MAX_BUDGET_MS, budget + 0.25);
  }
  lastTs = ts;
  carried = false;
  const t0 = performance.now();
  for (const w of dirty) {
    if (!w.visible) continue; // stays dirty: drawn when it scrolls into view
    if (performance.now() - t0 > budget) {
      carried = scheduled = true;
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
// while it was down never come, so onResync is told to catch up. Alert
// transitions arrive on every stream as "alert" events, for onAlert.
export function stream(params, onSample, onState, onResync, onAlert) {
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
    if (onAlert) {
      es.addEventListener('alert', e => {
        let a;
        try { a = JSON.parse(e.data); } catch { return; }
        onAlert(a);
      });
    }
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

// track.js — a location track drawn on a canvas, with no map service:
// points are projected equirectangularly (x = lon·cos(mid latitude),
// y = lat), fitted to the track's bounds, with a scale bar, the start and
// end marked and their times (trackmarks.js).
// With a tile URL template (?tiles=URL once, kept in localStorage; e.g.
// https://tile.openstreetmap.org/{z}/{x}/{y}.png) the track is drawn in Web
// Mercator over those tiles instead. Off by default: nothing leaves the box.

import { markEnds, scaleBar } from './trackmarks.js';

const TILES_KEY = 'tidemark.tiles';
const EARTH_M_PER_DEG = 111320; // metres per degree of latitude
const PAD = 14;
const tileCache = new Map();

export function tileTemplate() {
  const q = new URLSearchParams(location.search).get('tiles');
  if (q !== null) {
    if (q) localStorage.setItem(TILES_KEY, q);
    else localStorage.removeItem(TILES_KEY);
  }
  return localStorage.getItem(TILES_KEY) || '';
}

let palette = null;
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => { palette = null; });
function colors() {
  if (!palette) {
    const cs = getComputedStyle(document.documentElement);
    palette = { accent: cs.getPropertyValue('--accent').trim(), card: cs.getPropertyValue('--card').trim(),
                dim: cs.getPropertyValue('--dim').trim(), fg: cs.getPropertyValue('--fg').trim(),
                good: cs.getPropertyValue('--good').trim() };
  }
  return palette;
}

function bounds(pts) {
  let a = Infinity, b = -Infinity, c = Infinity, d = -Infinity;
  for (const [lat, lon] of pts) {
    if (lat < a) a = lat;
    if (lat > b) b = lat;
    if (lon < c) c = lon;
    if (lon > d) d = lon;
  }
  return { lat0: a, lat1: b, lon0: c, lon1: d };
}

function equirect(pts, w, h) {
  const bb = bounds(pts), k = Math.cos(((bb.lat0 + bb.lat1) / 2) * Math.PI / 180);
  const sx = (w - 2 * PAD) / ((bb.lon1 - bb.lon0) * k), sy = (h - 2 * PAD) / (bb.lat1 - bb.lat0);
  let s = Math.min(sx, sy);
  if (!Number.isFinite(s)) s = Number.isFinite(sx) ? sx : Number.isFinite(sy) ? sy : 1;
  const cx = ((bb.lon0 + bb.lon1) / 2) * k, cy = (bb.lat0 + bb.lat1) / 2;
  const xy = (lat, lon) => [w / 2 + (lon * k - cx) * s, h / 2 - (lat - cy) * s];
  // a lone point (or a track with no extent) has no scale to show
  xy.mpp = bb.lat1 > bb.lat0 || bb.lon1 > bb.lon0 ? EARTH_M_PER_DEG / s : 0;
  return xy;
}

const mx = (lon, z) => ((lon + 180) / 360) * 256 * 2 ** z;
const my = (lat, z) => {
  const r = Math.max(-85.05, Math.min(85.05, lat)) * Math.PI / 180;
  return ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 256 * 2 ** z;
};

function mercator(pts, w, h) {
  const bb = bounds(pts);
  let z = 18;
  while (z > 0 && (mx(bb.lon1, z) - mx(bb.lon0, z) > w - 2 * PAD || my(bb.lat0, z) - my(bb.lat1, z) > h - 2 * PAD)) z--;
  const ox = (mx(bb.lon0, z) + mx(bb.lon1, z)) / 2 - w / 2, oy = (my(bb.lat0, z) + my(bb.lat1, z)) / 2 - h / 2;
  const xy = (lat, lon) => [mx(lon, z) - ox, my(lat, z) - oy];
  xy.z = z; xy.ox = ox; xy.oy = oy;
  // Web Mercator: the equator's 40075 km over 256·2^z px, shrinking with cos(lat)
  xy.mpp = (40075016.686 * Math.cos(((bb.lat0 + bb.lat1) / 2) * Math.PI / 180)) / (256 * 2 ** z);
  return xy;
}

function tile(url, onLoad) {
  let img = tileCache.get(url);
  if (!img) {
    if (tileCache.size > 256) tileCache.delete(tileCache.keys().next().value);
    img = new Image();
    img.onload = onLoad;
    img.src = url;
    tileCache.set(url, img);
  }
  return img;
}

function drawTiles(ctx, xy, w, h, tpl, onLoad) {
  const n = 2 ** xy.z;
  for (let ty = Math.floor(xy.oy / 256); ty * 256 < xy.oy + h; ty++) {
    if (ty < 0 || ty >= n) continue;
    for (let tx = Math.floor(xy.ox / 256); tx * 256 < xy.ox + w; tx++) {
      const x = ((tx % n) + n) % n;
      const img = tile(tpl.replace('{z}', xy.z).replace('{x}', x).replace('{y}', ty), onLoad);
      if (img.complete && img.naturalWidth) ctx.drawImage(img, tx * 256 - xy.ox, ty * 256 - xy.oy);
    }
  }
  ctx.fillStyle = colors().dim;
  ctx.font = '10px system-ui, sans-serif';
  ctx.textAlign = 'right';
  ctx.fillText('tiles: ' + new URL(tpl, location.href).host, w - 4, h - 4);
}

// the points that are locations, and their times
export function located(ts, vs) {
  const pts = [], times = [];
  for (let i = 0; i < vs.length; i++) if (Array.isArray(vs[i])) { pts.push(vs[i]); times.push(ts[i]); }
  return [pts, times];
}

// pts: [[lat, lon], ...] oldest first; opts: times (each point's, seconds),
// tiles (template), onTile (a tile arrived: draw again). Returns what was
// drawn, in CSS pixels: {start, end, scale: {m, px, label}, times} (tests).
export function drawTrack(canvas, pts, opts) {
  const dpr = window.devicePixelRatio || 1, w = canvas.clientWidth, h = canvas.clientHeight;
  if (!w || !h) return null;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  if (!pts.length) return null;
  const c = colors();
  const xy = opts.tiles ? mercator(pts, w, h) : equirect(pts, w, h);
  if (opts.tiles) drawTiles(ctx, xy, w, h, opts.tiles, opts.onTile);
  ctx.strokeStyle = c.accent;
  ctx.fillStyle = c.accent;
  ctx.lineWidth = 2;
  ctx.lineJoin = ctx.lineCap = 'round';
  ctx.globalAlpha = 0.75;
  ctx.beginPath();
  pts.forEach(([lat, lon], i) => { const [x, y] = xy(lat, lon); if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y); });
  ctx.stroke();
  if (pts.length < 200) for (const [lat, lon] of pts) { const [x, y] = xy(lat, lon); ctx.fillRect(x - 1.5, y - 1.5, 3, 3); }
  ctx.globalAlpha = 1;
  const start = xy(...pts[0]), end = xy(...pts[pts.length - 1]);
  const times = opts.times ? [opts.times[0], opts.times[opts.times.length - 1]] : null;
  markEnds(ctx, start, end, pts.length > 1 ? times : null, w, h, c);
  return { start, end, times, scale: scaleBar(ctx, xy.mpp, w, h, c) };
}

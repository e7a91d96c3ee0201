// trackmarks.js — what makes a track readable: a scale bar (a round
// distance, 1, 2 or 5 times a power of ten, at most a third of the width),
// the start as a ring and the end as a filled dot, and the times of both
// beside them when the canvas has room. Coordinates are CSS pixels.
import { fmtTime } from './fmt.js';

const MAX_BAR_PX = 120, MIN_LABEL_W = 160;

const distance = m => (m >= 1000 ? m / 1000 + ' km' : m + ' m');

// mpp: metres per pixel (0: unknown, no bar); returns {m, px, label} or null
export function scaleBar(ctx, mpp, w, h, c) {
  if (!(mpp > 0)) return null;
  const raw = mpp * Math.min(MAX_BAR_PX, w / 3), pow = 10 ** Math.floor(Math.log10(raw));
  const m = [5, 2, 1].map(k => k * pow).find(v => v <= raw);
  const px = m / mpp, x0 = 8, y = h - 7, label = distance(+m.toPrecision(3));
  ctx.strokeStyle = c.fg;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(x0, y - 4);
  ctx.lineTo(x0, y);
  ctx.lineTo(x0 + px, y);
  ctx.lineTo(x0 + px, y - 4);
  ctx.stroke();
  text(ctx, label, x0 + 3, y - 5, 'left', c, h);
  return { m, px, label };
}

// a label with a halo in the card's colour, readable over the track or tiles
function text(ctx, s, x, y, align, c, h) {
  ctx.font = (h > 200 ? 11 : 10) + 'px system-ui, sans-serif';
  ctx.textAlign = align;
  ctx.textBaseline = 'alphabetic';
  ctx.lineWidth = 3;
  ctx.strokeStyle = c.card;
  ctx.strokeText(s, x, y);
  ctx.fillStyle = c.fg;
  ctx.fillText(s, x, y);
}

// right of the marker, or left of it when that would leave the canvas;
// dy moves it up or down (the two labels of a short track must not meet)
function label(ctx, s, [x, y], dy, w, c, h) {
  ctx.font = (h > 200 ? 11 : 10) + 'px system-ui, sans-serif';
  const tw = ctx.measureText(s).width, right = x + 10 + tw <= w - 2;
  text(ctx, s, right ? x + 10 : x - 10, y + 4 + dy, right ? 'left' : 'right', c, h);
}

function dot(ctx, [x, y], r, fill, stroke) {
  ctx.lineWidth = 2.5;
  ctx.fillStyle = fill;
  ctx.strokeStyle = stroke;
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fill();
  ctx.stroke();
}

export function markEnds(ctx, start, end, times, w, h, c) {
  dot(ctx, start, 5, c.card, c.good);
  dot(ctx, end, 6, c.accent, c.card);
  if (!times || w < MIN_LABEL_W) return;
  const close = Math.abs(start[1] - end[1]) < 14 && Math.abs(start[0] - end[0]) < 120;
  label(ctx, fmtTime(times[0]), start, close ? 9 : 0, w, c, h);
  label(ctx, fmtTime(times[1]), end, close ? -9 : 0, w, c, h);
}

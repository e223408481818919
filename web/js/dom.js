// Small DOM helpers shared by the views.

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

// h('button', {class: 'btn', onclick: f}, 'text', child...) → element.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Whether the user is adjusting `el` right now: the pointer is down on it,
// or it changed (keyboard, or the pointer let go) within the last ADJUST_MS.
// Values from luminad leave such a control alone, or its thumb would jump
// back under the finger to a frame that lags the drag -- and only such a
// control: one that merely kept the focus after a click follows luminad
// (another page, or a restart, may have changed the value since).
const ADJUST_MS = 800;
export function trackAdjusting(el) {
  let down = null; // while the pointer is down: removes the listeners for its release
  let last = -Infinity;
  el.addEventListener('pointerdown', () => {
    down?.abort();
    down = new AbortController();
    const up = () => {
      down?.abort();
      down = null;
      last = performance.now();
    };
    // The pointer may be let go of anywhere, not only over the control, and
    // its release may never come (the window lost focus mid-drag).
    const options = { capture: true, signal: down.signal };
    window.addEventListener('pointerup', up, options);
    window.addEventListener('pointercancel', up, options);
    window.addEventListener('blur', up, options);
    document.addEventListener('visibilitychange', up, options);
    el.addEventListener('lostpointercapture', up, options);
  });
  for (const type of ['input', 'change']) el.addEventListener(type, () => { last = performance.now(); });
  return () => down !== null || performance.now() - last < ADJUST_MS;
}

// Shows a one-line message under a control; kind: 'ok' | 'error' | 'info' | ''.
export function say(el, text, kind = 'info') {
  el.textContent = text;
  el.className = `message${kind ? ` message-${kind}` : ''}`;
  delete el.dataset.reason;
}

// A rejected request under a control, its code kept in data-reason so that
// the error can be cleared when it no longer holds (OFFLINE: main.js clears
// those once the link is back; they said nothing about the action itself).
export function sayError(el, err, text = errorText(err)) {
  say(el, text, 'error');
  if (err && err.code) el.dataset.reason = err.code;
}

// Clears a message that is an error (a later action in the card succeeded).
export function clearError(el) {
  if (el.classList.contains('message-error')) say(el, '', '');
}

// A rejected request as text: "CODE: message" (the server's words verbatim).
export function errorText(err) {
  if (err && err.code) return `${err.code}: ${err.message}`;
  return String(err && err.message ? err.message : err);
}

export function clamp01(v) {
  const n = Number(v);
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
}

// 75.3 → "1:15"; 3725 → "1:02:05"; with tenths: 75.36 → "1:15.3".
export function formatTime(seconds, { tenths = false } = {}) {
  const total = Math.max(0, Number(seconds) || 0);
  const s = Math.floor(total);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  const frac = tenths ? `.${Math.floor((total - s) * 10)}` : '';
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}${frac}` : `${mm}:${ss}${frac}`;
}

// Microseconds for the operator: "42 µs" below 0.1 ms (where "0.0 ms" would
// hide it), "1.2 ms" from there on.
export function formatMicros(us) {
  const n = Number(us);
  if (!Number.isFinite(n)) return '–';
  return n < 100 ? `${Math.round(n)} µs` : `${(n / 1000).toFixed(1)} ms`;
}

export function formatUptime(seconds) {
  const s = Math.floor(Number(seconds) || 0);
  const d = Math.floor(s / 86400);
  const rest = formatTime(s % 86400);
  return d > 0 ? `${d}d ${rest}` : rest;
}

// Sets a meter's fill (0..1) with a transform: no layout work at 30 Hz.
export function setMeter(meterEl, value) {
  const fill = meterEl.firstElementChild;
  const v = clamp01(value);
  fill.style.transform = `scaleX(${1 - v})`; // the fill covers the unlit part
  meterEl.dataset.value = v.toFixed(4);
}

// Restarts a lamp's flash: on now, fading out through the CSS transition.
export function flash(lampEl, strength = 1) {
  lampEl.classList.add('flash');
  lampEl.style.opacity = String(Math.max(0.08, clamp01(strength)));
  requestAnimationFrame(() => {
    lampEl.classList.remove('flash');
    lampEl.style.opacity = '';
  });
}

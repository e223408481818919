// Status view (engine_status ≈ 1 Hz) and the audio-lost banner.
import { $, h, formatMicros, formatUptime } from './dom.js';

const num = (v, digits = 0) => (typeof v === 'number' ? v.toFixed(digits) : '–');

// [label, pick(status) → value, format, level(value) → '' | 'warn' | 'bad']
const ROWS = [
  ['Uptime', (s) => s.uptimeSec, formatUptime],
  ['Audio', (s) => s.audio && `${s.audio.backend} · ${s.audio.state ?? (s.audio.running ? 'running' : 'stopped')}`, String],
  ['Device', (s) => s.audio?.device, String],
  ['Source', (s) => s.audio?.sourceId, String],
  ['Sample rate / block', (s) => s.audio && `${s.audio.sampleRate} Hz / ${s.audio.block}`, String],
  ['Xruns', (s) => s.audio?.xruns, (v) => num(v), (v) => (v > 0 ? 'warn' : '')],
  ['Underruns', (s) => s.audio?.underruns, (v) => num(v), (v) => (v > 0 ? 'warn' : '')],
  ['Ring overflows', (s) => s.audio?.ringOverflows, (v) => num(v), (v) => (v > 0 ? 'warn' : '')],
  ['Callback load', (s) => s.audio?.callbackLoad, (v) => `${num(v * 100, 1)}%`, (v) => (v > 0.7 ? 'bad' : v > 0.4 ? 'warn' : '')],
  ['Callback max', (s) => s.audio?.callbackMaxUs, (v) => `${num(v, 0)} µs`],
  ['Analysis gaps', (s) => s.analysis?.gaps, (v) => num(v), (v) => (v > 0 ? 'warn' : '')],
  ['Hop max', (s) => s.analysis?.hopMaxUs, (v) => `${num(v, 0)} µs`],
  ['Audio → DMX', (s) => s.dmx?.latencyMs, (v) => (typeof v === 'number' ? `${v.toFixed(1)} ms` : '–')],
  ['DMX rate', (s) => s.dmx?.fps, (v) => `${num(v)} fps`],
  ['DMX missed ticks', (s) => s.dmx?.missedTicks, (v) => num(v), (v) => (v > 0 ? 'warn' : '')],
  ['DMX lateness (last / max)', (s) => s.dmx && [s.dmx.lastLatenessUs, s.dmx.maxLatenessUs], (v) => `${num(v[0])} / ${num(v[1])} µs`],
  ['Art-Net send errors', (s) => s.dmx?.sendErrors, (v) => num(v), (v) => (v > 0 ? 'bad' : '')],
  ['Telemetry dropped', (s) => s.net?.telemetryDropped, (v) => num(v)],
  ['Clients dropped', (s) => s.net?.clientsDropped, (v) => num(v), (v) => (v > 0 ? 'warn' : '')],
  ['WebSocket clients', (s) => s.net?.wsClients, (v) => num(v)],
  ['Classifier queue', (s) => s.classifier ?? s.classify ?? s.ai, (v) => classifierText(v), (v) => (v?.degraded || v?.dropped > 0 ? 'warn' : '')],
];

export function classifierText(c) {
  if (typeof c !== 'object' || c === null) return String(c);
  if (c.enabled === false) return 'off';
  if (!c.model) return 'unavailable';
  const parts = [];
  if ('queueDepth' in c) parts.push(`queue ${c.queueDepth}/${c.queueSize ?? '?'}`);
  if ('dropped' in c) parts.push(`dropped ${c.dropped}`);
  if (typeof c.inferenceUsLast === 'number') parts.push(formatMicros(c.inferenceUsLast));
  if (c.degraded) parts.push('degraded');
  return parts.length ? parts.join(' · ') : JSON.stringify(c);
}

export function initStatus(conn) {
  const grid = $('#status-grid');
  const cells = ROWS.map(([label]) => {
    const v = h('div', { class: 'v' }, '–');
    const el = h('div', { class: 'stat', dataset: { key: label } }, h('div', { class: 'k' }, label), v);
    grid.append(el);
    return { el, v };
  });
  const banner = $('#banner-audio');

  conn.on('engine_status', (s) => {
    ROWS.forEach(([, pick, format, level], i) => {
      let value;
      try {
        value = pick(s);
      } catch {
        value = undefined;
      }
      const cell = cells[i];
      const present = value !== undefined && value !== null;
      cell.el.hidden = !present && i === ROWS.length - 1; // classifier: only when reported
      cell.v.textContent = present ? format(value) : '–';
      cell.el.dataset.level = present && level ? level(value) : '';
      cell.v.classList.toggle('small', cell.v.textContent.length > 24);
      cell.el.title = present && typeof value === 'object' && value.reason ? String(value.reason) : '';
    });
    $('#status-raw').textContent = JSON.stringify(s, null, 2);

    const a = s.audio;
    if (a && (a.recovering || a.running === false)) {
      banner.hidden = false;
      banner.textContent = a.recovering
        ? `Audio lost — reopening ${a.device || 'the device'} (attempt ${a.reopenAttempts ?? '?'})…`
        : `Audio stream is not running${a.fallbackReason ? `: ${a.fallbackReason}` : ''}`;
    } else {
      banner.hidden = true;
    }
  });
}

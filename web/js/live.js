// Live view: meters, bands, rhythm, classifier, latency.
import { $, h, setMeter, flash, clamp01 } from './dom.js';
import { sceneReason } from './lighting.js';

export function initLive(conn) {
  const bandsEl = $('#bands');
  let bandEls = [];
  const lastBeatCount = { value: -1 };

  function ensureBands(n) {
    if (bandEls.length === n) return;
    bandsEl.replaceChildren();
    bandEls = [];
    for (let i = 0; i < n; i += 1) {
      const fill = h('div', { class: 'fill' });
      bandsEl.append(h('div', { class: 'band', title: `band ${i}` }, fill));
      bandEls.push(fill);
    }
  }

  conn.on('audio_meter', (p) => {
    setMeter($('#meter-rms'), p.rms);
    setMeter($('#meter-peak'), p.peak);
    $('#rms-value').textContent = Number(p.rms ?? 0).toFixed(2);
    $('#peak-value').textContent = Number(p.peak ?? 0).toFixed(2);
    const bands = Array.isArray(p.bands) ? p.bands : [];
    ensureBands(bands.length);
    bands.forEach((v, i) => {
      bandEls[i].style.transform = `scaleY(${clamp01(v)})`;
    });
    bandsEl.dataset.values = bands.map((v) => Number(v).toFixed(3)).join(',');
  });

  conn.on('dsp_event', (p) => {
    setMeter($('#meter-energy'), p.energy);
    $('#energy-value').textContent = Number(p.energy ?? 0).toFixed(2);
    $('#bpm').textContent = p.bpm > 0 ? Number(p.bpm).toFixed(1) : '–';
    setMeter($('#meter-confidence'), p.bpmConfidence);
    $('#confidence-value').textContent = `${Math.round(clamp01(p.bpmConfidence) * 100)}%`;
    setMeter($('#meter-phase'), p.beatPhase);
    for (const name of ['kick', 'snare', 'hihat']) {
      const lamp = $(`#lamp-${name}`);
      if (p[name] > 0.3) flash(lamp, p[name]);
    }
    if (p.onset) flash($('#lamp-onset'));
    if (p.beat) flash($('#beat-lamp'));
  });

  // Every beat, even when a dsp_event carrying it was replaced by a newer one.
  conn.on('beat', (p) => {
    if (p.count !== lastBeatCount.value) flash($('#beat-lamp'));
    lastBeatCount.value = p.count;
    $('#beat-count').textContent = p.count === undefined || p.count === null ? '–' : `beat ${p.count}`;
  });

  conn.on('ai_classifier_event', (p) => {
    $('#classifier-label').textContent = p.label || '—';
    $('#classifier-confidence').textContent =
      typeof p.confidence === 'number' ? `${Math.round(p.confidence * 100)}%` : '';
    $('#classifier-model').textContent = p.model || '—';
  });

  // The source by its name ("set.wav"), not its id ("file:3fa9…").
  const names = new Map(); // source id → name
  let sourceId = null;
  function renderSource() {
    const el = $('#live-source');
    el.textContent = sourceId ? names.get(sourceId) || sourceId : '–';
    el.title = sourceId || '';
  }
  conn.on('audio_sources', (p) => {
    for (const item of Array.isArray(p.items) ? p.items : []) if (item.name) names.set(item.id, item.name);
    renderSource();
  });
  conn.on('audio_file_status', (p) => {
    if (p.fileId && p.name) names.set(p.fileId.startsWith('file:') ? p.fileId : `file:${p.fileId}`, p.name);
    renderSource();
  });
  conn.on('engine_status', (s) => {
    const latency = s?.dmx?.latencyMs;
    $('#latency').textContent = typeof latency === 'number' ? `${latency.toFixed(1)} ms` : '–';
    if (s?.audio?.sourceId) {
      sourceId = s.audio.sourceId;
      renderSource();
    }
  });
  conn.on('show', (p) => {
    $('#live-scene').textContent = p.scene || '–';
  });
  conn.on('dmx_frame', (p) => {
    if (p.scene) $('#live-scene').textContent = p.scene + sceneReason(p);
  });

  conn.subscribe('audio_meter', 'dsp_event', 'beat', 'ai_classifier_event', 'engine_status');
}

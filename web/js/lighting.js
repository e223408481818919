// Lighting: scenes (with quantisation), master, blackout, the patch drawn
// from dmx_frame, manual channel faders, and the effect editor (editor.js).
import { $, $$, h, say, sayError, clearError, trackAdjusting } from './dom.js';
import { initEffectEditor } from './editor.js';

const CHANNELS_PER_PAGE = 16;

// Approximate light colour of a fixture from its channel values (0..255).
export function fixtureColour(attrs, values) {
  const get = (name) => {
    const i = attrs.indexOf(name);
    return i >= 0 ? (values[i] ?? 0) / 255 : null;
  };
  const dimmer = get('dimmer');
  let r = get('red');
  let g = get('green');
  let b = get('blue');
  const hasColour = r !== null || g !== null || b !== null;
  r = r ?? 0;
  g = g ?? 0;
  b = b ?? 0;
  const white = get('white') ?? 0;
  const amber = get('amber') ?? 0;
  const uv = get('uv') ?? 0;
  r += white + amber + 0.4 * uv;
  g += white + 0.75 * amber;
  b += white + uv;
  if (!hasColour && white === 0 && amber === 0 && uv === 0) {
    // A plain dimmer: warm white at its level.
    r = 1;
    g = 0.85;
    b = 0.6;
  }
  const level = dimmer === null ? 1 : dimmer;
  const c = (v) => Math.round(255 * Math.min(1, v * level));
  return [c(r), c(g), c(b)];
}

// Why the scene rendering now is not the operator's selection, from a
// dmx_frame: " (idle: silence)", " (label: speech)", or ''. The idle scene
// wins over a label's scene, which wins over the selection.
export function sceneReason(p) {
  if (!p || !p.scene) return '';
  if (p.idle) return ' (idle: silence)';
  if (p.selectedScene && p.scene !== p.selectedScene && p.label) return ` (label: ${p.label})`;
  return '';
}

// A Universe field's value as a 15-bit Art-Net port-address, or null.
export function parseUniverse(text) {
  const n = Number(String(text).trim() === '' ? NaN : text);
  return Number.isInteger(n) && n >= 0 && n <= 32767 ? n : null;
}

export function initLighting(conn) {
  const state = {
    show: null,
    scene: null, // rendering now
    selected: null, // the operator's choice (differs while idle or a label rules)
    reason: '',
    pendingScene: null,
    master: 1,
    blackout: false,
    profiles: {},
    available: null, // null: unknown yet; false: this luminad has no lighting
  };
  const unavailable = $('#lighting-unavailable');
  const sceneMsg = $('#scene-message');
  const masterMsg = $('#master-message');
  const manualMsg = $('#manual-message');
  const editor = initEffectEditor(conn, {
    getShow: () => state.show,
    getProfiles: () => state.profiles,
  });

  // ---- Scenes ----
  function renderScenes() {
    const box = $('#scene-buttons');
    const scenes = state.show?.scenes ?? [];
    box.replaceChildren(
      ...scenes.map((scene) =>
        h(
          'button',
          {
            class: 'btn',
            type: 'button',
            dataset: { scene: scene.name },
            onclick: () => selectScene(scene.name),
          },
          scene.name,
        ),
      ),
    );
    $('#show-name').textContent = state.show?.name ? `— ${state.show.name}` : '';
    renderSceneState();
  }

  function renderSceneState() {
    const selected = state.selected ?? state.scene;
    for (const btn of $$('#scene-buttons .btn')) {
      btn.dataset.active = String(btn.dataset.scene === state.scene);
      // Only marked apart from the active one when another scene overrides it.
      btn.dataset.selected = String(btn.dataset.scene === selected && selected !== state.scene);
      btn.dataset.pending = String(btn.dataset.scene === state.pendingScene?.scene);
      btn.title = btn.dataset.selected === 'true' ? `Selected; ${state.scene} plays${state.reason}` : '';
    }
    const pending = state.pendingScene ? ` → ${state.pendingScene.scene} on the next ${state.pendingScene.when}` : '';
    const overridden = selected && selected !== state.scene ? ` · selected: ${selected}` : '';
    $('#scene-state').textContent = state.scene ? `Active: ${state.scene}${state.reason}${overridden}${pending}` : '';
  }

  async function selectScene(scene) {
    const when = $('input[name="when"]:checked')?.value || 'now';
    try {
      await conn.request('scene_select', { scene, when });
      // While idle or a label rules the click changes the selection only;
      // the next frame says what plays either way.
      if (when === 'now') {
        state.selected = scene;
        if (!state.reason) state.scene = scene;
      } else {
        state.pendingScene = { scene, when };
      }
      renderSceneState();
      const waits = when === 'now' && state.reason && state.scene !== scene ? `; ${state.scene}${state.reason} plays for now` : '';
      say(sceneMsg, when === 'now' ? `Scene ${scene}${waits}` : `Scene ${scene} on the next ${when}`, 'ok');
    } catch (err) {
      sayError(sceneMsg, err);
    }
  }

  // ---- Master and blackout ----
  const master = $('#master');
  const masterAdjusting = trackAdjusting(master);
  let masterBusy = false;
  let masterDirty = false;
  function renderMaster() {
    if (!masterAdjusting()) {
      master.value = String(state.master);
      $('#master-value').textContent = `${Math.round(state.master * 100)}%`;
    }
    renderBlackout();
  }
  function renderBlackout() {
    const button = $('#blackout');
    button.setAttribute('aria-pressed', String(state.blackout));
    button.textContent = state.blackout ? 'Blackout ON — tap to restore' : 'Blackout';
    $('#banner-blackout').hidden = !state.blackout;
  }
  // Sends the fader's latest value, one request in flight at a time.
  async function sendMaster() {
    if (masterBusy) {
      masterDirty = true;
      return;
    }
    masterBusy = true;
    try {
      do {
        masterDirty = false;
        const reply = await conn.request('dmx_master', { level: Number(master.value) });
        if (typeof reply.payload?.master === 'number') state.master = reply.payload.master;
      } while (masterDirty);
      say(masterMsg, '', '');
    } catch (err) {
      sayError(masterMsg, err);
    } finally {
      masterBusy = false;
    }
  }
  master.addEventListener('input', () => {
    $('#master-value').textContent = `${Math.round(Number(master.value) * 100)}%`;
    sendMaster();
  });
  $('#blackout').addEventListener('click', async () => {
    try {
      const reply = await conn.request('dmx_blackout', { on: !state.blackout });
      state.blackout = Boolean(reply.payload?.blackout ?? !state.blackout);
      renderMaster();
      say(masterMsg, '', '');
    } catch (err) {
      sayError(masterMsg, err);
    }
  });

  // ---- Patch ----
  let tiles = [];
  function profileOf(fixture) {
    return state.show?.profiles?.[fixture.profile] ?? state.profiles?.[fixture.profile] ?? [];
  }
  function renderPatch() {
    const patch = $('#patch');
    const fixtures = state.show?.fixtures ?? [];
    tiles = fixtures.map((fixture) => {
      const swatch = h('div', { class: 'swatch' });
      const el = h(
        'div',
        { class: 'fixture', dataset: { id: fixture.id }, title: `${fixture.profile} @ ${fixture.universe ?? 0}.${fixture.address}` },
        swatch,
        h('span', { class: 'name' }, fixture.name || fixture.id),
        h('span', { class: 'addr' }, `${fixture.universe ?? 0}.${fixture.address} ${fixture.profile}`),
      );
      return { fixture, attrs: profileOf(fixture), el, swatch };
    });
    patch.replaceChildren(...tiles.map((t) => t.el));
    if (tiles.length === 0) patch.append(h('p', { class: 'muted' }, state.available === false ? 'No lighting show.' : 'No fixtures patched.'));
  }

  const universes = new Map(); // u → latest 512 values
  // u → Map(ch → value): the manual overrides the daemon holds, whoever wrote them.
  const daemonHeld = new Map();
  conn.on('dmx_frame', (p) => {
    daemonHeld.clear();
    for (const uni of p.universes ?? []) {
      universes.set(uni.u, uni.dmx);
      if (Array.isArray(uni.held)) daemonHeld.set(uni.u, new Map(uni.held));
    }
    for (const t of tiles) {
      const dmx = universes.get(t.fixture.universe ?? 0);
      if (!dmx) continue;
      const start = (t.fixture.address || 1) - 1;
      const values = dmx.slice(start, start + t.attrs.length);
      const [r, g, b] = fixtureColour(t.attrs, values);
      t.swatch.style.background = `rgb(${r},${g},${b})`;
      t.el.dataset.rgb = `${r},${g},${b}`;
    }
    let changed = false;
    if (p.scene !== undefined && p.scene !== state.scene) {
      state.scene = p.scene;
      changed = true;
    }
    if (p.selectedScene !== undefined && p.selectedScene !== state.selected) {
      state.selected = p.selectedScene;
      changed = true;
    }
    const reason = sceneReason(p);
    if (reason !== state.reason) {
      state.reason = reason;
      changed = true;
    }
    const pendingName = p.pendingScene?.scene ?? null;
    if (pendingName !== (state.pendingScene?.scene ?? null)) {
      state.pendingScene = p.pendingScene ?? null;
      changed = true;
    }
    if (changed) renderSceneState();
    // Not while it is being adjusted; after that, the first frame brings the
    // slider in line (compared with the slider itself too: a show push may
    // have updated state.master while the slider was held).
    const sliderOff = Math.abs(Number(master.value) - p.master) > 0.005;
    if (typeof p.master === 'number' && (p.master !== state.master || sliderOff) && !masterAdjusting()) {
      state.master = p.master;
      renderMaster();
    }
    if (typeof p.blackout === 'boolean' && p.blackout !== state.blackout) {
      state.blackout = p.blackout;
      renderMaster();
    }
    updateFaders();
  });

  // ---- Manual channel faders ----
  // "u:ch" → { val, at }: what this page sent lately. It counts as held until
  // the daemon's frames have had time to say so themselves (and then they
  // rule: another page's later write, or a write the daemon dropped).
  const sent = new Map();
  // "u:ch" → when this page released it: a frame from before the release
  // must not bring the hold back.
  const released = new Map();
  const SENT_FRESH_MS = 1500;
  function heldValue(u, ch) {
    const key = `${u}:${ch}`;
    const now = performance.now();
    const mine = sent.get(key);
    if (mine && now - mine.at < SENT_FRESH_MS) return mine.val;
    if (now - (released.get(key) ?? -Infinity) < SENT_FRESH_MS) return undefined;
    return daemonHeld.get(u)?.get(ch);
  }
  const pageSelect = $('#manual-page');
  for (let first = 1; first <= 512; first += CHANNELS_PER_PAGE) {
    pageSelect.append(h('option', { value: String(first) }, `${first}–${first + CHANNELS_PER_PAGE - 1}`));
  }
  const universeInput = $('#manual-universe');
  let currentUniverse = 0;
  const universe = () => currentUniverse;
  let faderEls = [];
  let queued = new Map(); // ch → val, flushed once per animation frame
  let flushScheduled = false;

  function flushWrites() {
    flushScheduled = false;
    if (queued.size === 0) return;
    const u = universe();
    const writes = [...queued].map(([ch, val]) => ({ ch, val, u }));
    queued = new Map();
    // Held only once sent: the daemon holds nothing it never received.
    if (conn.sendMessage(writes)) {
      const at = performance.now();
      for (const w of writes) sent.set(`${u}:${w.ch}`, { val: w.val, at });
    } else {
      sayError(manualMsg, { code: 'OFFLINE' }, 'Not connected: channel writes were not sent');
    }
    updateFaders();
  }

  function renderFaders() {
    const first = Number(pageSelect.value) || 1;
    faderEls = [];
    const box = $('#manual-faders');
    box.replaceChildren();
    for (let ch = first; ch < first + CHANNELS_PER_PAGE && ch <= 512; ch += 1) {
      const input = h('input', { type: 'range', min: '0', max: '255', step: '1', value: '0', 'aria-label': `Channel ${ch}` });
      const out = h('output', {}, '0');
      const label = h('button', { class: 'btn btn-small', type: 'button', title: 'Release this channel', 'aria-label': `Release channel ${ch}` }, String(ch));
      const fader = h('div', { class: 'fader', dataset: { ch: String(ch) } }, out, input, label);
      input.addEventListener('input', () => {
        const val = Number(input.value);
        out.textContent = String(val);
        queued.set(ch, val);
        if (!flushScheduled) {
          flushScheduled = true;
          requestAnimationFrame(flushWrites);
        }
      });
      // Let go of an unsent move: the fader goes back to what is output.
      input.addEventListener('change', () => requestAnimationFrame(() => updateFaders(ch)));
      label.addEventListener('click', () => release({ u: universe(), ch }));
      faderEls.push({ ch, input, out, fader, adjusting: trackAdjusting(input) });
      box.append(fader);
    }
    updateFaders();
  }

  // Faders show what goes out, or the value a held channel is held at
  // (before master and blackout). `settle`: a channel let go of, redrawn
  // at once (see trackAdjusting).
  function updateFaders(settle = null) {
    const u = universe();
    const dmx = universes.get(u);
    for (const f of faderEls) {
      const heldAt = heldValue(u, f.ch);
      const isHeld = heldAt !== undefined;
      f.fader.dataset.held = String(isHeld);
      if (f.ch !== settle && f.adjusting()) continue;
      const value = isHeld ? heldAt : dmx ? dmx[f.ch - 1] ?? 0 : 0;
      f.input.value = String(value);
      f.out.textContent = String(value);
    }
  }

  async function release(payload) {
    try {
      await conn.request('dmx_release', payload);
      const matches = (u, ch) => (payload.u === undefined || payload.u === u) && (payload.ch === undefined || payload.ch === ch);
      const now = performance.now();
      for (const [key, at] of [...released]) if (now - at >= SENT_FRESH_MS) released.delete(key);
      for (const key of [...sent.keys()]) {
        const [u, ch] = key.split(':').map(Number);
        if (!matches(u, ch)) continue;
        sent.delete(key);
        released.set(key, now);
      }
      for (const [u, channels] of daemonHeld) {
        for (const ch of channels.keys()) if (matches(u, ch)) released.set(`${u}:${ch}`, now);
      }
      updateFaders();
      say(manualMsg, 'Released', 'ok');
    } catch (err) {
      sayError(manualMsg, err);
    }
  }
  // While the link is down what the daemon holds is unknown (a restart drops
  // every override); once it is back, its frames say again.
  conn.on('state', (s) => {
    if (s === 'open' || (sent.size === 0 && daemonHeld.size === 0)) return;
    sent.clear();
    daemonHeld.clear();
    updateFaders();
  });
  // Channel writes carry no reqId: the server's objections arrive unaddressed.
  conn.on('server_error', (p) => say(manualMsg, `${p.code}: ${p.message}`, 'error'));
  pageSelect.addEventListener('change', renderFaders);
  universeInput.addEventListener('change', () => {
    const u = parseUniverse(universeInput.value);
    if (u === null) {
      const n = Math.trunc(Number(universeInput.value));
      currentUniverse = Number.isFinite(n) ? Math.max(0, Math.min(32767, n)) : 0;
      universeInput.value = String(currentUniverse);
      say(manualMsg, `Universe must be a whole number 0..32767: using ${currentUniverse}`, 'error');
    } else {
      currentUniverse = u;
      clearError(manualMsg);
    }
    renderFaders();
  });
  $('#manual-release-page').addEventListener('click', () => release({ u: universe() }));
  $('#manual-release-all').addEventListener('click', () => release({}));
  renderFaders();

  // ---- Show document ----
  function applyShowPayload(p) {
    state.available = true;
    unavailable.hidden = true;
    if (p.show) state.show = p.show;
    if ('scene' in p) state.scene = p.scene;
    if ('selectedScene' in p) state.selected = p.selectedScene;
    if ('pendingScene' in p) state.pendingScene = p.pendingScene;
    if (typeof p.master === 'number') state.master = p.master;
    if (typeof p.blackout === 'boolean') state.blackout = p.blackout;
    if (p.profiles) state.profiles = p.profiles;
    renderScenes();
    renderMaster();
    renderPatch();
    editor.showChanged();
  }
  conn.on('show', applyShowPayload);

  conn.subscribe('show', 'dmx_frame');
  conn.on('open', async () => {
    try {
      await conn.request('show_get');
    } catch (err) {
      if (err.code === 'UNKNOWN_MSG') {
        state.available = false;
        unavailable.hidden = false;
        unavailable.textContent = 'This luminad has no lighting show yet (show_get is not implemented); the channel faders still work.';
        renderPatch();
      } else {
        sayError(sceneMsg, err);
      }
    }
  });
  renderMaster();
}

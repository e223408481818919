// Lighting: scenes (with quantisation), master, blackout, the patch drawn
// from dmx_frame, manual channel faders, and the effect editor (editor.js).
import { $, $$, h, say, errorText } from './dom.js';
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

export function initLighting(conn) {
  const state = {
    show: null,
    scene: null,
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
            dataset: { scene: scene.name, active: String(scene.name === state.scene), pending: String(scene.name === state.pendingScene?.scene) },
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
    for (const btn of $$('#scene-buttons .btn')) {
      btn.dataset.active = String(btn.dataset.scene === state.scene);
      btn.dataset.pending = String(btn.dataset.scene === state.pendingScene?.scene);
    }
    const pending = state.pendingScene ? ` → ${state.pendingScene.scene} on the next ${state.pendingScene.when}` : '';
    $('#scene-state').textContent = state.scene ? `Active: ${state.scene}${pending}` : '';
  }

  async function selectScene(scene) {
    const when = $('input[name="when"]:checked')?.value || 'now';
    try {
      await conn.request('scene_select', { scene, when });
      if (when === 'now') state.scene = scene;
      else state.pendingScene = { scene, when };
      renderSceneState();
      say(sceneMsg, when === 'now' ? `Scene ${scene}` : `Scene ${scene} on the next ${when}`, 'ok');
    } catch (err) {
      say(sceneMsg, errorText(err), 'error');
    }
  }

  // ---- Master and blackout ----
  const master = $('#master');
  let masterBusy = false;
  let masterDirty = false;
  function renderMaster() {
    if (document.activeElement !== master) master.value = String(state.master);
    $('#master-value').textContent = `${Math.round(state.master * 100)}%`;
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
      say(masterMsg, errorText(err), 'error');
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
      say(masterMsg, errorText(err), 'error');
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
  conn.on('dmx_frame', (p) => {
    for (const uni of p.universes ?? []) universes.set(uni.u, uni.dmx);
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
    const pendingName = p.pendingScene?.scene ?? null;
    if (pendingName !== (state.pendingScene?.scene ?? null)) {
      state.pendingScene = p.pendingScene ?? null;
      changed = true;
    }
    if (changed) renderSceneState();
    if (typeof p.master === 'number' && p.master !== state.master && document.activeElement !== master) {
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
  const held = new Map(); // "u:ch" → value set by this page
  const pageSelect = $('#manual-page');
  for (let first = 1; first <= 512; first += CHANNELS_PER_PAGE) {
    pageSelect.append(h('option', { value: String(first) }, `${first}–${first + CHANNELS_PER_PAGE - 1}`));
  }
  const universeInput = $('#manual-universe');
  const universe = () => Math.max(0, Math.min(32767, Math.trunc(Number(universeInput.value) || 0)));
  let faderEls = [];
  let queued = new Map(); // ch → val, flushed once per animation frame
  let flushScheduled = false;

  function flushWrites() {
    flushScheduled = false;
    if (queued.size === 0) return;
    const u = universe();
    const writes = [...queued].map(([ch, val]) => ({ ch, val, u }));
    queued = new Map();
    if (!conn.sendMessage(writes)) say(manualMsg, 'Not connected: channel writes were not sent', 'error');
  }

  function renderFaders() {
    const first = Number(pageSelect.value) || 1;
    faderEls = [];
    const box = $('#manual-faders');
    box.replaceChildren();
    for (let ch = first; ch < first + CHANNELS_PER_PAGE && ch <= 512; ch += 1) {
      const input = h('input', { type: 'range', min: '0', max: '255', step: '1', value: '0', 'aria-label': `Channel ${ch}` });
      const out = h('output', {}, '0');
      const label = h('button', { class: 'btn btn-small', type: 'button', title: 'Release this channel' }, String(ch));
      const fader = h('div', { class: 'fader', dataset: { ch: String(ch) } }, out, input, label);
      input.addEventListener('input', () => {
        const val = Number(input.value);
        out.textContent = String(val);
        held.set(`${universe()}:${ch}`, val);
        fader.dataset.held = 'true';
        queued.set(ch, val);
        if (!flushScheduled) {
          flushScheduled = true;
          requestAnimationFrame(flushWrites);
        }
      });
      label.addEventListener('click', () => release({ u: universe(), ch }));
      faderEls.push({ ch, input, out, fader });
      box.append(fader);
    }
    updateFaders();
  }

  // Faders show what goes out unless this page holds the channel.
  function updateFaders() {
    const u = universe();
    const dmx = universes.get(u);
    for (const f of faderEls) {
      const key = `${u}:${f.ch}`;
      const isHeld = held.has(key);
      f.fader.dataset.held = String(isHeld);
      if (document.activeElement === f.input) continue;
      const value = isHeld ? held.get(key) : dmx ? dmx[f.ch - 1] ?? 0 : 0;
      f.input.value = String(value);
      f.out.textContent = String(value);
    }
  }

  async function release(payload) {
    try {
      await conn.request('dmx_release', payload);
      for (const key of [...held.keys()]) {
        const [u, ch] = key.split(':').map(Number);
        if ((payload.u === undefined || payload.u === u) && (payload.ch === undefined || payload.ch === ch)) held.delete(key);
      }
      updateFaders();
      say(manualMsg, 'Released', 'ok');
    } catch (err) {
      say(manualMsg, errorText(err), 'error');
    }
  }
  // Channel writes carry no reqId: the server's objections arrive unaddressed.
  conn.on('server_error', (p) => say(manualMsg, `${p.code}: ${p.message}`, 'error'));
  pageSelect.addEventListener('change', renderFaders);
  universeInput.addEventListener('change', renderFaders);
  $('#manual-release-page').addEventListener('click', () => release({ u: universe() }));
  $('#manual-release-all').addEventListener('click', () => release({}));
  renderFaders();

  // ---- Show document ----
  function applyShowPayload(p) {
    state.available = true;
    unavailable.hidden = true;
    if (p.show) state.show = p.show;
    if ('scene' in p) state.scene = p.scene;
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
        say(sceneMsg, errorText(err), 'error');
      }
    }
  });
  renderMaster();
}

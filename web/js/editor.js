// The effect editor: edits a draft copy of the show document (one scene's
// effects at a time) and sends it whole with show_set. The server validates
// it; its error is shown verbatim (it names the path of the problem).
import { $, h, say, sayError } from './dom.js';

const FEATURES = ['energy', 'rms', 'peak', 'kick', 'snare', 'hihat', 'onset'];
const TRIGGERS = ['beat', 'onset', 'kick', 'snare', 'hihat'];
const TYPES = ['level', 'palette', 'strobe', 'chase', 'pulse', 'static'];

// Number fields per effect type: [key, label, min, max, step].
const NUMBERS = {
  level: [
    ['attack', 'Attack (s)', 0, 10, 0.01],
    ['release', 'Release (s)', 0, 10, 0.01],
    ['curve', 'Curve (exponent)', 0.1, 10, 0.1],
    ['floor', 'Floor', 0, 1, 0.01],
    ['ceiling', 'Ceiling', 0, 1, 0.01],
  ],
  palette: [['everyBeats', 'Every N beats', 1, 64, 1]],
  strobe: [
    ['threshold', 'Threshold', 0, 1, 0.01],
    ['durationMs', 'Duration (ms)', 1, 1000, 1],
  ],
  chase: [
    ['everyBeats', 'Every N beats', 1, 64, 1],
    ['width', 'Width', 1, 64, 1],
    ['level', 'Level', 0, 1, 0.01],
  ],
  pulse: [
    ['decay', 'Decay (s)', 0.01, 10, 0.01],
    ['level', 'Level', 0, 1, 0.01],
  ],
  static: [['level', 'Level', 0, 1, 0.01]],
};

const NEW_EFFECT = {
  level: { type: 'level', group: 'all', feature: 'energy' },
  palette: { type: 'palette', group: 'all', colors: ['#ff0000', '#0000ff'], everyBeats: 1 },
  strobe: { type: 'strobe', group: 'all', threshold: 0.8, durationMs: 60 },
  chase: { type: 'chase', group: 'all', everyBeats: 1, width: 1, level: 1 },
  pulse: { type: 'pulse', group: 'all', trigger: 'beat', decay: 0.3, level: 1 },
  static: { type: 'static', group: 'all', color: '#ffffff', level: 1 },
};

const clone = (value) => JSON.parse(JSON.stringify(value));
const CHANGED = 'Changed — press “Send show” to apply.';

export function summary(effect) {
  if (!effect || typeof effect !== 'object') return JSON.stringify(effect);
  const extra =
    effect.type === 'level' ? effect.feature || 'energy'
    : effect.type === 'palette' ? (effect.colors || []).join(' ')
    : effect.type === 'pulse' ? effect.trigger || 'beat'
    : effect.type === 'static' ? effect.color || ''
    : '';
  return `${effect.type} → ${effect.group || 'all'}${extra ? ` · ${extra}` : ''}`;
}

export function initEffectEditor(conn, { getShow }) {
  const msg = $('#fx-message');
  const sceneSelect = $('#fx-scene');
  const list = $('#fx-list');
  const form = $('#fx-editor');
  const json = $('#show-json');
  let draft = null;
  let dirty = false;
  let sending = false; // a show_set of this page is in flight: its own push is no news

  // While the document holds text that does not parse, the form would edit
  // (and "Send show" send) the last valid draft and overwrite the text: it
  // waits until the text parses again, or Revert.
  function formUsable(on) {
    form.inert = !on;
    form.classList.toggle('muted', !on);
    for (const id of ['#fx-apply', '#fx-add']) $(id).disabled = !on;
    sceneSelect.disabled = !on;
  }
  let sceneIndex = 0;
  let effectIndex = -1;

  function markDirty() {
    dirty = true;
    json.value = JSON.stringify(draft, null, 2);
    say(msg, CHANGED, 'info');
  }

  function groupsOf(show) {
    const names = new Set(['all', ...Object.keys(show?.groups ?? {})]);
    for (const f of show?.fixtures ?? []) names.add(f.id);
    return [...names];
  }

  function renderSceneSelect() {
    // The draft may be any JSON typed into the document.
    const scenes = Array.isArray(draft?.scenes) ? draft.scenes : [];
    sceneIndex = Math.min(sceneIndex, Math.max(0, scenes.length - 1));
    sceneSelect.replaceChildren(
      ...scenes.map((s, i) => h('option', { value: String(i), selected: i === sceneIndex }, s?.name ?? `scene ${i + 1}`)),
    );
  }

  function effects() {
    const scene = Array.isArray(draft?.scenes) ? draft.scenes[sceneIndex] : null;
    if (!scene || typeof scene !== 'object') return null;
    if (scene.effects === undefined) scene.effects = [];
    return Array.isArray(scene.effects) ? scene.effects : null;
  }

  function renderList() {
    const fx = effects() ?? [];
    if (effectIndex >= fx.length) effectIndex = fx.length - 1;
    list.replaceChildren(
      ...fx.map((effect, i) =>
        h(
          'li',
          { dataset: { selected: String(i === effectIndex) } },
          h('button', { class: 'btn', type: 'button', onclick: () => { effectIndex = i; renderList(); renderForm(); } }, summary(effect)),
        ),
      ),
    );
  }

  function field(label, control) {
    return h('label', {}, label, control);
  }

  function select(options, value, onchange) {
    const el = h('select', {}, ...options.map((o) => h('option', { value: o, selected: o === value }, o)));
    el.addEventListener('change', () => onchange(el.value));
    return el;
  }

  function renderForm() {
    form.replaceChildren();
    const fx = effects();
    const effect = fx?.[effectIndex];
    if (!effect || typeof effect !== 'object') {
      const why = effect !== undefined ? 'This effect is not an object: edit it in the document below.' : 'Pick an effect, or add one.';
      const none = draft ? 'No scene with an effect list here: edit the document below.' : 'No show loaded.';
      form.append(h('p', { class: 'muted' }, fx ? why : none));
      return;
    }
    const update = (mutate) => {
      mutate(effect);
      markDirty();
      renderList();
    };
    form.append(
      field('Type', select(TYPES, effect.type, (type) => {
        fx[effectIndex] = { ...clone(NEW_EFFECT[type]), group: effect.group || 'all' };
        markDirty();
        renderList();
        renderForm();
      })),
      field('Group', select(groupsOf(draft), effect.group || 'all', (g) => update((e) => { e.group = g; }))),
    );
    if (effect.type === 'level') {
      const bands = Array.from({ length: 64 }, (_, i) => `band:${i}`);
      form.append(field('Feature', select([...FEATURES, ...bands], effect.feature || 'energy', (f) => update((e) => { e.feature = f; }))));
    }
    if (effect.type === 'pulse') {
      form.append(field('Trigger', select(TRIGGERS, effect.trigger || 'beat', (t) => update((e) => { e.trigger = t; }))));
    }
    for (const [key, label, min, max, step] of NUMBERS[effect.type] ?? []) {
      const input = h('input', { type: 'number', min: String(min), max: String(max), step: String(step), value: effect[key] ?? '', placeholder: 'default', name: key });
      input.addEventListener('change', () =>
        update((e) => {
          if (input.value === '') delete e[key];
          else e[key] = Number(input.value);
        }),
      );
      form.append(field(label, input));
    }
    if (effect.type === 'palette') {
      const row = h('div', { class: 'palette' }, h('span', { class: 'muted' }, 'Colours'));
      (effect.colors || []).forEach((colour, i) => {
        const input = h('input', { type: 'color', value: colour, 'aria-label': `Colour ${i + 1}` });
        input.addEventListener('change', () => update((e) => { e.colors[i] = input.value; }));
        row.append(
          input,
          h('button', { class: 'btn btn-small', type: 'button', title: 'Remove colour', onclick: () => { update((e) => e.colors.splice(i, 1)); renderForm(); } }, '×'),
        );
      });
      row.append(h('button', { class: 'btn btn-small', type: 'button', onclick: () => { update((e) => { e.colors = [...(e.colors || []), '#ffffff']; }); renderForm(); } }, '+ colour'));
      const spread = h('input', { type: 'checkbox', checked: effect.spread !== false });
      spread.addEventListener('change', () => update((e) => { e.spread = spread.checked; }));
      form.append(row, field('Spread over fixtures', spread));
    }
    if (effect.type === 'static') {
      const colour = h('input', { type: 'color', value: effect.color || '#ffffff' });
      colour.addEventListener('change', () => update((e) => { e.color = colour.value; }));
      form.append(field('Colour', colour));
    }
    form.append(h('button', { class: 'btn btn-danger', type: 'button', onclick: () => { fx.splice(effectIndex, 1); effectIndex -= 1; markDirty(); renderList(); renderForm(); } }, 'Remove effect'));
  }

  function reset() {
    const show = getShow();
    draft = show ? clone(show) : null;
    dirty = false;
    json.value = draft ? JSON.stringify(draft, null, 2) : '';
    formUsable(true);
    renderSceneSelect();
    renderList();
    renderForm();
  }

  async function send(show) {
    sending = true;
    try {
      await conn.request('show_set', { show });
      dirty = false;
      reset();
      say(msg, 'Show applied', 'ok');
    } catch (err) {
      sayError(msg, err);
    } finally {
      sending = false;
    }
  }

  sceneSelect.addEventListener('change', () => {
    sceneIndex = Number(sceneSelect.value) || 0;
    effectIndex = -1;
    renderList();
    renderForm();
  });
  $('#fx-add').addEventListener('click', () => {
    const fx = effects();
    if (!fx) return;
    fx.push(clone(NEW_EFFECT.level));
    effectIndex = fx.length - 1;
    markDirty();
    renderList();
    renderForm();
  });
  $('#fx-apply').addEventListener('click', () => draft && send(draft));
  $('#fx-revert').addEventListener('click', () => {
    reset();
    say(msg, 'Reverted to the running show', 'info');
  });
  // Typing in the document is an unsent change like any other: a show from
  // the server (another page, a reconnect) must not wipe it. Once the text is
  // valid JSON it becomes the draft, so the effect form edits the same show.
  json.addEventListener('input', () => {
    dirty = true;
    try {
      draft = JSON.parse(json.value);
    } catch (err) {
      formUsable(false);
      say(msg, `Not valid JSON yet (${err.message}): the effect form waits until it is; “Send this JSON” names the problem.`, 'info');
      return;
    }
    formUsable(true);
    renderSceneSelect();
    renderList();
    renderForm();
    say(msg, CHANGED, 'info');
  });
  $('#show-send').addEventListener('click', () => {
    let parsed;
    try {
      parsed = JSON.parse(json.value);
    } catch (err) {
      say(msg, `Not valid JSON: ${err.message}`, 'error');
      return;
    }
    draft = parsed;
    send(parsed);
  });

  return {
    // A new show from the server: adopt it unless the user has unsent edits.
    showChanged() {
      if (sending) return; // this page's own show: reset() follows its ack
      if (!dirty) {
        reset();
      } else {
        say(msg, 'The running show changed in luminad (another page, or a restart); your unsent edits are kept: “Send show” replaces it with them, “Revert” takes the running one.', 'info');
      }
    },
  };
}

// Sources and transport: source list, engine start/stop, upload, file
// transport with a seek bar, monitor toggle and DSP parameters.
import { $, h, say, sayError, clearError, errorText, formatTime, trackAdjusting } from './dom.js';
import { uploadFile } from './upload.js';

export function initSources(conn) {
  const list = $('#source-list');
  const msg = $('#sources-message');
  const seek = $('#seek');
  let sources = [];
  let activeId = null;
  let nowSaid = null; // the source a "Now: …" message in the card names
  const monitorAdjusting = trackAdjusting($('#monitor'));
  const seekAdjusting = trackAdjusting(seek); // while held, status pushes must not move it

  const tmsg = $('#transport-message');

  function render() {
    list.replaceChildren(
      ...sources.map((item) => {
        const detail = [
          item.channels ? `${item.channels} ch` : null,
          item.sr ? `${(item.sr / 1000).toFixed(1)} kHz` : null,
          typeof item.duration === 'number' ? formatTime(item.duration) : null,
        ]
          .filter(Boolean)
          .join(' · ');
        const li = h(
          'li',
          { class: 'source-item', dataset: { id: item.id, kind: item.kind, active: String(item.id === activeId) } },
          h(
            'button',
            { class: 'btn select', type: 'button', onclick: () => select(item) },
            h('span', { class: 'kind' }, item.kind || '?'),
            h('span', { class: 'source-name', title: item.name || item.id }, item.name || item.id),
            h('span', { class: 'muted' }, detail),
          ),
        );
        if (item.kind === 'file') {
          const name = item.name || item.id;
          li.append(h('button', { class: 'btn delete', type: 'button', title: `Delete ${name}`, 'aria-label': `Delete ${name}`, onclick: () => remove(item) }, 'Delete'));
        }
        return li;
      }),
    );
  }

  function setActive(id) {
    activeId = id;
    for (const li of list.children) li.dataset.active = String(li.dataset.id === id);
    // "Now: X" stops being true when another source becomes active (another
    // page, a restart that went back to the configured source).
    if (nowSaid !== null && nowSaid !== id) {
      if (msg.textContent.startsWith('Now: ')) say(msg, '', '');
      nowSaid = null;
    }
  }

  async function refresh() {
    try {
      await conn.request('audio_list_sources');
    } catch (err) {
      sayError(msg, err);
    }
  }

  // Selecting plays: a file from its current position, anything else live.
  async function select(item) {
    say(msg, `Switching to ${item.name || item.id}…`, 'info');
    try {
      await conn.request('audio_set_source', { sourceId: item.id });
      setActive(item.id);
      if (item.kind === 'file') await conn.request('audio_file_play');
      else await conn.request('audio_start');
      say(msg, `Now: ${item.name || item.id}`, 'ok');
      nowSaid = item.id;
      clearError(tmsg); // a refused Play before is moot: it plays now
    } catch (err) {
      sayError(msg, err);
    }
  }

  async function remove(item) {
    const fileId = item.id.startsWith('file:') ? item.id.slice(5) : item.id;
    if (!window.confirm(`Delete ${item.name || fileId} from the media folder?`)) return;
    try {
      const res = await fetch(`/api/sources/${encodeURIComponent(fileId)}`, {
        method: 'DELETE',
        headers: conn.authHeaders(),
      });
      let body = {};
      try {
        body = await res.json();
      } catch {
        /* empty */
      }
      if (res.ok) {
        say(msg, `Deleted ${item.name || fileId}`, 'ok');
      } else if (res.status === 409) {
        // Operator words first; the server's reason stays readable after them.
        sayError(msg, { code: 'in_use' }, `Stop the file before deleting it (or select another source). luminad: ${body.message || 'in use'}`);
      } else {
        say(msg, `${body.error || res.status}: ${body.message || res.statusText}`, 'error');
      }
      refresh();
    } catch (err) {
      sayError(msg, err);
    }
  }

  conn.on('audio_sources', (p) => {
    sources = Array.isArray(p.items) ? p.items : [];
    render();
  });

  conn.on('audio_status', (p) => {
    $('#engine-state').textContent = `audio ${p.state}`;
    if (p.sourceId) setActive(p.sourceId);
  });

  conn.on('engine_status', (s) => {
    const a = s?.audio;
    if (!a) return;
    $('#engine-state').textContent = `audio ${a.state || (a.running ? 'running' : 'stopped')}`;
    if (a.sourceId && a.sourceId !== activeId) setActive(a.sourceId);
    if (typeof a.monitor === 'boolean' && !monitorAdjusting()) $('#monitor').checked = a.monitor;
  });

  $('#sources-refresh').addEventListener('click', refresh);
  $('#engine-start').addEventListener('click', () =>
    conn.request('audio_start').then(() => say(msg, 'Audio started', 'ok'), (e) => sayError(msg, e)),
  );
  $('#engine-stop').addEventListener('click', () =>
    conn.request('audio_stop').then(() => say(msg, 'Audio stopped', 'ok'), (e) => sayError(msg, e)),
  );

  // ---- Transport ----
  let fileState = 'stopped';
  conn.on('audio_file_status', (p) => {
    const state = p.ended ? 'ended' : p.state || 'stopped';
    // Errors that the file's new state answers: a refused Play once it
    // starts playing, a refused Delete once it no longer plays.
    if (state === 'playing' && fileState !== 'playing') clearError(tmsg);
    fileState = state;
    if (state !== 'playing' && state !== 'paused' && msg.dataset.reason === 'in_use') {
      say(msg, '', '');
    }
    $('#file-name').textContent = p.fileId ? p.name || p.fileId : 'No file selected';
    $('#file-state').textContent = p.ended ? 'ended' : p.state || 'stopped';
    $('#duration').textContent = formatTime(p.duration);
    seek.max = String(p.duration || 0);
    if (!seekAdjusting()) {
      seek.value = String(p.position || 0);
      $('#position').textContent = formatTime(p.position, { tenths: true });
    }
    document.body.dataset.fileState = p.state || 'stopped';
    seek.dataset.position = String(p.position || 0);
  });
  const transport = (type, payload) =>
    conn.request(type, payload).then(
      () => say(tmsg, '', ''),
      (err) => sayError(tmsg, err),
    );
  $('#file-play').addEventListener('click', () => transport('audio_file_play'));
  $('#file-pause').addEventListener('click', () => transport('audio_file_pause'));
  $('#file-stop').addEventListener('click', () => transport('audio_file_stop'));
  seek.addEventListener('input', () => {
    $('#position').textContent = formatTime(seek.value, { tenths: true });
  });
  seek.addEventListener('change', () => transport('audio_file_seek', { seconds: Number(seek.value) }));

  // ---- Upload ----
  const zone = $('#drop-zone');
  const input = $('#file-input');
  const progress = $('#upload-progress');
  const umsg = $('#upload-message');

  // One file; resolves true when luminad took it. `of` = " (2 of 3)" or ''.
  async function upload(file, of = '') {
    progress.hidden = false;
    progress.value = 0;
    zone.dataset.state = 'uploading';
    delete umsg.dataset.dedup;
    delete umsg.dataset.sourceId;
    say(umsg, `Uploading ${file.name}${of}…`, 'info');
    const failed = (text) => {
      progress.hidden = true; // no bar at 100 % beside an error
      say(umsg, text, 'error');
      return false;
    };
    try {
      const { status, body } = await uploadFile(file, {
        headers: conn.authHeaders(),
        onProgress: (fraction) => {
          progress.value = fraction;
        },
        // Bytes sent; the server checks and converts before it answers.
        onSent: () => {
          zone.dataset.state = 'processing';
          progress.removeAttribute('value'); // indeterminate: no fake percentage
          say(umsg, `Processing ${file.name}${of}… (luminad checks and converts it)`, 'info');
        },
      });
      if (status === 404) {
        return failed('This luminad does not accept uploads yet (POST /upload not found).');
      } else if (!body.ok) {
        return failed(`${file.name}: ${body.error || `HTTP ${status}`}: ${body.message || ''}`);
      } else {
        progress.value = 1;
        const what = `${body.name}${typeof body.duration === 'number' ? ` (${formatTime(body.duration)})` : ''}`;
        const text = body.dedup ? `Already in the library: ${what}` : `Uploaded ${what}${body.fromVideo ? ', audio taken from the video' : ''}`;
        say(umsg, text, body.dedup ? 'info' : 'ok');
        umsg.dataset.dedup = String(Boolean(body.dedup));
        umsg.dataset.sourceId = body.sourceId || '';
        if (body.sourceId) {
          umsg.append(
            ' ',
            h(
              'button',
              {
                class: 'btn btn-small',
                type: 'button',
                id: 'upload-play',
                onclick: () => select({ id: body.sourceId, kind: 'file', name: body.name }),
              },
              'Play it',
            ),
          );
        }
        refresh();
        return true;
      }
    } catch (err) {
      return failed(`${file.name}: ${errorText(err)}`);
    } finally {
      zone.dataset.state = 'idle';
    }
  }

  // Several files go one after another; a drop while they go joins the queue.
  const queue = [];
  let uploading = false;
  let batch = { total: 0, done: 0, failed: [] };
  async function uploadAll(files) {
    const list = Array.from(files || []);
    if (list.length === 0) return;
    if (!uploading) batch = { total: 0, done: 0, failed: [] };
    batch.total += list.length;
    queue.push(...list);
    if (uploading) return;
    uploading = true;
    try {
      while (queue.length) {
        const file = queue.shift();
        batch.done += 1;
        const of = batch.total > 1 ? ` (${batch.done} of ${batch.total})` : '';
        if (!(await upload(file, of))) batch.failed.push(file.name);
      }
    } finally {
      uploading = false;
    }
    if (batch.total > 1) {
      // The last file's message stays (with its Play button); the tally leads.
      const ok = batch.total - batch.failed.length;
      const tally = batch.failed.length
        ? `${ok} of ${batch.total} files uploaded; failed: ${batch.failed.join(', ')}. `
        : `All ${batch.total} files uploaded. `;
      umsg.prepend(tally);
      if (batch.failed.length) umsg.className = 'message message-error';
    }
  }

  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    uploadAll(event.dataTransfer?.files);
  });
  zone.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') input.click();
  });
  input.addEventListener('change', () => {
    uploadAll(input.files);
    input.value = '';
  });

  // ---- Analysis parameters ----
  const dmsg = $('#dsp-message');
  const dspForm = $('#dsp-form');
  // The browser refuses an out-of-range field before anything is sent: say
  // so in the card, naming the field, as the server's refusals are.
  dspForm.addEventListener(
    'invalid',
    (event) => {
      const field = event.target;
      // The label's own words (it also holds the control, and a select's options).
      const label = field.labels?.[0]?.firstChild?.textContent.trim() || field.name;
      say(dmsg, `${label}: ${field.validationMessage}`, 'error');
    },
    true,
  );
  // An error about a field that has been edited since no longer holds.
  dspForm.addEventListener('input', () => clearError(dmsg));
  $('#monitor').addEventListener('change', (event) => {
    conn
      .request('dsp_set_params', { monitor: event.target.checked })
      .then(() => say(dmsg, `Monitor ${event.target.checked ? 'on' : 'off'}`, 'ok'), (err) => sayError(dmsg, err));
  });
  dspForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const payload = {};
    for (const [key, value] of form.entries()) {
      if (value !== '') payload[key] = Number(value);
    }
    if (Object.keys(payload).length === 0) {
      say(dmsg, 'Nothing to change: fill in a field.', 'info');
      return;
    }
    conn.request('dsp_set_params', payload).then(
      (reply) => {
        const ignored = reply.payload?.ignored;
        say(dmsg, `Applied${ignored?.length ? ` (ignored: ${ignored.join(', ')})` : ''}`, 'ok');
      },
      (err) => sayError(dmsg, err),
    );
  });

  conn.subscribe('audio_sources', 'audio_file_status', 'audio_status');
  conn.on('open', () => {
    refresh();
    conn.request('audio_file_status_get').catch(() => {});
  });
}

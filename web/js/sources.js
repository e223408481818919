// Sources and transport: source list, engine start/stop, upload, file
// transport with a seek bar, monitor toggle and DSP parameters.
import { $, h, say, errorText, formatTime } from './dom.js';
import { uploadFile } from './upload.js';

export function initSources(conn) {
  const list = $('#source-list');
  const msg = $('#sources-message');
  const seek = $('#seek');
  let sources = [];
  let activeId = null;
  let seeking = false; // the user holds the seek bar: pushes must not move it

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
            h('span', { class: 'source-name' }, item.name || item.id),
            h('span', { class: 'muted' }, detail),
          ),
        );
        if (item.kind === 'file') {
          li.append(h('button', { class: 'btn', type: 'button', title: 'Delete file', onclick: () => remove(item) }, 'Delete'));
        }
        return li;
      }),
    );
  }

  function setActive(id) {
    activeId = id;
    for (const li of list.children) li.dataset.active = String(li.dataset.id === id);
  }

  async function refresh() {
    try {
      await conn.request('audio_list_sources');
    } catch (err) {
      say(msg, errorText(err), 'error');
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
    } catch (err) {
      say(msg, errorText(err), 'error');
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
      if (res.ok) say(msg, `Deleted ${item.name || fileId}`, 'ok');
      else if (res.status === 409) say(msg, `Cannot delete while it plays: ${body.message || 'stop it first'}`, 'error');
      else say(msg, `${body.error || res.status}: ${body.message || res.statusText}`, 'error');
      refresh();
    } catch (err) {
      say(msg, errorText(err), 'error');
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
    if (typeof a.monitor === 'boolean' && document.activeElement !== $('#monitor')) $('#monitor').checked = a.monitor;
  });

  $('#sources-refresh').addEventListener('click', refresh);
  $('#engine-start').addEventListener('click', () =>
    conn.request('audio_start').then(() => say(msg, 'Audio started', 'ok'), (e) => say(msg, errorText(e), 'error')),
  );
  $('#engine-stop').addEventListener('click', () =>
    conn.request('audio_stop').then(() => say(msg, 'Audio stopped', 'ok'), (e) => say(msg, errorText(e), 'error')),
  );

  // ---- Transport ----
  const tmsg = $('#transport-message');
  conn.on('audio_file_status', (p) => {
    $('#file-name').textContent = p.fileId ? p.name || p.fileId : 'No file selected';
    $('#file-state').textContent = p.ended ? 'ended' : p.state || 'stopped';
    $('#duration').textContent = formatTime(p.duration);
    seek.max = String(p.duration || 0);
    if (!seeking) {
      seek.value = String(p.position || 0);
      $('#position').textContent = formatTime(p.position, { tenths: true });
    }
    document.body.dataset.fileState = p.state || 'stopped';
    seek.dataset.position = String(p.position || 0);
  });
  const transport = (type, payload) =>
    conn.request(type, payload).then(
      () => say(tmsg, '', ''),
      (err) => say(tmsg, errorText(err), 'error'),
    );
  $('#file-play').addEventListener('click', () => transport('audio_file_play'));
  $('#file-pause').addEventListener('click', () => transport('audio_file_pause'));
  $('#file-stop').addEventListener('click', () => transport('audio_file_stop'));
  seek.addEventListener('input', () => {
    seeking = true;
    $('#position').textContent = formatTime(seek.value, { tenths: true });
  });
  seek.addEventListener('change', () => {
    seeking = false;
    transport('audio_file_seek', { seconds: Number(seek.value) });
  });

  // ---- Upload ----
  const zone = $('#drop-zone');
  const input = $('#file-input');
  const progress = $('#upload-progress');
  const umsg = $('#upload-message');

  async function upload(file) {
    progress.hidden = false;
    progress.value = 0;
    zone.dataset.state = 'uploading';
    say(umsg, `Uploading ${file.name}…`, 'info');
    try {
      const { status, body } = await uploadFile(file, {
        headers: conn.authHeaders(),
        onProgress: (fraction) => {
          progress.value = fraction;
        },
      });
      if (status === 404) {
        say(umsg, 'This luminad does not accept uploads yet (POST /upload not found).', 'error');
      } else if (!body.ok) {
        say(umsg, `${body.error || `HTTP ${status}`}: ${body.message || ''}`, 'error');
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
      }
    } catch (err) {
      say(umsg, errorText(err), 'error');
    } finally {
      zone.dataset.state = 'idle';
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
    const file = event.dataTransfer?.files?.[0];
    if (file) upload(file);
  });
  zone.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') input.click();
  });
  input.addEventListener('change', () => {
    if (input.files[0]) upload(input.files[0]);
    input.value = '';
  });

  // ---- Analysis parameters ----
  const dmsg = $('#dsp-message');
  $('#monitor').addEventListener('change', (event) => {
    conn
      .request('dsp_set_params', { monitor: event.target.checked })
      .then(() => say(dmsg, `Monitor ${event.target.checked ? 'on' : 'off'}`, 'ok'), (err) => say(dmsg, errorText(err), 'error'));
  });
  $('#dsp-form').addEventListener('submit', (event) => {
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
      (err) => say(dmsg, errorText(err), 'error'),
    );
  });

  conn.subscribe('audio_sources', 'audio_file_status', 'audio_status');
  conn.on('open', () => {
    refresh();
    conn.request('audio_file_status_get').catch(() => {});
  });
}

// Entry point: one Connection, four views, the tabs, the banners and the
// token dialog.
import { $, $$, say } from './dom.js';
import { Connection } from './connection.js';
import { initLive } from './live.js';
import { initSources } from './sources.js';
import { initLighting } from './lighting.js';
import { initStatus } from './status.js';

const VIEWS = ['live', 'sources', 'lighting', 'status'];

function showView(name) {
  const view = VIEWS.includes(name) ? name : 'live';
  for (const tab of $$('.tabs [data-view]')) tab.setAttribute('aria-selected', String(tab.dataset.view === view));
  for (const section of $$('main .view')) section.hidden = section.dataset.view !== view;
  document.body.dataset.view = view;
}

function initTabs() {
  for (const tab of $$('.tabs [data-view]')) {
    tab.addEventListener('click', () => {
      window.location.hash = tab.dataset.view;
    });
  }
  window.addEventListener('hashchange', () => showView(window.location.hash.slice(1)));
  showView(window.location.hash.slice(1));
}

function initConnectionUi(conn) {
  const pill = $('#conn-state');
  const banner = $('#banner-connection');
  const dialog = $('#token-dialog');
  let everOpen = false;

  conn.on('state', (state, detail) => {
    pill.dataset.state = state;
    document.body.dataset.conn = state;
    if (state === 'open') {
      everOpen = true;
      pill.textContent = 'connected';
      banner.hidden = true;
      if (dialog.open) dialog.close();
    } else if (state === 'connecting') {
      pill.textContent = 'connecting…';
    } else if (state === 'closed') {
      pill.textContent = 'offline';
      banner.hidden = false;
      const seconds = Math.max(1, Math.round((detail.retryInMs || 0) / 1000));
      banner.textContent = `${everOpen ? 'Connection to luminad lost' : 'Cannot reach luminad'} — reconnecting in ${seconds} s (attempt ${detail.attempt})…`;
    } else if (state === 'auth') {
      pill.textContent = 'token needed';
      banner.hidden = true;
      $('#token-reason').textContent = detail.reason || 'This luminad requires an access token.';
      if (!dialog.open) dialog.showModal();
      $('#token-input').focus();
    }
  });

  $('#token-form').addEventListener('submit', () => {
    const token = $('#token-input').value;
    if (token.trim()) conn.useToken(token);
  });
  // Escape must not leave the page without a way back to the dialog.
  dialog.addEventListener('cancel', (event) => event.preventDefault());
  // "not connected" under a control is moot once the link is back.
  conn.on('open', () => {
    for (const el of $$('.message[data-reason="OFFLINE"]')) say(el, '', '');
  });
}

// A file dropped beside the drop zone would make the browser open it in
// place of the control page: nothing outside the zone takes drops.
function guardDrops() {
  for (const type of ['dragover', 'drop']) {
    window.addEventListener(type, (event) => {
      if (event.target instanceof Element && event.target.closest('#drop-zone')) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'none';
    });
  }
}

// The banners stick right under the top bar, whose height depends on how its
// tabs wrap (font, width, zoom): measured, not guessed in the stylesheet.
function pinBannersUnderTopbar() {
  const topbar = $('.topbar');
  const place = () => document.documentElement.style.setProperty('--topbar-height', `${topbar.getBoundingClientRect().height}px`);
  new ResizeObserver(place).observe(topbar);
  place();
}

const conn = new Connection();
window.lumina = { conn }; // for the browser tests and the console
initTabs();
initConnectionUi(conn);
guardDrops();
pinBannersUnderTopbar();
initLive(conn);
initSources(conn);
initLighting(conn);
initStatus(conn);
conn.start();

// The WebSocket link to luminad: request/reply by reqId, pushes by type,
// subscriptions that survive reconnects, reconnect with exponential backoff,
// and the access token (asked for when the server answers 401 / closes 1008).

const TOKEN_KEY = 'lumina.token';
const REQUEST_TIMEOUT_MS = 10000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 8000;

export class RequestError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export function storedToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

function storeToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* private mode: the token lives for this page only */
  }
}

export class Connection {
  constructor() {
    this.token = storedToken();
    this.listeners = new Map(); // type → Set<fn(payload, message)>
    this.pending = new Map(); // reqId → {resolve, reject, timer}
    this.streams = new Set();
    this.nextReqId = 1;
    this.attempt = 0;
    this.ws = null;
    this.retryTimer = null;
    this.state = 'idle';
  }

  // fn(payload, message); special types: 'state' (fn(state, detail)), 'open'.
  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
    return () => this.listeners.get(type).delete(fn);
  }

  emit(type, payload, message) {
    const set = this.listeners.get(type);
    if (!set) return;
    for (const fn of set) {
      try {
        fn(payload, message);
      } catch (err) {
        console.error(`lumina: handler for ${type} failed`, err);
      }
    }
  }

  setState(state, detail = {}) {
    this.state = state;
    this.emit('state', state, detail);
  }

  get open() {
    return this.state === 'open';
  }

  start() {
    this.connect();
  }

  // A new token (from the dialog): stored, then a fresh connection uses it.
  useToken(token) {
    this.token = token.trim();
    storeToken(this.token);
    this.attempt = 0;
    this.reconnectNow();
  }

  reconnectNow() {
    clearTimeout(this.retryTimer);
    if (this.ws) {
      const old = this.ws;
      this.ws = null;
      old.close();
    }
    this.connect();
  }

  authHeaders() {
    return this.token ? { Authorization: `Bearer ${this.token}` } : {};
  }

  async connect() {
    clearTimeout(this.retryTimer);
    this.setState('connecting', { attempt: this.attempt });
    // Ask over HTTP first: a refused WebSocket upgrade (401) reaches the
    // page only as an anonymous close, a 401 here says "token needed".
    let response;
    try {
      response = await fetch('/api/status', { headers: this.authHeaders(), cache: 'no-store' });
    } catch {
      this.scheduleRetry();
      return;
    }
    if (response.status === 401) {
      this.needToken(this.token ? 'The stored access token was refused.' : 'This luminad requires an access token.');
      return;
    }
    if (response.ok) {
      try {
        this.emit('engine_status', await response.json(), null);
      } catch {
        /* not JSON: ignore, the push follows */
      }
    } else {
      this.scheduleRetry();
      return;
    }
    const url = new URL('/ws', window.location.href);
    url.protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.token) url.searchParams.set('token', this.token);
    let ws;
    try {
      ws = new WebSocket(url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onmessage = (event) => {
      if (this.ws !== ws) return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.dispatch(ws, message);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.failPending('connection closed');
      if (event.code === 1008) {
        this.needToken(`luminad closed the connection: ${event.reason || 'authentication failed'}`);
      } else {
        this.scheduleRetry();
      }
    };
  }

  needToken(reason) {
    this.setState('auth', { reason });
  }

  scheduleRetry() {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    const delay = base * (0.75 + Math.random() * 0.5); // jitter: many tablets must not reconnect in lockstep
    this.attempt += 1;
    this.setState('closed', { attempt: this.attempt, retryInMs: delay });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  dispatch(ws, message) {
    const { type, payload = {}, reqId = null } = message;
    if (type === 'hello_ack') {
      if (payload.authenticated === false) {
        ws.onclose = null;
        this.ws = null;
        ws.close();
        this.needToken('This luminad requires an access token.');
        return;
      }
      this.attempt = 0;
      this.setState('open', { server: payload.server, version: payload.version });
      if (this.streams.size > 0) this.sendMessage({ type: 'subscribe', payload: { streams: [...this.streams] } });
      this.emit('open', payload, message);
      return;
    }
    if (reqId !== null && this.pending.has(reqId)) {
      const entry = this.pending.get(reqId);
      this.pending.delete(reqId);
      clearTimeout(entry.timer);
      if (type === 'error') entry.reject(new RequestError(payload.code, payload.message));
      else entry.resolve(message);
    }
    // Typed replies (audio_sources, show, ...) update the views like pushes.
    if (type !== 'ack' && type !== 'error') this.emit(type, payload, message);
    else if (type === 'error' && reqId === null) this.emit('server_error', payload, message);
  }

  sendMessage(message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  // Resolves with the reply message (ack or typed); rejects with RequestError.
  request(type, payload = {}) {
    return new Promise((resolve, reject) => {
      if (!this.open) {
        reject(new RequestError('OFFLINE', 'not connected to luminad'));
        return;
      }
      const reqId = this.nextReqId++;
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new RequestError('TIMEOUT', `no reply to ${type}`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(reqId, { resolve, reject, timer });
      this.sendMessage({ type, payload, reqId });
    });
  }

  failPending(reason) {
    for (const [, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(new RequestError('OFFLINE', reason));
    }
    this.pending.clear();
  }

  subscribe(...streams) {
    const fresh = streams.filter((s) => !this.streams.has(s));
    for (const s of fresh) this.streams.add(s);
    if (fresh.length && this.open) this.sendMessage({ type: 'subscribe', payload: { streams: fresh } });
  }
}

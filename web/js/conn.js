// conn.js: the WebSocket transport. It opens /ws with the tandem.v1
// subprotocol, matches replies to requests by id, hands events to its
// listeners in arrival order, and reconnects after any close with
// exponential backoff (0.5 s doubling to 10 s, with jitter). It knows
// nothing about accounts or state: the session (session.js) says hello on
// every 'open' and decides what a close means.
//
// Events dispatched (CustomEvent detail in parentheses):
//   'state'  ({state, retryAt})   connecting | open | closed
//   'open'   ()                   a new socket is open; say hello
//   'close'  ({code, reason})     the socket closed; pending requests failed
//   'event'  (frame)              a server event frame, in order

export class ProtoError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10000;
const PING_EVERY_MS = 25000;
const REQUEST_TIMEOUT_MS = 20000;

export class Connection extends EventTarget {
  constructor(url, protocol = 'tandem.v1') {
    super();
    this.url = url;
    this.protocol = protocol;
    this.ws = null;
    this.state = 'closed';
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, timer, op}
    this.attempt = 0;
    this.retryTimer = null;
    this.retryAt = 0;
    this.pingTimer = null;
    this.running = false;
  }

  // Begin connecting; keep reconnecting until stop().
  start() {
    this.running = true;
    if (!this.ws && !this.retryTimer) this.open();
  }

  stop() {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.ws) this.ws.close(1000);
  }

  // Skip the remaining backoff delay (e.g. the browser came back online).
  reconnectNow() {
    if (!this.running || this.ws) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.open();
  }

  // Close the current socket on purpose (e.g. hello failed); the backoff
  // reconnects.
  drop(reason = 'retry') {
    if (this.ws) this.ws.close(4000, reason);
  }

  // The session calls this once a hello succeeded: the next failure starts
  // again from the shortest delay.
  resetBackoff() {
    this.attempt = 0;
  }

  setState(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, retryAt: this.retryAt } }));
  }

  open() {
    this.retryAt = 0;
    this.setState('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url, this.protocol);
    } catch (err) {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.addEventListener('open', () => {
      if (this.ws !== ws) return;
      this.setState('open');
      this.startPing();
      this.dispatchEvent(new Event('open'));
    });
    ws.addEventListener('message', (ev) => {
      if (this.ws !== ws) return;
      this.onFrame(ev.data);
    });
    ws.addEventListener('close', (ev) => {
      if (this.ws !== ws) return;
      this.onClosed(ev.code, ev.reason);
    });
    // 'error' is always followed by 'close'; nothing to do here.
  }

  onFrame(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      // Not our protocol: say so (a reply we cannot read would otherwise
      // leave its request waiting) and keep the page alive.
      console.warn('tandem: ignoring a frame that is not JSON:', String(data).slice(0, 200));
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    if (typeof frame.event === 'string') {
      this.dispatchEvent(new CustomEvent('event', { detail: frame }));
      return;
    }
    const p = frame.id !== null && this.pending.get(frame.id);
    if (!p) return;
    this.pending.delete(frame.id);
    clearTimeout(p.timer);
    if (frame.error) p.reject(new ProtoError(frame.error.code, frame.error.message));
    else p.resolve(frame.result || {});
  }

  onClosed(code, reason) {
    this.ws = null;
    clearInterval(this.pingTimer);
    this.pingTimer = null;
    const failed = [...this.pending.values()];
    this.pending.clear();
    for (const p of failed) {
      clearTimeout(p.timer);
      p.reject(new ProtoError('disconnected', 'Not connected to the server'));
    }
    this.dispatchEvent(new CustomEvent('close', { detail: { code, reason } }));
    if (this.running) this.scheduleRetry();
    else this.setState('closed');
  }

  scheduleRetry() {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    this.attempt += 1;
    // "Equal jitter": half fixed, half random, so clients spread out after a
    // server restart but still back off.
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.running) this.open();
    }, delay);
    this.setState('closed');
  }

  // A ping that goes unanswered means a dead link (a laptop that slept, a
  // proxy that dropped us): close and let the backoff reconnect.
  startPing() {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      this.request('ping', {}, 10000).catch((err) => {
        if (err.code === 'timeout' && this.ws) this.ws.close(4000, 'ping timeout');
      });
    }, PING_EVERY_MS);
  }

  get isOpen() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  // request(op, fields): resolve with the result object, or reject with a
  // ProtoError (the server's code and message, or 'disconnected'/'timeout').
  request(op, fields = {}, timeoutMs = REQUEST_TIMEOUT_MS) {
    if (!this.isOpen) return Promise.reject(new ProtoError('disconnected', 'Not connected to the server'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) reject(new ProtoError('timeout', 'The server did not answer'));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, op });
      this.ws.send(JSON.stringify({ ...fields, op, id }));
    });
  }
}

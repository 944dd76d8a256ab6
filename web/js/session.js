// session.js: the protocol client on top of the transport. It says hello on
// every new socket (with the saved token, and `since` when it can resume),
// applies server events to the store exactly once (by seq), keeps the
// outbox of pending sends and re-sends them with the same nonce after a
// reconnect, and offers the actions the views call (send, edit, join...).
// It never touches the DOM.

import { ProtoError } from './conn.js';

const TOKEN_KEY = 'tandem.token';
const HISTORY_PAGE = 50;
const OLDER_PAGE = 100; // pages fetched when scrolling back
const JUMP_PAGE = 200; // paging back towards a message to show in context
const TYPING_EVERY_MS = 3000;

// A nonce for msg.send. crypto.randomUUID() exists only in secure contexts
// (https or localhost); a server on a LAN name over http still needs one.
export function newNonce() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function idOf(x) {
  return x !== null && typeof x === 'object' ? x.id : x;
}

export class Session {
  constructor(conn, store, storage = window.localStorage) {
    this.conn = conn;
    this.store = store;
    this.storage = storage;
    this.lastSeq = 0;
    this.synced = false; // our state is current up to lastSeq: we may resume
    this.authed = false;
    this.notice = ''; // shown on the login screen (e.g. "session expired")
    this.lastTyping = new Map(); // conv id -> ms of the last typing sent
    this.membersLoading = new Set();
    this.convLoading = new Set();
    this.readSent = new Map(); // conv id or 't<root>' -> marker last sent
    this.readyWaiters = [];
    this.listeners = new Set(); // fn(event name, data, frame) for every event

    conn.addEventListener('open', () => this.onOpen());
    conn.addEventListener('close', (e) => this.onClose(e.detail));
    conn.addEventListener('event', (e) => this.onEvent(e.detail));
    conn.addEventListener('state', (e) => this.updateConnState());
  }

  start() {
    this.updateConnState();
    this.conn.start();
  }

  updateConnState() {
    let state = this.conn.state;
    if (state === 'open' && !this.helloDone) state = 'connecting';
    this.store.setConn(state, this.conn.retryAt);
  }

  get token() {
    try {
      return this.storage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  }

  set token(value) {
    try {
      if (value) this.storage.setItem(TOKEN_KEY, value);
      else this.storage.removeItem(TOKEN_KEY);
    } catch {
      // Private mode without storage: the session lasts as long as the page.
    }
  }

  // --- connection lifecycle -------------------------------------------------

  async onOpen() {
    this.helloDone = false;
    this.updateConnState();
    const token = this.token;
    const resuming = !!token && this.synced;
    const fields = {};
    if (token) fields.token = token;
    if (resuming) fields.since = this.lastSeq;
    let res;
    try {
      res = await this.conn.request('hello', fields);
    } catch (err) {
      if (err.code === 'bad_token') {
        this.signedOut('Your session has ended. Please log in again.');
        try {
          res = await this.conn.request('hello', {});
        } catch {
          return;
        }
      } else {
        // Disconnected or timed out: the next open tries again. Anything
        // else (rate_limited, busy, internal): back off and retry.
        if (err.code !== 'disconnected') this.conn.drop(err.code);
        return;
      }
    }
    this.helloDone = true;
    for (const w of this.readyWaiters.splice(0)) w();
    this.store.setServer({
      server: res.server,
      limits: res.limits || {},
      needs_invite: !!res.needs_invite,
      open_registration: !!res.open_registration,
    });
    this.updateConnState();
    if (res.user) {
      await this.onAuthed(res, resuming);
    } else {
      this.conn.resetBackoff();
      if (this.store.me) this.signedOut('');
    }
  }

  onClose({ code }) {
    this.authed = false;
    this.helloDone = false;
    this.membersLoading.clear();
    this.convLoading.clear();
    this.readSent.clear();
    for (const hist of this.store.histories.values()) {
      hist.loading = false;
      hist.loadingOlder = false;
    }
    for (const p of this.store.pending.values()) p.inflight = false;
    this.store.typing.clear();
    this.store.changed('typing');
    // 4001: logged out here or elsewhere, or the token was revoked. After
    // our own logout the token is already gone and there is nothing to say.
    if (code === 4001 && this.token) this.signedOut('You have been signed out.');
    this.updateConnState();
  }

  // Forget the account on this page: token, state, pending sends.
  signedOut(notice) {
    this.token = null;
    this.authed = false;
    this.synced = false;
    this.lastSeq = 0;
    this.notice = notice;
    this.store.reset();
  }

  // The connection is authenticated (hello with a token, login, register).
  // Everything up to the first await runs before any event that follows the
  // reply, so lastSeq is right when the replayed events arrive.
  async onAuthed(res, resuming) {
    const { store } = this;
    if (store.me && store.me.id !== res.user.id) {
      store.reset();
      this.synced = false;
      resuming = false;
    }
    this.authed = true;
    this.notice = '';
    this.conn.resetBackoff();
    // A head behind what we have seen means the server lost events (a
    // restored backup): nothing can be resumed, start over.
    const rewound = typeof res.head === 'number' && res.head < this.lastSeq;
    const full = !resuming || !!res.resync || rewound;
    if (full) this.lastSeq = typeof res.head === 'number' ? res.head : 0;
    this.synced = true;
    store.setMe(res.user);
    this.flushOutbox();
    try {
      if (full) {
        const [users, convs] = await Promise.all([
          this.conn.request('user.list'),
          this.conn.request('conv.list'),
        ]);
        store.setUsers(users.users || []);
        store.setConvs(convs.conversations || []);
        if (res.resync || rewound) store.dropHistories();
        this.loadDmMembers();
        if (store.active !== null) this.openConv(store.active);
      } else {
        // Presence is not replayed: refresh who is online.
        const users = await this.conn.request('user.list');
        store.setUsers(users.users || []);
        if (store.active !== null) this.openConv(store.active);
      }
      await this.loadCounts();
      // Pages refetch what they show: events may have been missed.
      store.changed('synced');
    } catch (err) {
      if (err.code !== 'disconnected' && err.code !== 'timeout') console.warn('bootstrap failed', err);
    }
  }

  // Unread and mention counts, followed threads and saved items: one call
  // each after every (re)connection; events keep them current after that.
  // Each answer is stored as soon as it arrives, before the events that
  // follow it on the socket are applied, so no event is lost under it.
  async loadCounts() {
    const { store } = this;
    await Promise.all([
      this.conn.request('unread.counts').then((r) => store.setReads(r.counts || [])),
      this.conn.request('thread.list', { limit: 100 }).then((r) => store.setThreadStates(r.threads || [])),
      this.conn.request('save.list', { limit: 100 }).then((r) => store.setSaved(r.saved || [])),
    ]);
    store.pins.clear();
    if (store.active !== null) this.loadPins(store.active);
  }

  // --- for pages and panels ---------------------------------------------------

  // One request to the server: resolves with the result, rejects with a
  // ProtoError ({code, message}; 'disconnected' when offline).
  call(op, fields = {}) {
    return this.conn.request(op, fields);
  }

  // Hear every server event once, after the session applied it (events the
  // session does not know, like request.update, reach only listeners).
  // Returns the function that stops listening.
  listen(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // --- events ---------------------------------------------------------------

  onEvent(frame) {
    if (typeof frame.seq === 'number') {
      if (frame.seq <= this.lastSeq) return; // already processed
      this.lastSeq = frame.seq;
    }
    if (!this.authed) return;
    const { store } = this;
    const d = frame.data || {};
    const me = store.me ? store.me.id : null;
    switch (frame.event) {
      case 'message.new': {
        const m = d.message;
        if (!m) break;
        const isNew = store.upsertMessage(m);
        store.clearTyping(m.conv, m.author);
        if (isNew && m.author !== me && !m.thread) store.bumpUnread(m);
        if (isNew && m.author !== me && m.thread) store.bumpThread(m);
        if (!store.convs.has(m.conv)) this.fetchConv(m.conv);
        break;
      }
      case 'message.edit':
        if (d.message) store.replaceMessage(d.message);
        break;
      case 'message.delete':
        if (d.message) {
          store.dropUnread(d.message, store.findMessage(d.message.id, d.message.conv) || { deleted: false });
          store.replaceMessage(d.message);
          store.pinChanged({ conv: d.message.conv, message: d.message, pinned: false });
          if (store.saved.delete(d.message.id)) store.changed('saved');
        }
        break;
      case 'mention':
        if (d.message) store.bumpMention(d.message);
        break;
      case 'read.update':
        if (d.thread) store.setThreadState(d.thread, { last_read: d.last_read, unread: d.unread, ...(typeof d.following === 'boolean' ? { following: d.following } : {}) });
        else store.setRead(d.conv, { last_read: d.last_read, unread: d.unread, mentions: d.mentions, ...(d.notify ? { notify: d.notify } : {}) });
        break;
      case 'prefs.update':
        store.setNotify(d.conv, d.notify);
        break;
      case 'thread.update':
        if (d.message) store.replaceMessage(d.message);
        break;
      case 'thread.follow':
        if (d.message) store.setThreadState(d.message.id, { message: d.message, following: d.following, last_read: d.last_read, unread: d.unread });
        break;
      case 'reaction.update':
        if (d.message && Array.isArray(d.message.reactions)) store.replaceMessage(d.message);
        break;
      case 'pin.update':
        store.pinChanged(d);
        break;
      case 'save.update':
        store.savedChanged(d);
        break;
      case 'conv.new':
      case 'conv.update':
        if (d.conversation) {
          // Public channels are announced to everyone: "members" says
          // whether this user is in it (PROTOCOL.md, Events).
          const known = Array.isArray(d.members);
          const member = known ? d.members.map(idOf).includes(me) : frame.event === 'conv.new';
          store.upsertConv({ ...d.conversation, member }, { trustMember: known || frame.event === 'conv.new' });
          if (frame.event === 'conv.new' && member && d.conversation.kind !== 'channel') this.fetchMembers(d.conversation.id);
        }
        break;
      case 'member.join': {
        const convId = idOf(d.conv);
        const user = d.user;
        if (user && typeof user === 'object') store.upsertUser(user);
        const uid = idOf(user);
        if (!store.convs.has(convId)) {
          if (uid === me) this.fetchConv(convId);
          break;
        }
        store.memberJoined(convId, uid);
        const hist = store.history(convId);
        if (uid === me && hist && !hist.loading) {
          // Joined (maybe in another tab): a preview taken before got no
          // events while we were outside; load it afresh.
          store.histories.delete(convId);
          if (store.active === convId) this.openConv(convId);
        }
        break;
      }
      case 'member.leave': {
        const convId = idOf(d.conv);
        const uid = idOf(d.user);
        const c = store.convs.get(convId);
        if (!c) break;
        if (uid === me) {
          if (c.kind === 'channel' && !c.private) {
            store.upsertConv({ ...c, member: false, member_count: Math.max(0, (c.member_count || 1) - 1) });
            store.members.delete(convId);
            store.reads.delete(convId);
            store.changed('unread');
          } else {
            store.removeConv(convId);
          }
        } else {
          store.memberLeft(convId, uid);
        }
        break;
      }
      case 'user.new':
      case 'user.update':
        if (d.user) store.upsertUser(d.user);
        break;
      case 'presence':
        store.setPresence(d.user, !!d.online);
        break;
      case 'typing':
        if (d.user !== me) store.setTyping(d.conv, d.user);
        break;
      default:
        break; // Unknown events are ignored, as the protocol asks.
    }
    for (const fn of this.listeners) {
      try {
        fn(frame.event, d, frame);
      } catch (err) {
        console.error(err);
      }
    }
  }

  // Reload the conversation list (public channels created since we looked).
  async refreshConvs() {
    if (!this.authed) return;
    try {
      const res = await this.conn.request('conv.list');
      this.store.setConvs(res.conversations || []);
      this.loadDmMembers();
    } catch {
      // Offline: the next hello brings the list.
    }
  }

  // --- lazy loads -------------------------------------------------------------

  async fetchConv(convId) {
    if (this.convLoading.has(convId)) return;
    this.convLoading.add(convId);
    try {
      const res = await this.conn.request('conv.get', { conv: convId });
      this.store.upsertConv(res.conversation);
      if (Array.isArray(res.members)) this.store.setMembers(convId, res.members);
    } catch (err) {
      // Not visible to us: remember, so that a stale address (#/c/<id>)
      // falls back to a default conversation. Offline: try again later.
      if (err.code === 'not_found') {
        this.store.missing.add(convId);
        this.store.changed('active');
      }
    } finally {
      this.convLoading.delete(convId);
    }
  }

  async fetchMembers(convId) {
    if (this.membersLoading.has(convId) || !this.authed) return;
    this.membersLoading.add(convId);
    try {
      const res = await this.conn.request('conv.get', { conv: convId });
      if (Array.isArray(res.members)) this.store.setMembers(convId, res.members);
    } catch {
      // Shown with a generic title until the next try.
    } finally {
      this.membersLoading.delete(convId);
    }
  }

  // Direct messages and groups have no name: their title comes from the
  // members, which conv.list does not carry.
  async loadDmMembers() {
    for (const c of this.store.convs.values()) {
      if (c.kind === 'channel' || this.store.members.has(c.id)) continue;
      await this.fetchMembers(c.id);
    }
  }

  // --- conversations ------------------------------------------------------------

  openConv(convId) {
    const { store } = this;
    store.setActive(convId);
    if (convId === null || !this.authed) return;
    const c = store.convs.get(convId);
    if (!c) {
      if (store.booted) this.fetchConv(convId);
      return;
    }
    if (!store.members.has(convId)) this.fetchMembers(convId);
    if (!store.pins.has(convId) && c.member !== false) this.loadPins(convId);
    const hist = store.history(convId);
    if (!hist || (!hist.loaded && !hist.loading)) this.loadHistory(convId);
  }

  async loadHistory(convId) {
    const hist = this.store.ensureHistory(convId);
    hist.loading = true;
    hist.error = null;
    this.store.messagesChanged(convId);
    try {
      const res = await this.conn.request('msg.history', { conv: convId, limit: HISTORY_PAGE });
      hist.loading = false;
      this.store.addHistoryPage(convId, res.messages || [], !!res.more, false);
    } catch (err) {
      hist.loading = false;
      if (err.code !== 'disconnected' && err.code !== 'timeout') hist.error = err;
      this.store.messagesChanged(convId);
    }
  }

  async loadOlder(convId) {
    const hist = this.store.history(convId);
    if (!hist || !hist.loaded || !hist.more || hist.loadingOlder || !this.authed) return false;
    const before = this.store.oldestId(convId);
    if (!before) return false;
    hist.loadingOlder = true;
    this.store.messagesChanged(convId);
    try {
      const res = await this.conn.request('msg.history', { conv: convId, before, limit: OLDER_PAGE });
      hist.loadingOlder = false;
      this.store.addHistoryPage(convId, res.messages || [], !!res.more, true);
      return true;
    } catch {
      hist.loadingOlder = false;
      this.store.messagesChanged(convId);
      return false;
    }
  }

  async joinConv(convId) {
    try {
      const res = await this.conn.request('conv.join', { conv: convId });
      this.store.upsertConv({ ...res.conversation, member: true });
    } catch (err) {
      if (err.code !== 'conflict') throw err;
      const c = this.store.convs.get(convId);
      if (c) this.store.upsertConv({ ...c, member: true });
    }
    // A preview taken before joining got no live events: load it afresh.
    this.store.members.delete(convId);
    this.store.histories.delete(convId);
    this.openConv(convId);
  }

  async leaveConv(convId) {
    await this.conn.request('conv.leave', { conv: convId });
  }

  async createChannel({ name, topic, isPrivate }) {
    const fields = { kind: 'channel', name };
    if (topic) fields.topic = topic;
    if (isPrivate) fields.private = true;
    const res = await this.conn.request('conv.create', fields);
    const conv = { ...res.conversation, member: true };
    this.store.upsertConv(conv);
    this.store.setMembers(conv.id, [this.store.me.id]);
    return conv;
  }

  async openDm(userId) {
    const res = await this.conn.request('dm.open', { user: userId });
    const conv = { ...res.conversation, member: true };
    this.store.upsertConv(conv);
    const ids = userId === this.store.me.id ? [userId] : [this.store.me.id, userId];
    this.store.setMembers(conv.id, ids);
    return conv;
  }

  async setTopic(convId, topic) {
    const res = await this.conn.request('conv.update', { conv: convId, topic });
    this.store.upsertConv(res.conversation, { trustMember: false });
  }

  // --- messages -------------------------------------------------------------------

  // Queue a message: it shows at once as pending and is sent now, or after
  // the next successful hello.
  send(convId, body, thread = 0) {
    const p = {
      nonce: newNonce(), conv: convId, thread, body, created_at: Date.now(),
      state: 'pending', error: null, inflight: false,
    };
    this.store.addPending(p);
    this.lastTyping.delete(convId);
    if (this.authed) this.transmit(p);
    return p;
  }

  flushOutbox() {
    for (const p of [...this.store.pending.values()]) {
      if (p.state === 'pending' && !p.inflight) this.transmit(p);
    }
  }

  async transmit(p) {
    p.inflight = true;
    try {
      const fields = { conv: p.conv, body: p.body, nonce: p.nonce };
      if (p.thread) fields.thread = p.thread;
      const res = await this.conn.request('msg.send', fields);
      p.inflight = false;
      this.store.upsertMessage(res.message);
      this.store.removePending(p.nonce);
    } catch (err) {
      p.inflight = false;
      if (!this.store.pending.has(p.nonce)) return;
      if (err.code === 'disconnected' || err.code === 'timeout') {
        // Stays pending; flushOutbox() re-sends it with the same nonce.
        this.store.updatePending(p.nonce, {});
      } else if (err.code === 'rate_limited' || err.code === 'busy') {
        setTimeout(() => {
          if (this.authed && this.store.pending.has(p.nonce) && !p.inflight) this.transmit(p);
        }, 1500);
      } else {
        this.store.updatePending(p.nonce, { state: 'failed', error: err.message || err.code });
      }
    }
  }

  retryPending(nonce) {
    const p = this.store.pending.get(nonce);
    if (!p) return;
    this.store.updatePending(nonce, { state: 'pending', error: null });
    if (this.authed && !p.inflight) this.transmit(p);
  }

  discardPending(nonce) {
    this.store.removePending(nonce);
  }

  async editMessage(messageId, body) {
    const res = await this.conn.request('msg.edit', { message: messageId, body });
    this.store.upsertMessage(res.message);
  }

  async deleteMessage(messageId) {
    const res = await this.conn.request('msg.delete', { message: messageId });
    this.store.upsertMessage(res.message);
  }

  // Post `body` in a conversation at `at` (ms); resolves with the item.
  async schedule(convId, body, at) {
    const res = await this.conn.request('msg.schedule', { conv: convId, body, nonce: newNonce(), at });
    return res.scheduled;
  }

  // --- read markers ----------------------------------------------------------------

  // The open conversation is on screen: move the read marker to its newest
  // loaded top-level message (never for a conversation just marked unread).
  markSeen(convId) {
    const { store } = this;
    const c = store.convs.get(convId);
    if (!this.authed || !c || c.member === false || store.holdRead === convId) return;
    const hist = store.history(convId);
    if (!hist || !hist.loaded) return;
    const newest = store.newestId(convId);
    const r = store.readOf(convId);
    if (newest <= r.last_read && !r.unread) return;
    if (this.readSent.get(convId) === newest) return;
    this.readSent.set(convId, newest);
    this.conn.request('conv.read', { conv: convId, message: newest }).then((res) => {
      store.setRead(convId, { last_read: res.last_read, unread: res.unread, mentions: res.mentions });
    }).catch(() => this.readSent.delete(convId));
  }

  // Mark a message and everything after it unread; it stays so while open.
  async markUnread(m) {
    const { store } = this;
    const res = await this.conn.request('conv.unread', { conv: m.conv, message: m.id });
    store.holdRead = m.conv;
    this.readSent.delete(m.conv);
    store.setRead(m.conv, { last_read: res.last_read, unread: res.unread, mentions: res.mentions });
  }

  async setNotify(convId, notify) {
    const res = await this.conn.request('conv.prefs', { conv: convId, notify });
    this.store.setNotify(convId, res.notify);
  }

  // --- threads ---------------------------------------------------------------------

  async loadThread(rootId, older = false) {
    const t = this.store.ensureThread(rootId);
    if (older ? (t.loadingOlder || !t.more) : t.loading) return;
    const fields = { message: rootId, limit: HISTORY_PAGE };
    if (older) {
      const first = this.store.repliesOf(rootId)[0];
      if (first) fields.before = first.id;
    }
    if (older) t.loadingOlder = true;
    else t.loading = true;
    this.store.changed('threads');
    try {
      const res = await this.conn.request('thread.replies', fields);
      this.store.addThreadPage(rootId, res.message, res.messages || [], !!res.more, older);
    } catch (err) {
      if (err.code !== 'disconnected' && err.code !== 'timeout') t.error = err;
    } finally {
      t.loading = false;
      t.loadingOlder = false;
      this.store.changed('threads');
    }
  }

  async followThread(rootId, follow) {
    const res = await this.conn.request('thread.follow', { message: rootId, follow });
    this.store.setThreadState(rootId, { message: res.message, following: res.following, last_read: res.last_read, unread: res.unread });
  }

  // The thread panel is on screen: mark its newest reply read.
  markThreadSeen(rootId) {
    const { store } = this;
    const replies = store.repliesOf(rootId);
    const st = store.threadStates.get(rootId);
    if (!this.authed || !replies.length || !st) return;
    const newest = replies[replies.length - 1].id;
    if (newest <= st.last_read || this.readSent.get(`t${rootId}`) === newest) return;
    this.readSent.set(`t${rootId}`, newest);
    this.conn.request('thread.read', { message: newest }).then((res) => {
      store.setThreadState(rootId, { last_read: res.last_read, unread: res.unread });
    }).catch(() => this.readSent.delete(`t${rootId}`));
  }

  // --- reactions, pins, saved ------------------------------------------------------

  async toggleReaction(m, emoji) {
    const me = this.store.me.id;
    const r = (m.reactions || []).find((x) => x.emoji === emoji);
    const mine = !!r && r.users.includes(me);
    const res = await this.conn.request(mine ? 'react.remove' : 'react.add', { message: m.id, emoji });
    this.store.replaceMessage(res.message);
  }

  async loadPins(convId) {
    try {
      const res = await this.conn.request('pin.list', { conv: convId });
      this.store.setPins(convId, res.pins || []);
    } catch {
      // Not a member, or offline: no pins shown until the next open.
    }
  }

  async setPinned(m, pinned) {
    const res = await this.conn.request(pinned ? 'pin.add' : 'pin.remove', { message: m.id });
    if (!this.store.pins.has(m.conv)) return;
    this.store.pinChanged({ conv: m.conv, message: res.message, pinned, pinned_by: this.store.me.id, pinned_at: Date.now() });
  }

  async setSaved(m, saved) {
    const res = await this.conn.request(saved ? 'save.add' : 'save.remove', { message: m.id });
    this.store.savedChanged({ message: res.message, saved: res.saved, saved_at: res.saved_at });
  }

  // Page back through a conversation until message `id` is loaded (a search
  // result or a mention shown in context). Resolves true when it is.
  async reveal(convId, id) {
    const { store } = this;
    for (;;) {
      const hist = store.history(convId);
      if (hist && hist.byId.has(id)) return true;
      if (hist && hist.error) return false;
      if (!hist || !hist.loaded) {
        if (hist && hist.loading) await new Promise((r) => setTimeout(r, 50));
        else await this.loadHistory(convId);
        if (!this.authed) return false;
        continue;
      }
      if (!hist.more || !this.authed) return false;
      const before = store.oldestId(convId);
      hist.loadingOlder = true;
      try {
        const res = await this.conn.request('msg.history', { conv: convId, before, limit: JUMP_PAGE });
        hist.loadingOlder = false;
        store.addHistoryPage(convId, res.messages || [], !!res.more, true);
      } catch {
        hist.loadingOlder = false;
        return false;
      }
    }
  }

  // Tell the others we are typing, at most once every three seconds.
  typing(convId) {
    if (!this.authed) return;
    const now = Date.now();
    if (now - (this.lastTyping.get(convId) || 0) < TYPING_EVERY_MS) return;
    this.lastTyping.set(convId, now);
    this.conn.request('typing', { conv: convId }).catch(() => {});
  }

  // --- accounts -------------------------------------------------------------------

  // Resolve once a socket is open and hello answered (at most timeoutMs):
  // a form submitted during a reconnect waits for it instead of failing.
  whenReady(timeoutMs = 8000) {
    if (this.helloDone && this.conn.isOpen) return Promise.resolve();
    this.conn.reconnectNow();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done);
        resolve();
      }, timeoutMs);
      this.readyWaiters.push(done);
    });
  }

  async login(handle, password) {
    await this.whenReady();
    const res = await this.conn.request('login', { handle, password });
    await this.credentialsAccepted(res);
  }

  async register(fields) {
    await this.whenReady();
    const res = await this.conn.request('register', fields);
    await this.credentialsAccepted(res);
  }

  async credentialsAccepted(res) {
    this.token = res.token;
    this.synced = false;
    this.store.reset();
    await this.onAuthed(res, false);
  }

  async logout() {
    try {
      await this.conn.request('logout');
    } catch (err) {
      if (!(err instanceof ProtoError)) throw err;
      // Offline: forget the session here anyway.
    }
    this.signedOut('');
  }
}

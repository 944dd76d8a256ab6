// store.js: the client's state and the only code that changes it. Views
// read from the store and subscribe to change topics; the session feeds it
// replies and server events. The store does no I/O.
//
// Topics: 'auth' (me, server info, screen), 'conn' (connection status),
// 'users', 'convs', 'active', 'messages' (detail: conv id), 'unread',
// 'typing', 'members', 'synced' (the session is current again after a
// (re)connection: pages refetch), 'route' (the address changed). Pages may
// add their own topics ('page:<name>').

const TYPING_TTL_MS = 6000;

export class Store {
  constructor() {
    this.listeners = new Set();
    this.dirty = new Set();
    this.dirtyConvs = new Set();
    this.flushScheduled = false;
    this.server = null; // hello result: limits, needs_invite, open_registration
    this.conn = { state: 'connecting', retryAt: 0 };
    this.reset();
  }

  // Forget everything that belongs to a signed-in user.
  reset() {
    this.me = null;
    this.booted = false; // conv.list has been loaded at least once
    this.users = new Map(); // id -> User
    this.convs = new Map(); // id -> Conversation
    this.members = new Map(); // conv id -> Set of user ids (when known)
    this.histories = new Map(); // conv id -> {byId: Map, more, loaded, loadingOlder, error}
    this.pending = new Map(); // nonce -> {nonce, conv, body, created_at, state, error, inflight}
    this.unread = new Map(); // conv id -> count
    this.typing = new Map(); // conv id -> Map(user id -> expiry ms)
    this.active = null; // conv id
    this.missing = new Set(); // conv ids the server says we cannot see
    this.changed('auth', 'users', 'convs', 'active', 'unread', 'typing', 'members');
  }

  // --- change notification ------------------------------------------------

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // Mark topics changed; listeners run once per frame with the set of topics
  // (so a burst of replayed events renders once).
  changed(...topics) {
    for (const t of topics) this.dirty.add(t);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      this.flush();
    };
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(run);
    setTimeout(run, 50); // rAF does not run in hidden tabs
  }

  messagesChanged(convId) {
    this.dirtyConvs.add(convId);
    this.changed('messages');
  }

  flush() {
    this.flushScheduled = false;
    const topics = this.dirty;
    const convs = this.dirtyConvs;
    this.dirty = new Set();
    this.dirtyConvs = new Set();
    for (const fn of this.listeners) {
      try {
        fn(topics, convs);
      } catch (err) {
        console.error(err);
      }
    }
  }

  // --- connection and auth -------------------------------------------------

  setConn(state, retryAt = 0) {
    this.conn = { state, retryAt };
    this.changed('conn');
  }

  setServer(info) {
    this.server = info;
    this.changed('auth');
  }

  setMe(user) {
    this.me = user;
    if (user) this.users.set(user.id, { ...this.users.get(user.id), ...user });
    this.changed('auth', 'users');
  }

  // --- users ----------------------------------------------------------------

  setUsers(list) {
    const next = new Map();
    for (const u of list) next.set(u.id, u);
    this.users = next;
    if (this.me && next.has(this.me.id)) this.me = { ...this.me, ...next.get(this.me.id) };
    this.changed('users');
  }

  upsertUser(user) {
    const old = this.users.get(user.id);
    this.users.set(user.id, { ...old, ...user });
    this.changed('users');
  }

  setPresence(userId, online) {
    const u = this.users.get(userId);
    if (!u || u.online === online) return;
    this.users.set(userId, { ...u, online });
    this.changed('users');
  }

  // --- conversations --------------------------------------------------------

  setConvs(list) {
    const next = new Map();
    for (const c of list) next.set(c.id, c);
    this.convs = next;
    this.booted = true;
    this.changed('convs');
  }

  // Merge a conversation. `member` is trusted only when given as a boolean
  // from a source that knows it (conv.list, conv.new, join results).
  upsertConv(conv, { trustMember = true } = {}) {
    const old = this.convs.get(conv.id);
    const merged = { ...old, ...conv };
    if (!trustMember) merged.member = old ? old.member : conv.member;
    this.convs.set(conv.id, merged);
    this.changed('convs');
  }

  removeConv(id) {
    this.convs.delete(id);
    this.histories.delete(id);
    this.unread.delete(id);
    this.members.delete(id);
    this.changed('convs', 'unread');
    if (this.active === id) this.setActive(null);
  }

  setMembers(convId, ids) {
    this.members.set(convId, new Set(ids));
    this.changed('members', 'convs');
  }

  memberJoined(convId, userId) {
    const set = this.members.get(convId);
    if (set) set.add(userId);
    const c = this.convs.get(convId);
    if (c && !set) c.member_count = (c.member_count || 0) + 1;
    if (c && set) c.member_count = set.size;
    if (c && this.me && userId === this.me.id) c.member = true;
    this.changed('members', 'convs');
  }

  memberLeft(convId, userId) {
    const set = this.members.get(convId);
    if (set) set.delete(userId);
    const c = this.convs.get(convId);
    if (c && !set) c.member_count = Math.max(0, (c.member_count || 1) - 1);
    if (c && set) c.member_count = set.size;
    this.changed('members', 'convs');
  }

  setActive(id) {
    if (this.active === id) return;
    this.active = id;
    if (id !== null) this.unread.delete(id);
    this.changed('active', 'unread', 'typing');
  }

  // --- messages ---------------------------------------------------------------

  history(convId) {
    return this.histories.get(convId);
  }

  ensureHistory(convId) {
    let hist = this.histories.get(convId);
    if (!hist) {
      hist = { byId: new Map(), more: false, loaded: false, loading: false, loadingOlder: false, error: null };
      this.histories.set(convId, hist);
    }
    return hist;
  }

  // Forget cached histories (after a resync); the open one is refetched.
  dropHistories() {
    this.histories.clear();
    this.changed('messages');
  }

  // Merge a page of messages from msg.history.
  addHistoryPage(convId, messages, more, older) {
    const hist = this.ensureHistory(convId);
    for (const m of messages) this.putMessage(hist, m);
    if (older || !hist.loaded) hist.more = more;
    hist.loaded = true;
    hist.error = null;
    this.messagesChanged(convId);
  }

  putMessage(hist, m) {
    const old = hist.byId.get(m.id);
    // Never let an older copy (a late reply) undo an edit or a delete.
    if (old && (old.deleted && !m.deleted)) return;
    if (old && !m.deleted && (old.edited_at || 0) > (m.edited_at || 0)) return;
    hist.byId.set(m.id, m);
    if (m.nonce && this.pending.has(m.nonce) && this.me && m.author === this.me.id) {
      this.pending.delete(m.nonce);
    }
  }

  // A message from an event or a reply. Returns true when it was new.
  upsertMessage(m) {
    const hist = this.histories.get(m.conv);
    const isNew = !hist || !hist.byId.has(m.id);
    if (hist) this.putMessage(hist, m);
    // The pending copy goes even when no history of this conv is kept.
    if (m.nonce && this.me && m.author === this.me.id) this.pending.delete(m.nonce);
    const c = this.convs.get(m.conv);
    if (c && m.id > (c.last_message_id || 0)) c.last_message_id = m.id;
    this.messagesChanged(m.conv);
    return isNew;
  }

  // Sorted message list (ascending id) for a conversation.
  messagesOf(convId) {
    const hist = this.histories.get(convId);
    if (!hist) return [];
    return [...hist.byId.values()].sort((a, b) => a.id - b.id);
  }

  oldestId(convId) {
    const hist = this.histories.get(convId);
    if (!hist || hist.byId.size === 0) return 0;
    let min = Infinity;
    for (const id of hist.byId.keys()) if (id < min) min = id;
    return min;
  }

  // --- pending sends -------------------------------------------------------

  addPending(p) {
    this.pending.set(p.nonce, p);
    this.messagesChanged(p.conv);
  }

  updatePending(nonce, fields) {
    const p = this.pending.get(nonce);
    if (!p) return;
    Object.assign(p, fields);
    this.messagesChanged(p.conv);
  }

  removePending(nonce) {
    const p = this.pending.get(nonce);
    if (!p) return;
    this.pending.delete(nonce);
    this.messagesChanged(p.conv);
  }

  pendingOf(convId) {
    return [...this.pending.values()].filter((p) => p.conv === convId)
      .sort((a, b) => a.created_at - b.created_at);
  }

  // --- unread and typing ---------------------------------------------------------

  bumpUnread(convId) {
    this.unread.set(convId, (this.unread.get(convId) || 0) + 1);
    this.changed('unread');
  }

  setTyping(convId, userId) {
    let m = this.typing.get(convId);
    if (!m) {
      m = new Map();
      this.typing.set(convId, m);
    }
    m.set(userId, Date.now() + TYPING_TTL_MS);
    this.changed('typing');
  }

  clearTyping(convId, userId) {
    const m = this.typing.get(convId);
    if (m && m.delete(userId)) this.changed('typing');
  }

  // User ids currently typing in a conversation (expired entries dropped).
  typingIn(convId) {
    const m = this.typing.get(convId);
    if (!m) return [];
    const now = Date.now();
    for (const [uid, exp] of m) if (exp <= now) m.delete(uid);
    return [...m.keys()];
  }

  // --- derived names -------------------------------------------------------------

  userName(id) {
    const u = this.users.get(id);
    return u ? u.display_name || u.handle : `user ${id}`;
  }

  // The other people in a dm or group, when the members are known.
  othersIn(convId) {
    const set = this.members.get(convId);
    if (!set || !this.me) return null;
    return [...set].filter((id) => id !== this.me.id);
  }

  // A human title for a conversation (without the # of channels).
  convTitle(c) {
    if (!c) return '';
    if (c.kind === 'channel' || c.name) return c.name;
    // A request's or feedback item's conversation is titled by its record.
    if (c.kind === 'request' || c.kind === 'feedback') {
      return `${c.kind === 'request' ? 'Request' : 'Feedback'}: ${c.topic || `#${c.id}`}`;
    }
    const others = this.othersIn(c.id);
    if (!others) return c.kind === 'dm' ? 'Direct message' : 'Group';
    if (others.length === 0) return `${this.userName(this.me.id)} (you)`;
    return others.map((id) => this.userName(id)).join(', ');
  }
}

// store.js: the client's state and the only code that changes it. Views
// read from the store and subscribe to change topics; the session feeds it
// replies and server events. The store does no I/O.
//
// Topics: 'auth' (me, server info, screen), 'conn' (connection status),
// 'users', 'convs', 'active', 'messages' (detail: conv id), 'unread'
// (read markers, unread and mention counts, notify preferences, thread
// states), 'typing', 'members', 'threads' (thread replies), 'pins',
// 'saved', 'synced' (the session is current again after a (re)connection:
// pages refetch), 'route' (the address changed). Pages may add their own
// topics ('page:<name>').

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
    this.reads = new Map(); // conv id -> {last_read, unread, mentions, notify}
    this.mentioned = new Set(); // message ids that mentioned me (unread ones)
    this.holdRead = null; // conv id marked unread: not marked read while open
    this.threads = new Map(); // root id -> {root, byId, more, loaded, loading, loadingOlder}
    this.threadStates = new Map(); // root id -> {message, following, last_read, unread}
    this.pins = new Map(); // conv id -> Map(message id -> {message, pinned_by, pinned_at})
    this.saved = new Map(); // message id -> {message, saved_at}
    this.typing = new Map(); // conv id -> Map(user id -> expiry ms)
    this.active = null; // conv id
    this.missing = new Set(); // conv ids the server says we cannot see
    this.changed('auth', 'users', 'convs', 'active', 'unread', 'typing', 'members', 'threads', 'pins', 'saved');
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
    this.reads.delete(id);
    this.pins.delete(id);
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
    this.holdRead = null;
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

  // Forget cached histories and threads (after a resync); the open ones
  // are refetched.
  dropHistories() {
    this.histories.clear();
    this.threads.clear();
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
    hist.sorted = null;
    if (!hist.newest || m.id > hist.newest) hist.newest = m.id;
    if (m.nonce && this.pending.has(m.nonce) && this.me && m.author === this.me.id) {
      this.pending.delete(m.nonce);
    }
  }

  // A message from an event or a reply. Returns true when it was new.
  upsertMessage(m) {
    if (m.thread) return this.upsertReply(m);
    this.updateThreadRoot(m);
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

  // A thread reply: kept with its thread (when loaded), never in history.
  upsertReply(m) {
    const t = this.threads.get(m.thread);
    const isNew = !t || !t.byId.has(m.id);
    if (t) this.putMessage(t, m);
    if (m.nonce && this.me && m.author === this.me.id) this.pending.delete(m.nonce);
    this.messagesChanged(m.conv);
    this.changed('threads');
    return isNew;
  }

  // A root's new copy (thread.update, edits) also goes to its open thread.
  updateThreadRoot(m) {
    const t = this.threads.get(m.id);
    if (t && (!t.root || !(t.root.deleted && !m.deleted))) {
      t.root = m;
      this.changed('threads');
    }
    const st = this.threadStates.get(m.id);
    if (st) st.message = m;
  }

  // A message by id from the loaded histories and threads, or null.
  findMessage(id, convId) {
    const hist = convId !== undefined ? this.histories.get(convId) : null;
    if (hist && hist.byId.has(id)) return hist.byId.get(id);
    for (const h of this.histories.values()) if (h.byId.has(id)) return h.byId.get(id);
    for (const t of this.threads.values()) {
      if (t.root && t.root.id === id) return t.root;
      if (t.byId.has(id)) return t.byId.get(id);
    }
    return null;
  }

  // Replace a message's copy everywhere it is kept (reactions changed).
  replaceMessage(m) {
    if (m.thread) this.upsertReply(m);
    else this.upsertMessage(m);
    const pins = this.pins.get(m.conv);
    if (pins && pins.has(m.id)) pins.get(m.id).message = m;
    if (this.saved.has(m.id)) this.saved.get(m.id).message = m;
  }

  ensureThread(rootId) {
    let t = this.threads.get(rootId);
    if (!t) {
      t = { root: null, byId: new Map(), more: false, loaded: false, loading: false, loadingOlder: false, error: null };
      this.threads.set(rootId, t);
    }
    return t;
  }

  addThreadPage(rootId, root, messages, more, older) {
    const t = this.ensureThread(rootId);
    if (root) t.root = root;
    for (const m of messages) this.putMessage(t, m);
    if (older || !t.loaded) t.more = more;
    t.loaded = true;
    t.error = null;
    this.changed('threads');
  }

  repliesOf(rootId) {
    const t = this.threads.get(rootId);
    if (!t) return [];
    return [...t.byId.values()].sort((a, b) => a.id - b.id);
  }

  // Sorted message list (ascending id) for a conversation: kept until a
  // message changes, so scrolling a long history does not sort it again.
  // Callers must not modify it.
  messagesOf(convId) {
    const hist = this.histories.get(convId);
    if (!hist) return [];
    if (!hist.sorted) hist.sorted = [...hist.byId.values()].sort((a, b) => a.id - b.id);
    return hist.sorted;
  }

  oldestId(convId) {
    const list = this.messagesOf(convId);
    return list.length ? list[0].id : 0;
  }

  newestId(convId) {
    const hist = this.histories.get(convId);
    return (hist && hist.newest) || 0;
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

  // Pending sends of a conversation's top level (thread 0) or of a thread.
  pendingOf(convId, thread = 0) {
    return [...this.pending.values()].filter((p) => p.conv === convId && (p.thread || 0) === thread)
      .sort((a, b) => a.created_at - b.created_at);
  }

  // --- unread and typing ---------------------------------------------------------

  // unread.counts: the server's markers and counts for every conversation.
  setReads(counts) {
    this.reads = new Map();
    this.mentioned.clear();
    for (const c of counts) if (!c.thread) this.reads.set(c.conv, { ...c });
    this.changed('unread');
  }

  readOf(convId) {
    return this.reads.get(convId) || { last_read: 0, unread: 0, mentions: 0, notify: 'all' };
  }

  unreadOf(convId) {
    return this.readOf(convId).unread || 0;
  }

  mentionsOf(convId) {
    return this.readOf(convId).mentions || 0;
  }

  // read.update / conv.read results: the server's word replaces ours.
  setRead(convId, fields) {
    const old = this.readOf(convId);
    this.reads.set(convId, { ...old, ...fields, conv: convId });
    this.changed('unread');
  }

  // A top-level message by someone else arrived (message.new).
  bumpUnread(m) {
    const r = this.readOf(m.conv);
    if (m.id <= r.last_read) return;
    this.setRead(m.conv, { unread: Math.min(1000, (r.unread || 0) + 1) });
  }

  // A mention of a top-level message (the mention event).
  bumpMention(m) {
    const r = this.readOf(m.conv);
    if (m.thread || m.id <= r.last_read || this.mentioned.has(m.id)) return;
    this.mentioned.add(m.id);
    this.setRead(m.conv, { mentions: (r.mentions || 0) + 1 });
  }

  // An unread message by someone else was deleted: it stops counting.
  dropUnread(m, was) {
    const r = this.readOf(m.conv);
    if (m.thread || !was || was.deleted || m.id <= r.last_read || (this.me && m.author === this.me.id)) return;
    const fields = { unread: Math.max(0, (r.unread || 0) - 1) };
    if (this.mentioned.delete(m.id)) fields.mentions = Math.max(0, (r.mentions || 0) - 1);
    this.setRead(m.conv, fields);
  }

  setNotify(convId, notify) {
    this.setRead(convId, { notify });
  }

  // Thread states (thread.list, thread.follow, read.update of a thread).
  setThreadStates(list) {
    this.threadStates = new Map();
    for (const st of list) if (st.message) this.threadStates.set(st.message.id, { ...st });
    this.changed('unread');
  }

  setThreadState(rootId, fields) {
    const old = this.threadStates.get(rootId) || { following: false, last_read: 0, unread: 0 };
    this.threadStates.set(rootId, { ...old, ...fields });
    this.changed('unread');
  }

  // A reply by someone else in a followed thread (message.new).
  bumpThread(m) {
    const st = this.threadStates.get(m.thread);
    if (!st || !st.following || m.id <= st.last_read) return;
    this.setThreadState(m.thread, { unread: (st.unread || 0) + 1 });
  }

  threadsUnread() {
    let n = 0;
    for (const st of this.threadStates.values()) if (st.following && st.unread) n += 1;
    return n;
  }

  // --- pins and saved items -----------------------------------------------------

  setPins(convId, pins) {
    const map = new Map();
    for (const p of pins) if (p.message) map.set(p.message.id, p);
    this.pins.set(convId, map);
    this.changed('pins');
  }

  // pin.update: only tracked for conversations whose pins were loaded.
  pinChanged(d) {
    const map = this.pins.get(d.conv);
    if (!map) return;
    const msg = typeof d.message === 'object' ? d.message : this.findMessage(d.message, d.conv);
    const id = typeof d.message === 'object' ? d.message.id : d.message;
    if (d.pinned && msg) map.set(id, { message: msg, pinned_by: d.pinned_by, pinned_at: d.pinned_at });
    else if (!d.pinned) map.delete(id);
    this.changed('pins');
  }

  pinsOf(convId) {
    const map = this.pins.get(convId);
    if (!map) return [];
    return [...map.values()].sort((a, b) => b.pinned_at - a.pinned_at);
  }

  isPinned(m) {
    const map = this.pins.get(m.conv);
    return !!map && map.has(m.id);
  }

  setSaved(list) {
    this.saved = new Map();
    for (const s of list) if (s.message) this.saved.set(s.message.id, s);
    this.changed('saved');
  }

  savedChanged(d) {
    const id = typeof d.message === 'object' ? d.message.id : d.message;
    if (d.saved && typeof d.message === 'object') this.saved.set(id, { message: d.message, saved_at: d.saved_at });
    else if (!d.saved) this.saved.delete(id);
    this.changed('saved');
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

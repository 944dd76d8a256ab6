// views/messages.js: a message list: the open conversation's top level, or
// (with {thread: true}) one thread's root and replies. Day separators,
// author rows, the safe markup of bodies, "(edited)", tombstones, pending
// and failed sends, reactions (chips and a picker), thread summaries, pins,
// saved marks, the message actions (react, reply in thread, pin, save,
// remind me, mark unread, edit and delete of one's own), a highlighted message shown in
// context, and loading older pages when scrolled to the top. Rows are cached
// by a signature of what they show, so a re-render only rebuilds what
// changed. A conversation's list is windowed: at most MAX_ROWS messages are
// in the DOM (a range of the loaded ones, by id), shifted by STEP when the
// reader scrolls near either end, so a channel of 10,000 messages scrolls
// as lightly as one of 100.

import { h, reconcile } from '../dom.js';
import { renderMarkup } from '../markup.js';
import { dayKey, formatDay, formatTime, formatFull, TEAM_LABEL } from '../format.js';
import { EMOJI, QUICK_REACTIONS, emojiChar } from '../emoji.js';
import { avatar } from './avatar.js';

const GROUP_GAP_MS = 5 * 60 * 1000;
const NEAR_TOP_PX = 120;
const NEAR_BOTTOM_PX = 80;
const MAX_ROWS = 200;
const STEP = 60;

// Index of the first message with id >= `id` in an ascending list.
function lowerBound(list, id) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The reaction picker: the quick ones first, then the whole table (one
// button per distinct emoji).
function pickerNames() {
  const seen = new Set(QUICK_REACTIONS.map(emojiChar));
  const rest = [];
  for (const [name, ch] of EMOJI) {
    if (seen.has(ch)) continue;
    seen.add(ch);
    rest.push(name);
  }
  return [...QUICK_REACTIONS, ...rest];
}

export class MessageList {
  // opts: {thread: bool (a thread's list), id (element id), actions:
  // {openThread(message), toast(text)}}.
  constructor(store, session, opts = {}) {
    this.store = store;
    this.session = session;
    this.opts = opts;
    this.actions = opts.actions || {};
    this.threadMode = !!opts.thread;
    this.root = null; // root id in thread mode
    this.highlightId = null; // a message shown in context (search, mention)
    this.picking = null; // message id whose reaction picker is open
    this.reminding = null; // message id whose "remind me" menu is open
    this.wanted = null; // {conv, id}: a message to show once its conversation opens
    this.conv = null;
    this.rows = new Map(); // key -> {sig, node}
    this.editing = null; // message id being edited
    this.confirming = null; // message id awaiting delete confirmation
    this.editDraft = '';
    this.editError = '';
    this.stickToBottom = true;
    this.anchor = null; // {node, top}: a row kept in place while rows come and go above it
    this.loId = null; // first message id of the window (null: the newest MAX_ROWS)
    this.hiId = null; // last message id of the window (null: down to the newest)
    this.el = h('div', {
      class: ['log', this.threadMode && 'thread-log'], id: opts.id || 'message-log', tabIndex: 0,
      attrs: { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': 'Messages' },
      on: { scroll: () => this.onScroll(), keydown: (e) => this.onKey(e) },
    });
    this.newBelow = false; // messages arrived while scrolled up
    this.lastSeenId = 0;
    this.unreadFrom = null; // read marker when the conversation was opened
    this.jumpBtn = h('button', {
      type: 'button', class: 'jump', hidden: true,
      on: { click: () => this.jumpToLatest() },
    });
    this.wrap = h('div', { class: 'log-wrap' }, this.el, this.jumpBtn);
  }

  updateJump() {
    if (this.stickToBottom) this.newBelow = false;
    const far = this.hiId !== null
      || this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight > this.el.clientHeight / 2;
    const show = !this.stickToBottom && (this.newBelow || far);
    this.jumpBtn.hidden = !show;
    const text = this.newBelow ? 'New messages ↓' : 'Jump to latest ↓';
    if (this.jumpBtn.textContent !== text) this.jumpBtn.textContent = text;
  }

  onScroll() {
    const el = this.el;
    const nearBottom = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    this.stickToBottom = nearBottom && this.hiId === null;
    if (el.scrollTop < NEAR_TOP_PX) this.loadOlder();
    else if (nearBottom && this.hiId !== null) this.shiftWindow(1);
    this.updateJump();
  }

  // Keep `node` where it is on screen across the next render.
  anchorOn(node) {
    this.anchor = node ? { node, top: node.offsetTop - this.el.scrollTop } : null;
  }

  // Move the window by STEP messages: up (-1) or down (+1).
  shiftWindow(dir) {
    const all = this.store.messagesOf(this.conv);
    const lo = this.loId === null ? 0 : lowerBound(all, this.loId);
    const hi = this.hiId === null ? all.length : lowerBound(all, this.hiId) + 1;
    const rows = this.el.querySelectorAll('.msg[data-id]');
    if (dir < 0) {
      if (lo === 0) return false;
      const nlo = Math.max(0, lo - STEP);
      this.loId = all[nlo].id;
      const nhi = Math.min(hi, nlo + MAX_ROWS);
      this.hiId = nhi >= all.length ? null : all[nhi - 1].id;
      this.anchorOn(rows[0]);
    } else {
      const nhi = Math.min(all.length, hi + STEP);
      this.hiId = nhi >= all.length ? null : all[nhi - 1].id;
      this.loId = all[Math.max(0, nhi - MAX_ROWS)].id;
      this.anchorOn(rows[rows.length - 1]);
    }
    this.stickToBottom = false;
    this.render();
    return true;
  }

  jumpToLatest() {
    this.scrollToBottom();
    this.render();
    this.updateJump();
  }

  // Up and Down move the focus between messages (from the list itself, the
  // newest first); Home and End go to the first and last shown.
  onKey(e) {
    if (!['ArrowUp', 'ArrowDown', 'Home', 'End'].includes(e.key) || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    const here = t === this.el ? null : t.closest('.msg[data-id]');
    if (t !== this.el && t !== here) return; // keys inside a message's controls
    const rows = [...this.el.querySelectorAll('.msg[data-id]')];
    if (!rows.length) return;
    let i = here ? rows.indexOf(here) : rows.length;
    if (e.key === 'ArrowUp') i -= 1;
    else if (e.key === 'ArrowDown') i += 1;
    else i = e.key === 'Home' ? 0 : rows.length - 1;
    const next = rows[Math.max(0, Math.min(rows.length - 1, i))];
    e.preventDefault();
    next.focus();
  }

  // The page cache this list shows: a conversation's history or a thread.
  source() {
    if (this.threadMode) return this.root === null ? null : this.store.threads.get(this.root);
    return this.conv === null ? null : this.store.history(this.conv);
  }

  // Show older messages: shift the window over loaded ones, else fetch a
  // page and then shift onto it.
  loadOlder() {
    if (!this.threadMode && this.shiftWindow(-1)) return;
    const hist = this.source();
    if (!hist || !hist.more || hist.loadingOlder || !hist.loaded) return;
    this.anchorOn(this.el.querySelector('.msg[data-id]'));
    if (this.threadMode) {
      this.session.loadThread(this.root, true);
      return;
    }
    const conv = this.conv;
    this.session.loadOlder(conv).then((ok) => {
      if (!ok || conv !== this.conv) {
        this.anchor = null;
        return;
      }
      // The page is in the store; the next render shows its newest part.
      const all = this.store.messagesOf(conv);
      const lo = this.loId === null ? 0 : lowerBound(all, this.loId);
      const nlo = Math.max(0, lo - STEP);
      this.loId = all.length ? all[nlo].id : null;
      const nhi = Math.min(all.length, nlo + MAX_ROWS);
      if (this.hiId !== null || nhi < all.length) this.hiId = all[nhi - 1].id;
    });
  }

  // Show one message in context, highlighted, once it is loaded (the
  // caller pages towards it): now, or when conversation `conv` opens.
  focusMessage(id, conv = this.conv) {
    this.wanted = { conv, id };
    if (conv === this.conv) this.applyWanted();
  }

  applyWanted() {
    this.highlightId = this.wanted.id;
    this.pendingScroll = this.wanted.id;
    this.stickToBottom = false;
    this.wanted = null;
  }

  setThread(rootId, convId) {
    if (rootId !== this.root) {
      this.root = rootId;
      this.conv = null;
    }
    this.setConv(convId, 'thread');
  }

  setConv(convId, label) {
    if (convId !== this.conv) {
      this.conv = convId;
      this.highlightId = null;
      this.pendingScroll = null;
      this.picking = null;
      this.reminding = null;
      if (this.wanted && this.wanted.conv !== convId) this.wanted = null;
      this.rows.clear();
      this.editing = null;
      this.confirming = null;
      this.stickToBottom = true;
      this.anchor = null;
      this.loId = null;
      this.hiId = null;
      this.newBelow = false;
      this.lastSeenId = 0;
      // Where "New messages" begins: the read marker as it was on opening.
      const r = this.threadMode || convId === null ? null : this.store.readOf(convId);
      this.unreadFrom = r && r.unread ? r.last_read : null;
      if (this.wanted) this.applyWanted();
    }
    this.el.setAttribute('aria-label', this.threadMode ? 'Thread replies' : (label ? `Messages in ${label}` : 'Messages'));
  }

  // Follow the newest messages again (after sending, or "Jump to latest"):
  // the window returns to the end; the next render scrolls there.
  scrollToBottom() {
    this.loId = null;
    this.hiId = null;
    this.anchor = null;
    this.el.scrollTop = this.el.scrollHeight;
    this.stickToBottom = true;
  }

  // --- actions ------------------------------------------------------------------

  startEdit(m) {
    this.editing = m.id;
    this.confirming = null;
    this.editDraft = m.body;
    this.editError = '';
    this.render();
    const ta = this.el.querySelector('.edit-box textarea');
    if (ta) {
      ta.focus();
      ta.setSelectionRange(ta.value.length, ta.value.length);
    }
  }

  // Edit the newest own message (Up arrow in an empty composer).
  editLast() {
    const me = this.store.me && this.store.me.id;
    const mine = this.shownMessages().filter((m) => m.author === me && !m.deleted && !m.system);
    if (mine.length) this.startEdit(mine[mine.length - 1]);
    return mine.length > 0;
  }

  cancelEdit() {
    this.editing = null;
    this.editError = '';
    this.render();
    this.onDone?.();
  }

  async saveEdit(m, body) {
    if (!body.trim()) {
      this.editError = 'A message cannot be empty. Use Delete to remove it.';
      this.render();
      return;
    }
    if (body === m.body) {
      this.cancelEdit();
      return;
    }
    try {
      await this.session.editMessage(m.id, body);
      this.editing = null;
      this.editError = '';
      this.render();
      this.onDone?.();
    } catch (err) {
      this.editDraft = body;
      this.editError = err.message || err.code;
      this.render();
    }
  }

  async confirmDelete(m) {
    try {
      await this.session.deleteMessage(m.id);
      this.confirming = null;
    } catch (err) {
      this.confirming = null;
      this.deleteError = { id: m.id, text: err.message || err.code };
    }
    this.render();
    this.onDone?.();
  }

  // Run a message action; a refusal from the server becomes a toast.
  act(promise) {
    promise.catch((err) => this.actions.toast?.(err.message || err.code));
  }

  togglePicker(m) {
    this.picking = this.picking === m.id ? null : m.id;
    this.reminding = null;
    this.render();
    if (this.picking !== null) this.el.querySelector('.picker button')?.focus();
  }

  toggleRemind(m) {
    this.reminding = this.reminding === m.id ? null : m.id;
    this.picking = null;
    this.render();
    if (this.reminding !== null) this.el.querySelector('.remind-menu button')?.focus();
  }

  remind(m, at, label) {
    this.reminding = null;
    this.render();
    this.act(this.session.call('remind.add', { message: m.id, at })
      .then(() => this.actions.toast?.(`I will remind you of this message ${label}.`)));
  }

  remindNode(m) {
    const now = new Date();
    const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0);
    const choices = [
      ['In 20 minutes', 'in 20 minutes', now.getTime() + 20 * 60000],
      ['In 1 hour', 'in 1 hour', now.getTime() + 3600000],
      ['Tomorrow at 9:00', 'tomorrow at 9:00', tomorrow.getTime()],
    ];
    return h('div', {
      class: 'remind-menu', attrs: { role: 'group', 'aria-label': 'Remind me' },
      on: { keydown: (e) => { if (e.key === 'Escape') { e.stopPropagation(); this.reminding = null; this.render(); } } },
    }, choices.map(([text, label, at]) => h('button', {
      type: 'button', class: 'btn small', text, on: { click: () => this.remind(m, at, label) },
    })));
  }

  react(m, name) {
    this.picking = null;
    this.render();
    this.act(this.session.toggleReaction(m, name));
  }

  // --- rendering ------------------------------------------------------------------

  reactionsNode(m) {
    const me = this.store.me && this.store.me.id;
    const list = m.reactions || [];
    if (!list.length || m.deleted) return null;
    return h('div', { class: 'reactions', attrs: { role: 'group', 'aria-label': 'Reactions' } },
      list.map((r) => {
        const mine = r.users.includes(me);
        const who = r.users.map((u) => this.store.userName(u)).join(', ');
        const ch = emojiChar(r.emoji);
        return h('button', {
          type: 'button', class: ['reaction', mine && 'mine'],
          data: { emoji: r.emoji },
          attrs: { 'aria-pressed': String(mine), 'aria-label': `${r.emoji}: ${r.count}, ${who}`, title: `${who} reacted with :${r.emoji}:` },
          on: { click: () => this.act(this.session.toggleReaction(m, r.emoji)) },
        }, h('span', { class: 'reaction-emoji', text: ch || `:${r.emoji}:` }), h('span', { class: 'reaction-count', text: String(r.count) }));
      }));
  }

  pickerNode(m) {
    return h('div', {
      class: 'picker', attrs: { role: 'group', 'aria-label': 'Pick a reaction' },
      on: { keydown: (e) => { if (e.key === 'Escape') { e.stopPropagation(); this.picking = null; this.render(); } } },
    }, pickerNames().map((name) => h('button', {
      type: 'button', class: 'pick', text: emojiChar(name),
      attrs: { 'aria-label': `React with ${name}`, title: `:${name}:` },
      on: { click: () => this.react(m, name) },
    })));
  }

  threadSummary(m) {
    if (this.threadMode || !m.reply_count || m.thread) return null;
    const st = this.store.threadStates.get(m.id);
    const unread = st && st.following ? st.unread : 0;
    const n = m.reply_count;
    return h('button', {
      type: 'button', class: ['thread-summary', unread && 'has-unread'],
      attrs: { 'aria-label': `${n} ${n === 1 ? 'reply' : 'replies'}${unread ? `, ${unread} unread` : ''}: open thread` },
      on: { click: () => this.actions.openThread?.(m) },
    }, h('span', { class: 'thread-count', text: `${n} ${n === 1 ? 'reply' : 'replies'}` }),
    m.last_reply_at ? h('span', { class: 'muted', text: `Last reply ${formatTime(m.last_reply_at)}` }) : null,
    unread ? h('span', { class: 'badge', text: String(unread) }) : null);
  }

  actionsNode(m, mine, confirming) {
    if (confirming) {
      return h('div', { class: 'msg-actions confirming', attrs: { role: 'group', 'aria-label': 'Confirm delete' } },
        h('span', { class: 'confirm-text', text: 'Delete this message?' }),
        h('button', { type: 'button', class: 'btn small danger', text: 'Delete', on: { click: () => this.confirmDelete(m) } }),
        h('button', { type: 'button', class: 'btn small', text: 'Cancel', on: { click: () => { this.confirming = null; this.render(); } } }));
    }
    const c = this.store.convs.get(m.conv);
    const member = !!c && c.member !== false;
    const pinned = this.store.isPinned(m);
    const saved = this.store.saved.has(m.id);
    const btn = (text, label, fn, extra = {}) => h('button', {
      type: 'button', class: 'act', text, attrs: { 'aria-label': label, title: label, ...extra }, on: { click: fn },
    });
    const isRoot = this.threadMode && this.root === m.id;
    return h('div', { class: 'msg-actions', attrs: { role: 'group', 'aria-label': 'Message actions' } },
      member ? btn('☺', 'Add reaction', () => this.togglePicker(m), { 'aria-expanded': String(this.picking === m.id) }) : null,
      !this.threadMode && member ? btn('Reply', 'Reply in thread', () => this.actions.openThread?.(m)) : null,
      member && !m.thread ? btn(pinned ? 'Unpin' : 'Pin', pinned ? 'Unpin message' : 'Pin message', () => this.act(this.session.setPinned(m, !pinned))) : null,
      btn(saved ? 'Unsave' : 'Save', saved ? 'Remove from saved' : 'Save message', () => this.act(this.session.setSaved(m, !saved))),
      btn('Remind', 'Remind me about this message', () => this.toggleRemind(m), { 'aria-expanded': String(this.reminding === m.id) }),
      !this.threadMode && member && !mine ? btn('Unread', 'Mark unread', () => this.act(this.session.markUnread(m))) : null,
      mine && !m.system ? btn('Edit', 'Edit message', () => this.startEdit(m)) : null,
      mine && !m.system && !isRoot ? btn('Delete', 'Delete message', () => { this.confirming = m.id; this.deleteError = null; this.render(); }) : null);
  }

  row(key, sig, build) {
    const cached = this.rows.get(key);
    if (cached && cached.sig === sig) return cached.node;
    const node = build();
    this.rows.set(key, { sig, node });
    return node;
  }

  messageNode(m, compact) {
    const { store } = this;
    const me = store.me && store.me.id;
    const author = store.users.get(m.author);
    const name = store.userName(m.author);
    const team = author && author.team;
    const mine = m.author === me;
    const editing = this.editing === m.id && !m.deleted;
    const confirming = this.confirming === m.id && !m.deleted;
    const delErr = this.deleteError && this.deleteError.id === m.id ? this.deleteError.text : '';
    const pinned = store.isPinned(m);
    const saved = store.saved.has(m.id);
    const st = store.threadStates.get(m.id);
    const picking = this.picking === m.id;
    const reminding = this.reminding === m.id;
    const highlight = this.highlightId === m.id;
    const c = store.convs.get(m.conv);
    const who = (m.reactions || []).map((r) => r.users.map((u) => store.userName(u)));
    const sig = JSON.stringify([m.body, m.edited_at, m.deleted, compact, name, team, editing && [this.editDraft, this.editError], confirming, delErr,
      m.reactions, who, m.reply_count, m.last_reply_at, st && st.following && st.unread, pinned, saved, picking, reminding, highlight, c && c.member, m.system]);
    return this.row(`m${m.id}`, sig, () => {
      const time = h('time', {
        class: 'msg-time', dateTime: new Date(m.created_at).toISOString(),
        text: formatTime(m.created_at), attrs: { title: formatFull(m.created_at) },
      });
      let body;
      if (m.deleted) {
        body = h('div', { class: 'msg-body tombstone', text: 'message deleted' });
      } else if (editing) {
        body = this.editBox(m);
      } else {
        body = h('div', { class: 'msg-body' }, renderMarkup(m.body, store.me && store.me.handle),
          m.edited_at ? h('span', { class: 'edited', text: '(edited)', attrs: { title: `Edited ${formatFull(m.edited_at)}` } }) : null);
      }
      const actions = m.deleted || editing ? null : this.actionsNode(m, mine, confirming);
      const marks = pinned || saved ? h('div', { class: 'msg-marks' },
        pinned ? h('span', { class: 'mark pinned', text: 'Pinned' }) : null,
        saved ? h('span', { class: 'mark saved', text: 'Saved' }) : null) : null;
      const meta = compact ? null : h('div', { class: 'msg-meta' },
        h('span', { class: 'author', text: name }),
        team ? h('span', { class: ['team', `team-${team}`], text: TEAM_LABEL[team] || team }) : null,
        time);
      return h('article', {
        class: ['msg', compact && 'compact', mine && 'mine', m.deleted && 'deleted', editing && 'editing',
          m.system && 'system', highlight && 'highlight', pinned && 'is-pinned'],
        data: { id: m.id },
        tabIndex: -1,
        attrs: { 'aria-label': `${name}, ${formatTime(m.created_at)}` },
      },
      compact ? h('div', { class: 'gutter' }, time) : h('div', { class: 'gutter' }, avatar(store, m.author)),
      h('div', { class: 'msg-main' }, marks, meta, body,
        delErr ? h('p', { class: 'msg-error', attrs: { role: 'alert' }, text: delErr }) : null,
        this.reactionsNode(m), picking ? this.pickerNode(m) : null, reminding ? this.remindNode(m) : null, this.threadSummary(m)),
      actions);
    });
  }

  editBox(m) {
    const ta = h('textarea', {
      value: this.editDraft, rows: Math.min(8, this.editDraft.split('\n').length),
      attrs: { 'aria-label': 'Edit message' },
      on: {
        input: () => { this.editDraft = ta.value; },
        keydown: (e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            this.cancelEdit();
          } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            this.saveEdit(m, ta.value);
          }
        },
      },
    });
    ta.value = this.editDraft;
    return h('div', { class: 'edit-box' }, ta,
      this.editError ? h('p', { class: 'msg-error', attrs: { role: 'alert' }, text: this.editError }) : null,
      h('div', { class: 'edit-actions' },
        h('span', { class: 'hint', text: 'Enter to save · Esc to cancel' }),
        h('button', { type: 'button', class: 'btn small', text: 'Cancel', on: { click: () => this.cancelEdit() } }),
        h('button', { type: 'button', class: 'btn small primary', text: 'Save', on: { click: () => this.saveEdit(m, ta.value) } })));
  }

  pendingNode(p) {
    const { store } = this;
    const me = store.me;
    const sig = JSON.stringify([p.state, p.error, p.body]);
    return this.row(`p${p.nonce}`, sig, () => {
      const status = p.state === 'failed'
        ? h('div', { class: 'msg-status failed', attrs: { role: 'alert' } },
          h('span', { text: `Not sent: ${p.error}` }),
          h('button', { type: 'button', class: 'link-btn', text: 'Retry', on: { click: () => this.session.retryPending(p.nonce) } }),
          h('button', { type: 'button', class: 'link-btn', text: 'Discard', on: { click: () => this.session.discardPending(p.nonce) } }))
        : h('div', { class: 'msg-status', text: 'Sending…' });
      return h('article', {
        class: ['msg', 'mine', 'pending', p.state === 'failed' && 'failed'],
        data: { nonce: p.nonce },
        attrs: { 'aria-label': `${me ? me.display_name : 'You'}, sending` },
      },
      h('div', { class: 'gutter' }, me ? avatar(store, me.id) : null),
      h('div', { class: 'msg-main' },
        h('div', { class: 'msg-meta' }, h('span', { class: 'author', text: me ? me.display_name : 'You' })),
        h('div', { class: 'msg-body' }, renderMarkup(p.body, me && me.handle)),
        status));
    });
  }

  dayNode(ms) {
    const label = formatDay(ms);
    return this.row(`d${dayKey(ms)}`, label, () => h('div', { class: 'day', attrs: { role: 'separator', 'aria-label': label } },
      h('span', { text: label })));
  }

  // The messages this list shows, ascending (a thread: root, then replies).
  shownMessages() {
    const { store } = this;
    if (!this.threadMode) return this.conv === null ? [] : store.messagesOf(this.conv);
    const t = store.threads.get(this.root);
    if (!t) return [];
    const replies = store.repliesOf(this.root);
    return t.root ? [t.root, ...replies] : replies;
  }

  // The part of a conversation's loaded messages the DOM holds (see the
  // header): around a message to show, or between loId and hiId, trimmed
  // from the top while the reader follows the newest.
  windowOf(all) {
    if (this.pendingScroll) {
      const at = lowerBound(all, this.pendingScroll);
      if (at < all.length && all[at].id === this.pendingScroll) {
        const lo = Math.max(0, Math.min(at - MAX_ROWS / 2, all.length - MAX_ROWS));
        const hi = Math.min(all.length, lo + MAX_ROWS);
        this.loId = all[lo].id;
        this.hiId = hi >= all.length ? null : all[hi - 1].id;
      }
    }
    const hi = this.hiId === null ? all.length : lowerBound(all, this.hiId) + 1;
    let lo = this.loId === null ? Math.max(0, hi - MAX_ROWS) : lowerBound(all, this.loId);
    if (this.hiId === null && this.stickToBottom && hi - lo > MAX_ROWS) lo = hi - MAX_ROWS;
    this.loId = lo < all.length ? all[lo].id : null;
    return all.slice(lo, hi);
  }

  render() {
    const { store } = this;
    const el = this.el;
    const conv = this.conv;
    if (conv === null || (this.threadMode && this.root === null)) {
      reconcile(el, []);
      return;
    }
    const c = store.convs.get(conv);
    const hist = this.source();
    const all = this.shownMessages();
    const msgs = this.threadMode ? all : this.windowOf(all);
    const atStart = this.threadMode || !msgs.length || msgs[0] === all[0];
    const atEnd = this.threadMode || this.hiId === null;
    const nodes = [];
    if (this.threadMode) {
      if (hist && hist.more) {
        nodes.push(this.row('older', String(hist.loadingOlder), () => h('div', { class: 'log-older' },
          h('button', { type: 'button', class: 'link-btn', text: hist.loadingOlder ? 'Loading…' : 'Load older replies', on: { click: () => this.loadOlder() } }))));
      }
    } else if (!atStart) {
      nodes.push(this.row('above', '', () => h('div', { class: 'log-older muted', text: '…' })));
    } else if (hist && hist.loaded && !hist.more) {
      const title = c ? (c.kind === 'channel' ? `#${c.name}` : store.convTitle(c)) : '';
      nodes.push(this.row('start', title, () => h('div', { class: 'log-start' },
        h('p', { class: 'log-start-title', text: `This is the beginning of ${title}.` }))));
    } else if (hist && hist.loaded && hist.more) {
      nodes.push(this.row('older', String(hist.loadingOlder), () => h('div', { class: 'log-older' },
        hist.loadingOlder
          ? h('span', { class: 'muted', text: 'Loading older messages…' })
          : h('button', { type: 'button', class: 'link-btn', text: 'Load older messages', on: { click: () => this.loadOlder() } }))));
    }
    if (!hist || (!hist.loaded && hist.loading)) {
      nodes.push(this.row('loading', '', () => h('div', { class: 'log-note muted', text: 'Loading messages…' })));
    } else if (hist.error) {
      const text = c && c.member === false
        ? 'Join this channel to read and post messages.'
        : `Could not load messages: ${hist.error.message || hist.error.code}`;
      nodes.push(this.row('error', text, () => h('div', { class: 'log-note muted', text })));
    }

    let prev = null;
    let dividerShown = false;
    for (const m of msgs) {
      if (this.threadMode && m.id === this.root) {
        nodes.push(this.messageNode(m, false));
        nodes.push(this.row('root-sep', String(m.reply_count), () => h('div', { class: 'thread-sep', attrs: { role: 'separator' } },
          h('span', { text: `${m.reply_count} ${m.reply_count === 1 ? 'reply' : 'replies'}` }))));
        continue;
      }
      if (!prev || dayKey(prev.created_at) !== dayKey(m.created_at)) {
        nodes.push(this.dayNode(m.created_at));
        prev = null;
      }
      let compact = !!prev && prev.author === m.author && !prev.deleted && !m.deleted
        && m.created_at - prev.created_at < GROUP_GAP_MS;
      if (this.unreadFrom !== null && !dividerShown && m.id > this.unreadFrom && m.author !== (store.me && store.me.id)) {
        dividerShown = true;
        compact = false;
        nodes.push(this.row('new-divider', '', () => h('div', { class: 'new-divider', attrs: { role: 'separator', 'aria-label': 'New messages' } },
          h('span', { text: 'New messages' }))));
      }
      nodes.push(this.messageNode(m, compact));
      prev = m;
    }
    const pending = atEnd ? store.pendingOf(conv, this.threadMode ? this.root : 0) : [];
    if (!atEnd) {
      nodes.push(this.row('below', '', () => h('div', { class: 'log-older muted', text: '…' })));
    }
    if (pending.length) {
      const last = prev;
      if (!last || dayKey(last.created_at) !== dayKey(pending[0].created_at)) nodes.push(this.dayNode(pending[0].created_at));
      for (const p of pending) nodes.push(this.pendingNode(p));
    }

    // Drop cached rows that are no longer shown.
    const keep = new Set(nodes);
    for (const [key, row] of this.rows) if (!keep.has(row.node)) this.rows.delete(key);

    const wasAtBottom = this.stickToBottom;
    const lastId = msgs.length ? msgs[msgs.length - 1].id : 0;
    if (lastId > this.lastSeenId && this.lastSeenId !== 0 && !wasAtBottom) this.newBelow = true;
    this.lastSeenId = Math.max(this.lastSeenId, lastId);
    reconcile(el, nodes);
    const target = this.pendingScroll ? el.querySelector(`.msg[data-id="${this.pendingScroll}"]`) : null;
    if (target) {
      this.pendingScroll = null;
      this.anchor = null;
      target.scrollIntoView({ block: 'center' });
      this.stickToBottom = false;
    } else if (this.anchor && hist && !hist.loadingOlder) {
      if (this.anchor.node.isConnected) el.scrollTop = this.anchor.node.offsetTop - this.anchor.top;
      this.anchor = null;
    } else if (wasAtBottom) {
      el.scrollTop = el.scrollHeight;
    }
    this.updateJump();
    // A short first page leaves nothing to scroll: fetch older right away.
    if (hist && hist.loaded && hist.more && !hist.loadingOlder && el.scrollHeight <= el.clientHeight + NEAR_TOP_PX) {
      this.loadOlder();
    }
  }
}

// views/messages.js: the message list of the open conversation: day
// separators, author rows, the safe markup of bodies, "(edited)", tombstones,
// pending and failed sends, inline edit and delete of one's own messages,
// and loading older pages when scrolled to the top. Rows are cached by a
// signature of what they show, so a re-render only rebuilds what changed.

import { h, reconcile } from '../dom.js';
import { renderMarkup } from '../markup.js';
import { dayKey, formatDay, formatTime, formatFull, TEAM_LABEL } from '../format.js';
import { avatar } from './sidebar.js';

const GROUP_GAP_MS = 5 * 60 * 1000;
const NEAR_TOP_PX = 120;
const NEAR_BOTTOM_PX = 80;

export class MessageList {
  constructor(store, session) {
    this.store = store;
    this.session = session;
    this.conv = null;
    this.rows = new Map(); // key -> {sig, node}
    this.editing = null; // message id being edited
    this.confirming = null; // message id awaiting delete confirmation
    this.editDraft = '';
    this.editError = '';
    this.stickToBottom = true;
    this.anchor = null; // {height, top} while older messages are prepended
    this.el = h('div', {
      class: 'log', id: 'message-log', tabIndex: 0,
      attrs: { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': 'Messages' },
      on: { scroll: () => this.onScroll() },
    });
    this.newBelow = false; // messages arrived while scrolled up
    this.lastSeenId = 0;
    this.jumpBtn = h('button', {
      type: 'button', class: 'jump', hidden: true,
      on: { click: () => { this.scrollToBottom(); this.updateJump(); } },
    });
    this.wrap = h('div', { class: 'log-wrap' }, this.el, this.jumpBtn);
  }

  updateJump() {
    if (this.stickToBottom) this.newBelow = false;
    const far = this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight > this.el.clientHeight / 2;
    const show = !this.stickToBottom && (this.newBelow || far);
    this.jumpBtn.hidden = !show;
    const text = this.newBelow ? 'New messages ↓' : 'Jump to latest ↓';
    if (this.jumpBtn.textContent !== text) this.jumpBtn.textContent = text;
  }

  onScroll() {
    const el = this.el;
    this.stickToBottom = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    if (el.scrollTop < NEAR_TOP_PX) this.loadOlder();
    this.updateJump();
  }

  loadOlder() {
    const conv = this.conv;
    const hist = conv !== null && this.store.history(conv);
    if (!hist || !hist.more || hist.loadingOlder || !hist.loaded) return;
    this.anchor = { height: this.el.scrollHeight, top: this.el.scrollTop };
    this.session.loadOlder(conv).then((ok) => {
      if (!ok) this.anchor = null;
    });
  }

  setConv(convId, label) {
    if (convId !== this.conv) {
      this.conv = convId;
      this.rows.clear();
      this.editing = null;
      this.confirming = null;
      this.stickToBottom = true;
      this.anchor = null;
      this.newBelow = false;
      this.lastSeenId = 0;
    }
    this.el.setAttribute('aria-label', label ? `Messages in ${label}` : 'Messages');
  }

  scrollToBottom() {
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
    const mine = this.store.messagesOf(this.conv).filter((m) => m.author === me && !m.deleted);
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

  // --- rendering ------------------------------------------------------------------

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
    const sig = JSON.stringify([m.body, m.edited_at, m.deleted, compact, name, team, editing && [this.editDraft, this.editError], confirming, delErr]);
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
        body = h('div', { class: 'msg-body' }, renderMarkup(m.body),
          m.edited_at ? h('span', { class: 'edited', text: '(edited)', attrs: { title: `Edited ${formatFull(m.edited_at)}` } }) : null);
      }
      let actions = null;
      if (mine && !m.deleted && !editing) {
        actions = confirming
          ? h('div', { class: 'msg-actions confirming', attrs: { role: 'group', 'aria-label': 'Confirm delete' } },
            h('span', { class: 'confirm-text', text: 'Delete this message?' }),
            h('button', { type: 'button', class: 'btn small danger', text: 'Delete', on: { click: () => this.confirmDelete(m) } }),
            h('button', { type: 'button', class: 'btn small', text: 'Cancel', on: { click: () => { this.confirming = null; this.render(); } } }))
          : h('div', { class: 'msg-actions', attrs: { role: 'group', 'aria-label': 'Message actions' } },
            h('button', { type: 'button', class: 'act', text: 'Edit', attrs: { 'aria-label': 'Edit message' }, on: { click: () => this.startEdit(m) } }),
            h('button', { type: 'button', class: 'act', text: 'Delete', attrs: { 'aria-label': 'Delete message' }, on: { click: () => { this.confirming = m.id; this.deleteError = null; this.render(); } } }));
      }
      const meta = compact ? null : h('div', { class: 'msg-meta' },
        h('span', { class: 'author', text: name }),
        team ? h('span', { class: ['team', `team-${team}`], text: TEAM_LABEL[team] || team }) : null,
        time);
      return h('article', {
        class: ['msg', compact && 'compact', mine && 'mine', m.deleted && 'deleted', editing && 'editing'],
        data: { id: m.id },
        attrs: { 'aria-label': `${name}, ${formatTime(m.created_at)}` },
      },
      compact ? h('div', { class: 'gutter' }, time) : h('div', { class: 'gutter' }, avatar(store, m.author)),
      h('div', { class: 'msg-main' }, meta, body,
        delErr ? h('p', { class: 'msg-error', attrs: { role: 'alert' }, text: delErr }) : null),
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
        h('div', { class: 'msg-body' }, renderMarkup(p.body)),
        status));
    });
  }

  dayNode(ms) {
    const label = formatDay(ms);
    return this.row(`d${dayKey(ms)}`, label, () => h('div', { class: 'day', attrs: { role: 'separator', 'aria-label': label } },
      h('span', { text: label })));
  }

  render() {
    const { store } = this;
    const el = this.el;
    const conv = this.conv;
    if (conv === null) {
      reconcile(el, []);
      return;
    }
    const c = store.convs.get(conv);
    const hist = store.history(conv);
    const msgs = store.messagesOf(conv);
    const nodes = [];
    if (hist && hist.loaded && !hist.more) {
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
    for (const m of msgs) {
      if (!prev || dayKey(prev.created_at) !== dayKey(m.created_at)) {
        nodes.push(this.dayNode(m.created_at));
        prev = null;
      }
      const compact = !!prev && prev.author === m.author && !prev.deleted && !m.deleted
        && m.created_at - prev.created_at < GROUP_GAP_MS;
      nodes.push(this.messageNode(m, compact));
      prev = m;
    }
    const pending = store.pendingOf(conv);
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
    if (this.anchor && hist && !hist.loadingOlder) {
      el.scrollTop = this.anchor.top + (el.scrollHeight - this.anchor.height);
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

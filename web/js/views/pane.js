// views/pane.js: the conversation pane: header (name, topic, members, the
// pins button and the notification preference), the connection banner, the
// message list, who is typing, and the composer (or a Join bar for a public
// channel one has not joined).

import { h, replace } from '../dom.js';
import { icon } from './icons.js';
import { MessageList } from './messages.js';
import { Composer } from './composer.js';
import { connLabel } from './sidebar.js';
import { TEAM_LABEL, formatFull } from '../format.js';
import { PinsPanel } from './pins.js';

const NOTIFY_LABEL = { all: 'All messages', mentions: 'Mentions only', muted: 'Muted' };

export class Pane {
  constructor(store, session, actions) {
    this.store = store;
    this.session = session;
    this.actions = actions; // {toggleNav(), join(convId), openThread(m), openSide(panel), toast(text)}
    this.editingTopic = false;
    this.topicError = '';
    this.list = new MessageList(store, session, {
      actions: { openThread: (m) => actions.openThread(m), toast: (t) => actions.toast(t) },
    });
    this.composer = new Composer(store, session, {
      sent: () => this.list.scrollToBottom(),
      editLast: () => this.list.editLast(),
      schedule: (body, at) => session.schedule(store.active, body, at)
        .then(() => actions.toast(`Scheduled for ${formatFull(at)}. See Scheduled to cancel it.`)),
    });
    this.list.onDone = () => this.composer.focus();
    this.el = this.build();
    // Typing entries expire; the banner counts down.
    this.tick = setInterval(() => {
      this.renderTyping();
      this.renderBanner();
    }, 1000);
  }

  destroy() {
    clearInterval(this.tick);
  }

  build() {
    this.menuBtn = h('button', {
      type: 'button', class: 'icon-btn menu-btn',
      attrs: { 'aria-label': 'Show conversations', 'aria-controls': 'sidebar', 'aria-expanded': 'false' },
      on: { click: () => this.actions.toggleNav() },
    }, icon('menu'));
    this.titleEl = h('h1', { class: 'pane-title', id: 'pane-title' });
    this.topicEl = h('div', { class: 'pane-topic' });
    this.metaEl = h('div', { class: 'pane-meta' });
    this.pinsBtn = h('button', {
      type: 'button', class: 'btn small pins-btn',
      attrs: { 'aria-label': 'Pinned messages' },
      on: { click: () => this.actions.openSide(new PinsPanel({ store: this.store, session: this.session, actions: this.actions }, this.store.active)) },
    });
    this.notifySel = h('select', {
      class: 'notify-select', id: 'notify-select',
      attrs: { 'aria-label': 'Notifications for this conversation', title: 'Notifications' },
      on: { change: () => this.setNotify(this.notifySel.value) },
    }, Object.entries(NOTIFY_LABEL).map(([value, text]) => h('option', { value, text })));
    this.toolsEl = h('div', { class: 'pane-tools' }, this.pinsBtn, this.notifySel);
    this.header = h('header', { class: 'pane-head' }, this.menuBtn,
      h('div', { class: 'pane-head-text' }, this.titleEl, this.topicEl), this.metaEl, this.toolsEl);
    this.banner = h('div', { class: 'banner', attrs: { role: 'status' }, hidden: true });
    this.typingEl = h('div', { class: 'typing', attrs: { 'aria-live': 'polite' } });
    this.joinBar = h('div', { class: 'join-bar', hidden: true });
    this.emptyEl = h('div', { class: 'empty', hidden: true },
      h('p', { class: 'empty-title', text: 'Welcome to Tandem' }),
      h('p', { class: 'muted', text: 'Pick a channel on the left, join one, or start a direct message.' }));
    return h('main', { class: 'pane', attrs: { 'aria-labelledby': 'pane-title' } },
      this.header, this.banner, this.emptyEl, this.list.wrap, this.typingEl, this.composer.el, this.joinBar);
  }

  async setNotify(notify) {
    const conv = this.store.active;
    try {
      await this.session.setNotify(conv, notify);
    } catch (err) {
      this.actions.toast(`Could not change notifications: ${err.message || err.code}`);
      this.notifySel.value = this.store.readOf(conv).notify || 'all';
    }
  }

  renderTools(c) {
    const member = !!c && c.member !== false;
    this.toolsEl.hidden = !member;
    if (!member) return;
    const n = this.store.pinsOf(c.id).length;
    if (this.pinsBtn.dataset.count !== String(n)) {
      this.pinsBtn.dataset.count = String(n);
      replace(this.pinsBtn, icon('pin'), h('span', { text: String(n) }));
    }
    this.pinsBtn.setAttribute('aria-label', `Pinned messages: ${n}`);
    const notify = this.store.readOf(c.id).notify || 'all';
    if (this.notifySel.value !== notify && document.activeElement !== this.notifySel) this.notifySel.value = notify;
  }

  label(c) {
    if (!c) return '';
    return c.kind === 'channel' ? `#${c.name}` : this.store.convTitle(c);
  }

  renderHeader(c) {
    const { store } = this;
    if (!c) {
      replace(this.titleEl, store.active !== null ? 'Loading…' : 'Tandem');
      replace(this.topicEl);
      replace(this.metaEl);
      return;
    }
    const title = c.kind === 'channel'
      ? [h('span', { class: 'title-icon', attrs: { 'aria-hidden': 'true' } }, icon(c.private ? 'lock' : 'hash')),
        h('span', { text: c.name })]
      : [h('span', { text: store.convTitle(c) })];
    replace(this.titleEl, ...title);

    const canEditTopic = c.member !== false && c.kind !== 'dm' && !c.archived;
    if (c.kind === 'dm') {
      // A direct message has no topic: show who the other person is.
      const others = store.othersIn(c.id) || [];
      const peer = store.users.get(others.length ? others[0] : store.me.id);
      replace(this.topicEl, peer ? [
        h('span', { class: ['presence', peer.online ? 'online' : 'offline'], attrs: { role: 'img', 'aria-label': peer.online ? 'online' : 'offline' } }),
        h('span', { class: 'topic-text', text: `@${peer.handle}` }),
        h('span', { class: ['team', `team-${peer.team}`], text: TEAM_LABEL[peer.team] || peer.team }),
      ] : null);
    } else if (this.editingTopic && canEditTopic) {
      if (!this.topicForm || this.topicForm.dataset.conv !== String(c.id)) this.topicForm = this.buildTopicForm(c);
      if (this.topicEl.firstChild !== this.topicForm) replace(this.topicEl, this.topicForm);
      const err = this.topicForm.querySelector('.topic-error');
      err.textContent = this.topicError;
      err.hidden = !this.topicError;
    } else {
      this.topicForm = null;
      replace(this.topicEl,
        c.topic ? h('span', { class: 'topic-text', text: c.topic, attrs: { title: c.topic } })
          : (canEditTopic ? h('span', { class: 'topic-text muted', text: 'No topic' }) : null),
        canEditTopic ? h('button', {
          type: 'button', class: 'link-btn topic-edit', text: c.topic ? 'Edit' : 'Add topic',
          attrs: { 'aria-label': 'Edit topic' },
          on: { click: () => { this.editingTopic = true; this.topicError = ''; this.render(new Set(['convs'])); this.topicForm?.querySelector('input')?.focus(); } },
        }) : null);
    }
    const parts = [];
    if (c.kind !== 'dm' && c.member_count) parts.push(`${c.member_count} member${c.member_count === 1 ? '' : 's'}`);
    if (c.private && c.kind === 'channel') parts.push('private');
    if (c.archived) parts.push('archived');
    replace(this.metaEl, parts.length ? h('span', { class: 'muted', text: parts.join(' · ') }) : null);
  }

  buildTopicForm(c) {
    const input = h('input', {
      type: 'text', value: c.topic || '', maxLength: 250,
      attrs: { 'aria-label': 'Channel topic' },
      on: { keydown: (e) => { if (e.key === 'Escape') { e.preventDefault(); this.stopTopic(); } } },
    });
    const form = h('form', {
      class: 'topic-form', data: { conv: c.id },
      on: {
        submit: async (e) => {
          e.preventDefault();
          try {
            await this.session.setTopic(c.id, input.value.trim());
            this.stopTopic();
          } catch (err) {
            this.topicError = err.message || err.code;
            this.render(new Set(['convs']));
          }
        },
      },
    }, input,
    h('button', { type: 'submit', class: 'btn small primary', text: 'Save' }),
    h('button', { type: 'button', class: 'btn small', text: 'Cancel', on: { click: () => this.stopTopic() } }),
    h('span', { class: 'topic-error', attrs: { role: 'alert' }, hidden: true }));
    return form;
  }

  stopTopic() {
    this.editingTopic = false;
    this.topicError = '';
    this.render(new Set(['convs']));
  }

  renderBanner() {
    const { conn } = this.store;
    const down = conn.state !== 'open';
    this.banner.hidden = !down;
    if (down) {
      const pending = this.store.pending.size;
      const text = `${connLabel(conn, true)}. ${pending ? `${pending} message${pending === 1 ? '' : 's'} will be sent when the connection is back.` : 'Messages you send will be delivered when the connection is back.'}`;
      if (this.banner.textContent !== text) this.banner.textContent = text;
    }
  }

  renderTyping() {
    const { store } = this;
    const conv = store.active;
    const ids = conv === null ? [] : store.typingIn(conv);
    let text = '';
    if (ids.length === 1) text = `${store.userName(ids[0])} is typing…`;
    else if (ids.length === 2) text = `${store.userName(ids[0])} and ${store.userName(ids[1])} are typing…`;
    else if (ids.length > 2) text = 'Several people are typing…';
    if (this.typingEl.textContent !== text) this.typingEl.textContent = text;
  }

  renderJoinBar(c) {
    const show = !!c && c.member === false;
    this.joinBar.hidden = !show;
    this.composer.el.hidden = !c || show || !!c.archived;
    if (!show) return;
    if (this.joinBar.dataset.conv === String(c.id)) return;
    this.joinBar.dataset.conv = String(c.id);
    // A request's or feedback item's conversation: joining it is watching.
    const record = c.kind === 'request' || c.kind === 'feedback';
    const what = c.kind === 'request' ? 'request' : 'feedback item';
    replace(this.joinBar,
      h('span', { text: record ? `You are reading this ${what}'s conversation.` : `You are viewing #${c.name}.` }),
      h('button', {
        type: 'button', class: 'btn primary', text: record ? 'Watch and reply' : 'Join channel',
        on: { click: () => this.actions.join(c.id) },
      }));
  }

  render(topics) {
    const { store } = this;
    const conv = store.active;
    const c = conv === null ? null : store.convs.get(conv) || null;
    const label = this.label(c);
    if (topics.has('active')) {
      this.editingTopic = false;
      this.topicError = '';
    }
    this.list.setConv(conv, label);
    this.composer.setConv(conv, label);
    this.emptyEl.hidden = conv !== null;
    this.list.wrap.hidden = conv === null;
    this.renderHeader(c);
    this.renderTools(c);
    this.renderJoinBar(c);
    if (conv === null) this.composer.el.hidden = true;
    this.renderBanner();
    this.renderTyping();
    this.list.render();
  }
}

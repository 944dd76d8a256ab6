// views/thread.js: the thread panel beside the conversation (opened with
// actions.openSide): the root message, its replies paged on demand, a
// Follow/Unfollow toggle, and a composer whose messages are replies. While
// it is on screen the newest reply is marked read (thread.read).

import { h, replace } from '../dom.js';
import { icon } from './icons.js';
import { MessageList } from './messages.js';
import { Composer } from './composer.js';

export class ThreadPanel {
  // ctx: {store, session, actions}; root: the root message (or a reply).
  constructor(ctx, root) {
    this.store = ctx.store;
    this.session = ctx.session;
    this.actions = ctx.actions;
    this.rootId = root.thread || root.id;
    this.conv = root.conv;
    this.list = new MessageList(this.store, this.session, {
      thread: true, id: 'thread-log', actions: { toast: (t) => this.actions.toast(t) },
    });
    this.composer = new Composer(this.store, this.session, {
      sent: () => this.list.scrollToBottom(),
      editLast: () => this.list.editLast(),
      send: (body) => this.session.send(this.conv, body, this.rootId),
    }, { id: 'thread' });
    this.list.onDone = () => this.composer.focus();
    this.followBtn = h('button', {
      type: 'button', class: 'btn small follow-btn',
      on: { click: () => this.toggleFollow() },
    });
    this.titleEl = h('div', { class: 'side-sub muted' });
    this.el = h('section', { class: 'thread-panel', attrs: { 'aria-labelledby': 'thread-title' } },
      h('header', { class: 'side-head' },
        h('div', { class: 'side-head-text' },
          h('h2', { class: 'side-title', id: 'thread-title', text: 'Thread' }), this.titleEl),
        this.followBtn,
        h('button', {
          type: 'button', class: 'icon-btn', attrs: { 'aria-label': 'Close thread', title: 'Close (Esc)' },
          on: { click: () => this.actions.closeSide() },
        }, icon('close'))),
      this.list.wrap, this.composer.el);
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !e.defaultPrevented) {
        e.preventDefault();
        this.actions.closeSide();
      }
    });
    this.session.loadThread(this.rootId);
  }


  focus() {
    this.composer.focus();
  }

  async toggleFollow() {
    const st = this.store.threadStates.get(this.rootId);
    try {
      await this.session.followThread(this.rootId, !(st && st.following));
    } catch (err) {
      this.actions.toast(err.message || err.code);
    }
  }

  render(topics) {
    const { store } = this;
    if (topics.has('synced')) this.session.loadThread(this.rootId);
    const c = store.convs.get(this.conv);
    const label = c ? (c.kind === 'channel' ? `#${c.name}` : store.convTitle(c)) : '';
    if (this.titleEl.textContent !== label) replace(this.titleEl, label);
    const st = store.threadStates.get(this.rootId);
    const following = !!(st && st.following);
    const text = following ? 'Unfollow' : 'Follow';
    if (this.followBtn.textContent !== text) this.followBtn.textContent = text;
    this.followBtn.setAttribute('aria-pressed', String(following));
    this.followBtn.setAttribute('aria-label', following ? 'Unfollow thread' : 'Follow thread');
    const t = store.threads.get(this.rootId);
    const root = t && t.root;
    this.composer.el.hidden = !c || c.member === false || !!c.archived || !!(root && root.deleted);
    this.list.setThread(this.rootId, this.conv);
    this.composer.setConv(`t${this.rootId}`, 'thread');
    this.composer.input.placeholder = 'Reply…';
    this.composer.input.setAttribute('aria-label', 'Reply in thread');
    this.list.render();
    if (document.visibilityState === 'visible' && t && t.loaded) this.session.markThreadSeen(this.rootId);
  }
}

// views/pins.js: the side panel listing a conversation's pinned messages
// (newest pin first), opened from the pins button in the conversation
// header; each entry jumps to its message or unpins it. Live through
// pin.update events (the store keeps the list).

import { h, replace } from '../dom.js';
import { renderMarkup } from '../markup.js';
import { formatFull } from '../format.js';
import { icon } from './icons.js';

export class PinsPanel {
  constructor(ctx, convId) {
    this.store = ctx.store;
    this.session = ctx.session;
    this.actions = ctx.actions;
    this.conv = convId;
    this.listEl = h('ul', { class: 'side-list', attrs: { 'aria-label': 'Pinned messages' } });
    this.el = h('section', { class: 'pins-panel', attrs: { 'aria-labelledby': 'pins-title' } },
      h('header', { class: 'side-head' },
        h('div', { class: 'side-head-text' }, h('h2', { class: 'side-title', id: 'pins-title', text: 'Pinned messages' })),
        h('button', {
          type: 'button', class: 'icon-btn', attrs: { 'aria-label': 'Close pinned messages', title: 'Close (Esc)' },
          on: { click: () => this.actions.closeSide() },
        }, icon('close'))),
      this.listEl);
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !e.defaultPrevented) {
        e.preventDefault();
        this.actions.closeSide();
      }
    });
    this.session.loadPins(convId);
  }


  render(topics) {
    if (!topics.has('pins') && !topics.has('all') && !topics.has('users') && !topics.has('synced')) return;
    if (topics.has('synced')) this.session.loadPins(this.conv);
    const { store } = this;
    const pins = store.pinsOf(this.conv);
    replace(this.listEl, pins.length ? pins.map((p) => {
      const m = p.message;
      return h('li', { class: 'side-item', data: { id: m.id } },
        h('div', { class: 'side-item-meta' },
          h('span', { class: 'author', text: store.userName(m.author) }),
          h('span', { class: 'muted', text: `pinned by ${store.userName(p.pinned_by)}`, attrs: { title: formatFull(p.pinned_at) } })),
        h('div', { class: 'msg-body' }, renderMarkup(m.body)),
        h('div', { class: 'side-item-actions' },
          h('button', { type: 'button', class: 'link-btn', text: 'Jump', attrs: { 'aria-label': 'Show in conversation' }, on: { click: () => this.actions.showMessage(m) } }),
          h('button', {
            type: 'button', class: 'link-btn', text: 'Unpin',
            on: { click: () => this.session.setPinned(m, false).catch((err) => this.actions.toast(err.message || err.code)) },
          })));
    }) : h('li', { class: 'sb-empty', text: 'Nothing pinned yet. Pin a message from its actions.' }));
  }
}

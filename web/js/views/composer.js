// views/composer.js: the message box. Enter sends, Shift+Enter adds a line,
// Up in an empty box edits one's last message. Sending never waits for the
// network: the session shows the message as pending at once. Typing
// notifications are throttled by the session.

import { h } from '../dom.js';
import { icon } from './icons.js';

const encoder = new TextEncoder();

export class Composer {
  // hooks: {sent(), editLast() -> bool, send(body) (optional: instead of a
  // top-level send, e.g. a thread reply)}; opts: {id, placeholder}.
  constructor(store, session, hooks, opts = {}) {
    this.store = store;
    this.session = session;
    this.hooks = hooks;
    this.id = opts.id || 'composer';
    this.conv = null;
    this.drafts = new Map(); // conv id -> unsent text
    this.el = this.build();
  }

  build() {
    const id = this.id;
    this.input = h('textarea', {
      id: `${id}-input`, rows: 1, placeholder: 'Write a message',
      attrs: { 'aria-label': 'Message', 'aria-describedby': `${id}-hint ${id}-error`, enterkeyhint: 'send' },
      on: {
        keydown: (e) => this.onKey(e),
        input: () => this.onInput(),
      },
    });
    this.errorEl = h('p', { class: 'composer-error', id: `${id}-error`, attrs: { role: 'alert' }, hidden: true });
    this.sendBtn = h('button', { type: 'submit', class: 'icon-btn send', attrs: { 'aria-label': 'Send message', title: 'Send (Enter)' } }, icon('send'));
    const form = h('form', {
      class: 'composer', attrs: { 'aria-label': 'Send a message' },
      on: { submit: (e) => { e.preventDefault(); this.submit(); } },
    },
    h('div', { class: 'composer-box' }, this.input, this.sendBtn),
    this.errorEl,
    h('p', { class: 'composer-hint', id: `${id}-hint`, text: 'Enter to send · Shift+Enter for a new line · **bold** _italic_ `code`' }));
    return form;
  }

  setConv(convId, label) {
    if (this.conv !== null) this.drafts.set(this.conv, this.input.value);
    if (convId !== this.conv) {
      this.conv = convId;
      this.input.value = this.drafts.get(convId) || '';
      this.autosize();
      this.showError('');
    }
    this.input.placeholder = label ? `Message ${label}` : 'Write a message';
    this.input.setAttribute('aria-label', label ? `Message ${label}` : 'Message');
  }

  focus() {
    this.input.focus();
  }

  autosize() {
    const lines = this.input.value.split('\n').length;
    this.input.rows = Math.max(1, Math.min(10, lines));
  }

  showError(text) {
    this.errorEl.textContent = text;
    this.errorEl.hidden = !text;
  }

  onInput() {
    this.autosize();
    if (this.errorEl.textContent) this.showError('');
    // A thread composer's key is a string ('t<root>'): typing is per conversation.
    if (typeof this.conv === 'number' && this.input.value.trim()) this.session.typing(this.conv);
  }

  onKey(e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.submit();
    } else if (e.key === 'ArrowUp' && this.input.value === '' && this.hooks.editLast) {
      if (this.hooks.editLast()) e.preventDefault();
    }
  }

  submit() {
    const body = this.input.value;
    if (this.conv === null || !body.trim()) return;
    const limits = (this.store.server && this.store.server.limits) || {};
    const max = limits.max_body_bytes || 16384;
    const size = encoder.encode(body).length;
    if (size > max) {
      this.showError(`This message is too long: ${size} bytes, the limit is ${max}.`);
      return;
    }
    if (this.hooks.send) this.hooks.send(body);
    else this.session.send(this.conv, body);
    this.input.value = '';
    this.drafts.delete(this.conv);
    this.autosize();
    this.showError('');
    this.hooks.sent();
  }
}

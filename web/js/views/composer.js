// views/composer.js: the message box. Enter sends, Shift+Enter adds a line,
// Up in an empty box edits one's last message. Typing `@` completes people,
// @team-sales, @team-marketing and @channel; typing `:` and two letters
// completes emoji shortcodes (emoji.js). The clock button (when the owner
// offers hooks.schedule) sends the text later, at a chosen time. Sending
// never waits for the network: the session shows the message as pending at
// once. Typing notifications are throttled by the session.

import { h, replace } from '../dom.js';
import { icon } from './icons.js';
import { emojiMatches } from '../emoji.js';

const GROUPS = [
  { handle: 'channel', label: 'everyone in this conversation' },
  { handle: 'team-sales', label: 'the sales team' },
  { handle: 'team-marketing', label: 'the marketing team' },
];
const MAX_SUGGESTIONS = 8;

const encoder = new TextEncoder();

export class Composer {
  // hooks: {sent(), editLast() -> bool, send(body) (optional: instead of a
  // top-level send, e.g. a thread reply), schedule(body, at) -> promise
  // (optional: offers "send later")}; opts: {id}.
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
    this.input.setAttribute('aria-autocomplete', 'list');
    this.input.setAttribute('aria-controls', `${id}-suggest`);
    this.suggestEl = h('ul', { class: 'suggest', id: `${id}-suggest`, hidden: true, attrs: { role: 'listbox', 'aria-label': 'Suggestions' } });
    this.suggestions = [];
    this.suggestIndex = 0;
    this.input.addEventListener('blur', () => this.closeSuggest());
    this.errorEl = h('p', { class: 'composer-error', id: `${id}-error`, attrs: { role: 'alert' }, hidden: true });
    this.sendBtn = h('button', { type: 'submit', class: 'icon-btn send', attrs: { 'aria-label': 'Send message', title: 'Send (Enter)' } }, icon('send'));
    this.laterBtn = this.hooks.schedule ? h('button', {
      type: 'button', class: 'icon-btn', attrs: { 'aria-label': 'Send later', title: 'Send later', 'aria-expanded': 'false' },
      on: { click: () => this.toggleLater() },
    }, icon('clock')) : null;
    this.laterAt = h('input', { type: 'datetime-local', id: `${id}-later-at` });
    this.laterEl = h('div', { class: 'later', hidden: true, attrs: { role: 'group', 'aria-label': 'Send later' } },
      h('label', { htmlFor: `${id}-later-at`, text: 'Send at' }), this.laterAt,
      h('button', { type: 'button', class: 'btn small primary', text: 'Schedule', on: { click: () => this.schedule() } }),
      h('button', { type: 'button', class: 'btn small', text: 'Cancel', on: { click: () => this.toggleLater(false) } }));
    const form = h('form', {
      class: 'composer', attrs: { 'aria-label': 'Send a message' },
      on: { submit: (e) => { e.preventDefault(); this.submit(); } },
    },
    this.suggestEl,
    this.laterEl,
    h('div', { class: 'composer-box' }, this.input, this.laterBtn, this.sendBtn),
    this.errorEl,
    h('p', { class: 'composer-hint', id: `${id}-hint`, text: 'Enter to send · Shift+Enter for a new line · **bold** _italic_ `code` - list · @ to mention' }));
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

  // The word being typed before the caret, when it asks for completion:
  // {kind: '@' or ':', text, start}.
  completionToken() {
    const ta = this.input;
    if (ta.selectionStart !== ta.selectionEnd) return null;
    const before = ta.value.slice(0, ta.selectionStart);
    let m = /(^|[\s(])@([a-z0-9._-]*)$/i.exec(before);
    if (m) return { kind: '@', text: m[2].toLowerCase(), start: before.length - m[2].length - 1 };
    m = /(^|[\s(]):([a-z0-9_+-]{2,})$/.exec(before);
    if (m) return { kind: ':', text: m[2], start: before.length - m[2].length - 1 };
    return null;
  }

  suggest() {
    const tok = this.completionToken();
    let items = [];
    if (tok && tok.kind === '@') {
      const people = [...this.store.users.values()]
        .filter((u) => u.handle.startsWith(tok.text) || (u.display_name || '').toLowerCase().split(/\s+/).some((w) => w.startsWith(tok.text)))
        .sort((a, b) => a.handle.localeCompare(b.handle))
        .map((u) => ({ insert: `@${u.handle} `, label: `@${u.handle}`, hint: u.display_name }));
      const groups = GROUPS.filter((g) => g.handle.startsWith(tok.text))
        .map((g) => ({ insert: `@${g.handle} `, label: `@${g.handle}`, hint: g.label }));
      items = [...people, ...groups];
    } else if (tok) {
      items = emojiMatches(tok.text).map((e) => ({ insert: `${e.ch} `, label: e.ch, hint: `:${e.name}:` }));
    }
    this.token = tok;
    this.suggestions = items.slice(0, MAX_SUGGESTIONS);
    this.suggestIndex = 0;
    this.drawSuggest();
  }

  drawSuggest() {
    const open = this.suggestions.length > 0;
    this.suggestEl.hidden = !open;
    this.input.setAttribute('aria-expanded', String(open));
    replace(this.suggestEl, this.suggestions.map((it, i) => h('li', {
      id: `${this.id}-opt-${i}`, class: ['suggest-item', i === this.suggestIndex && 'active'],
      attrs: { role: 'option', 'aria-selected': String(i === this.suggestIndex) },
      on: { mousedown: (e) => { e.preventDefault(); this.accept(i); } },
    }, h('span', { class: 'suggest-label', text: it.label }), h('span', { class: 'muted', text: it.hint }))));
    if (open) this.input.setAttribute('aria-activedescendant', `${this.id}-opt-${this.suggestIndex}`);
    else this.input.removeAttribute('aria-activedescendant');
  }

  closeSuggest() {
    if (!this.suggestions.length) return;
    this.suggestions = [];
    this.drawSuggest();
  }

  // Replace the word being completed with the chosen suggestion.
  accept(i) {
    const it = this.suggestions[i];
    const tok = this.token;
    if (!it || !tok) return;
    const ta = this.input;
    const end = ta.selectionStart;
    ta.value = ta.value.slice(0, tok.start) + it.insert + ta.value.slice(end);
    const caret = tok.start + it.insert.length;
    ta.setSelectionRange(caret, caret);
    this.closeSuggest();
    this.autosize();
  }

  // Keys of the open suggestion list; true when the key was used.
  suggestKey(e) {
    if (!this.suggestions.length) return false;
    const n = this.suggestions.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      this.suggestIndex = (this.suggestIndex + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      this.drawSuggest();
    } else if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
      this.accept(this.suggestIndex);
    } else if (e.key === 'Escape') {
      this.closeSuggest();
    } else {
      return false;
    }
    e.preventDefault();
    e.stopPropagation();
    return true;
  }

  onInput() {
    this.autosize();
    this.suggest();
    if (this.errorEl.textContent) this.showError('');
    // A thread composer's key is a string ('t<root>'): typing is per conversation.
    if (typeof this.conv === 'number' && this.input.value.trim()) this.session.typing(this.conv);
  }

  onKey(e) {
    if (e.isComposing || this.suggestKey(e)) return;
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.submit();
    } else if (e.key === 'ArrowUp' && this.input.value === '' && this.hooks.editLast) {
      if (this.hooks.editLast()) e.preventDefault();
    }
  }

  // Open or close the "send later" row; it starts one hour from now.
  toggleLater(open = this.laterEl.hidden) {
    this.laterEl.hidden = !open;
    this.laterBtn.setAttribute('aria-expanded', String(open));
    if (!open) return;
    const d = new Date(Date.now() + 3600000);
    const pad = (n) => String(n).padStart(2, '0');
    this.laterAt.value = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    this.laterAt.focus();
  }

  // The text, when it may be sent: not empty and within the size limit.
  sendable() {
    const body = this.input.value;
    if (this.conv === null || !body.trim()) return null;
    const limits = (this.store.server && this.store.server.limits) || {};
    const max = limits.max_body_bytes || 16384;
    const size = encoder.encode(body).length;
    if (size > max) {
      this.showError(`This message is too long: ${size} bytes, the limit is ${max}.`);
      return null;
    }
    return body;
  }

  async schedule() {
    const body = this.sendable();
    const at = new Date(this.laterAt.value).getTime();
    if (body === null) {
      if (!this.errorEl.textContent) this.showError('Write the message first.');
      return;
    }
    if (!Number.isFinite(at) || at <= Date.now()) {
      this.showError('Pick a time in the future.');
      return;
    }
    try {
      await this.hooks.schedule(body, at);
      this.input.value = '';
      this.drafts.delete(this.conv);
      this.autosize();
      this.showError('');
      this.toggleLater(false);
    } catch (err) {
      this.showError(`Could not schedule: ${err.message || err.code}`);
    }
  }

  submit() {
    const body = this.sendable();
    if (body === null) return;
    if (this.hooks.send) this.hooks.send(body);
    else this.session.send(this.conv, body);
    this.input.value = '';
    this.closeSuggest();
    this.drafts.delete(this.conv);
    this.autosize();
    this.showError('');
    this.hooks.sent();
  }
}

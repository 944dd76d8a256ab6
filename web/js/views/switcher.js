// views/switcher.js: the quick switcher (Ctrl+K or Cmd+K): one box that
// finds conversations (unread first), people (opens the direct message)
// and pages, filtered as one types. A combobox with a listbox: Up and Down
// move the active option, Enter opens it, Escape closes.

import { h, replace } from '../dom.js';
import { PAGES } from '../routes.js';

const MAX_ITEMS = 12;

export class QuickSwitcher {
  // actions: {open(convId), go(page), openDm(userId)}
  constructor(store, actions) {
    this.store = store;
    this.actions = actions;
    this.items = [];
    this.index = 0;
    this.el = this.build();
  }

  build() {
    this.input = h('input', {
      type: 'text', id: 'switcher-input', placeholder: 'Jump to a conversation, person or page',
      attrs: {
        role: 'combobox', 'aria-expanded': 'true', 'aria-controls': 'switcher-list',
        'aria-autocomplete': 'list', 'aria-label': 'Jump to', autocomplete: 'off',
      },
      on: { input: () => { this.index = 0; this.draw(); }, keydown: (e) => this.onKey(e) },
    });
    this.listEl = h('ul', { class: 'switcher-list', id: 'switcher-list', attrs: { role: 'listbox', 'aria-label': 'Matches' } });
    return h('dialog', { class: 'dialog switcher', attrs: { 'aria-label': 'Quick switcher' } },
      h('div', { class: 'switcher-box' }, this.input, this.listEl,
        h('p', { class: 'field-hint', text: '↑↓ to move · Enter to open · Esc to close' })));
  }

  open() {
    this.input.value = '';
    this.index = 0;
    this.draw();
    if (!this.el.open) this.el.showModal();
    this.input.focus();
  }

  // Everything one can jump to, matching the typed text.
  candidates(q) {
    const { store } = this;
    const text = q.trim().toLowerCase();
    const out = [];
    const match = (s) => !text || s.toLowerCase().includes(text);
    const convs = [...store.convs.values()].filter((c) => c.member !== false && !c.archived)
      .map((c) => ({ c, label: c.kind === 'channel' ? `#${c.name}` : store.convTitle(c) }))
      .filter((x) => match(x.label))
      .sort((x, y) => (store.unreadOf(y.c.id) > 0) - (store.unreadOf(x.c.id) > 0)
        || (y.c.last_message_id || 0) - (x.c.last_message_id || 0));
    for (const { c, label } of convs) {
      const n = store.unreadOf(c.id);
      out.push({ key: `c${c.id}`, label, hint: n ? `${n} unread` : c.kind, run: () => this.actions.open(c.id) });
    }
    if (text) {
      for (const u of store.users.values()) {
        if (!match(`${u.display_name} @${u.handle}`)) continue;
        out.push({ key: `u${u.id}`, label: u.display_name || u.handle, hint: `@${u.handle} · direct message`, run: () => this.actions.openDm(u.id) });
      }
    }
    for (const p of PAGES) {
      if (match(p.label)) out.push({ key: `p${p.name}`, label: p.label, hint: 'page', run: () => this.actions.go(p.name) });
    }
    return out.slice(0, MAX_ITEMS);
  }

  draw() {
    this.items = this.candidates(this.input.value);
    if (this.index >= this.items.length) this.index = Math.max(0, this.items.length - 1);
    replace(this.listEl, this.items.map((it, i) => h('li', {
      id: `switcher-opt-${i}`, class: ['switcher-item', i === this.index && 'active'],
      attrs: { role: 'option', 'aria-selected': String(i === this.index) },
      on: { mousedown: (e) => { e.preventDefault(); this.choose(i); } },
    }, h('span', { class: 'switcher-label', text: it.label }), h('span', { class: 'muted switcher-hint', text: it.hint }))));
    if (this.items.length) this.input.setAttribute('aria-activedescendant', `switcher-opt-${this.index}`);
    else this.input.removeAttribute('aria-activedescendant');
  }

  choose(i) {
    const it = this.items[i];
    if (!it) return;
    this.el.close();
    it.run();
  }

  onKey(e) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = this.items.length;
      if (!n) return;
      this.index = (this.index + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      this.draw();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      this.choose(this.index);
    }
  }
}

// views/dialogs.js: modal dialogs: create a channel, and pick a person for
// a direct message. Native <dialog> gives focus trapping and Escape.

import { h, replace } from '../dom.js';
import { TEAM_LABEL } from '../format.js';
import { avatar } from './avatar.js';

function errorText(err) {
  if (err.code === 'disconnected' || err.code === 'timeout') return 'Not connected to the server. Try again in a moment.';
  return err.message || err.code;
}

export class CreateChannelDialog {
  constructor(session, onCreated) {
    this.session = session;
    this.onCreated = onCreated;
    this.el = this.build();
  }

  build() {
    this.name = h('input', {
      id: 'new-channel-name', type: 'text', required: true, maxLength: 64, spellcheck: false,
      pattern: '[a-z0-9][a-z0-9_\\-]*', attrs: { autocapitalize: 'none', 'aria-describedby': 'new-channel-name-hint' },
    });
    this.topic = h('input', { id: 'new-channel-topic', type: 'text', maxLength: 250 });
    this.priv = h('input', { id: 'new-channel-private', type: 'checkbox' });
    this.error = h('p', { class: 'form-error', id: 'new-channel-error', attrs: { role: 'alert' }, hidden: true });
    this.submitBtn = h('button', { type: 'submit', class: 'btn primary', text: 'Create channel' });
    const form = h('form', { class: 'dialog-form', on: { submit: (e) => { e.preventDefault(); this.submit(); } } },
      h('h2', { class: 'dialog-title', id: 'new-channel-title', text: 'Create a channel' }),
      h('div', { class: 'field' },
        h('label', { htmlFor: 'new-channel-name', text: 'Name' }),
        this.name,
        h('p', { class: 'field-hint', id: 'new-channel-name-hint', text: 'Lowercase letters, digits, dash and underscore, e.g. q3-launch.' })),
      h('div', { class: 'field' },
        h('label', { htmlFor: 'new-channel-topic', text: 'Topic (optional)' }),
        this.topic),
      h('div', { class: 'field check' }, this.priv,
        h('label', { htmlFor: 'new-channel-private', text: 'Private: only people who are invited can see it' })),
      this.error,
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', text: 'Cancel', on: { click: () => this.el.close() } }),
        this.submitBtn));
    return h('dialog', { class: 'dialog', attrs: { 'aria-labelledby': 'new-channel-title' } }, form);
  }

  open() {
    this.name.value = '';
    this.topic.value = '';
    this.priv.checked = false;
    this.error.hidden = true;
    this.el.showModal();
    this.name.focus();
  }

  async submit() {
    this.error.hidden = true;
    this.submitBtn.disabled = true;
    try {
      const conv = await this.session.createChannel({
        name: this.name.value.trim(), topic: this.topic.value.trim(), isPrivate: this.priv.checked,
      });
      this.el.close();
      this.onCreated(conv);
    } catch (err) {
      this.error.textContent = errorText(err);
      this.error.dataset.code = err.code || '';
      this.error.hidden = false;
    } finally {
      this.submitBtn.disabled = false;
    }
  }
}

export class UserPickerDialog {
  constructor(store, session, onOpened) {
    this.store = store;
    this.session = session;
    this.onOpened = onOpened;
    this.el = this.build();
  }

  build() {
    this.filter = h('input', {
      id: 'user-filter', type: 'search', placeholder: 'Search people', spellcheck: false,
      attrs: { 'aria-label': 'Search people', 'aria-controls': 'user-list' },
      on: { input: () => this.renderList() },
    });
    this.list = h('ul', { class: 'user-list', id: 'user-list', attrs: { 'aria-label': 'People' } });
    this.error = h('p', { class: 'form-error', attrs: { role: 'alert' }, hidden: true });
    return h('dialog', { class: 'dialog', attrs: { 'aria-labelledby': 'user-picker-title' } },
      h('div', { class: 'dialog-form' },
        h('h2', { class: 'dialog-title', id: 'user-picker-title', text: 'New direct message' }),
        this.filter, this.list, this.error,
        h('div', { class: 'dialog-actions' },
          h('button', { type: 'button', class: 'btn', text: 'Close', on: { click: () => this.el.close() } }))));
  }

  open() {
    this.filter.value = '';
    this.error.hidden = true;
    this.renderList();
    this.el.showModal();
    this.filter.focus();
    // The list may be stale (presence); refresh it in the background.
    this.session.conn.request('user.list').then((r) => {
      this.store.setUsers(r.users || []);
      if (this.el.open) this.renderList();
    }).catch(() => {});
  }

  renderList() {
    const { store } = this;
    const q = this.filter.value.trim().toLowerCase();
    const me = store.me && store.me.id;
    const users = [...store.users.values()]
      .filter((u) => !q || u.handle.toLowerCase().includes(q) || (u.display_name || '').toLowerCase().includes(q))
      .sort((a, b) => (a.id === me) - (b.id === me) || (b.online === true) - (a.online === true)
        || (a.display_name || a.handle).localeCompare(b.display_name || b.handle));
    replace(this.list, users.length ? users.map((u) => h('li', null,
      h('button', {
        type: 'button', class: 'user-item', data: { user: u.id },
        on: { click: () => this.pick(u.id) },
      },
      avatar(store, u.id),
      h('span', { class: 'user-names' },
        h('span', { class: 'user-name', text: `${u.display_name || u.handle}${u.id === me ? ' (you)' : ''}` }),
        h('span', { class: 'user-handle', text: `@${u.handle}` })),
      h('span', { class: ['team', `team-${u.team}`], text: TEAM_LABEL[u.team] || u.team }),
      h('span', { class: ['presence', u.online ? 'online' : 'offline'], attrs: { role: 'img', 'aria-label': u.online ? 'online' : 'offline' } }))))
      : h('li', { class: 'sb-empty', text: 'Nobody matches.' }));
  }

  async pick(userId) {
    this.error.hidden = true;
    try {
      const conv = await this.session.openDm(userId);
      this.el.close();
      this.onOpened(conv);
    } catch (err) {
      this.error.textContent = errorText(err);
      this.error.hidden = false;
    }
  }
}

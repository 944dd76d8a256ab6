// views/auth.js: the sign-in screen: log in or create an account. Errors
// from the server are shown next to the field they concern (by error code),
// with the server's own message.

import { h } from '../dom.js';

// Which field an error code belongs to; the rest go to the form.
const FIELD_OF_CODE = {
  handle_taken: 'handle',
  weak_password: 'password',
  invite_required: 'invite',
};
const FIELDS = ['handle', 'display_name', 'team', 'password', 'invite'];

// A bad_request message names the field; find it.
function fieldOfMessage(message) {
  const m = String(message || '').toLowerCase();
  return FIELDS.find((f) => m.includes(f) || m.includes(f.replace('_', ' '))) || null;
}

function friendly(err) {
  if (err.code === 'disconnected' || err.code === 'timeout') {
    return 'Cannot reach the server right now. It will retry automatically; try again in a moment.';
  }
  return err.message || err.code;
}

export class AuthView {
  constructor(store, session) {
    this.store = store;
    this.session = session;
    this.mode = 'login';
    this.el = this.build();
  }

  field(form, prefix, name, label, input, hint) {
    const id = `${prefix}-${name}`;
    input.id = id;
    input.name = name;
    const err = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
    const hintEl = hint ? h('p', { class: 'field-hint', id: `${id}-hint`, text: hint }) : null;
    input.setAttribute('aria-describedby', [hintEl && hintEl.id, err.id].filter(Boolean).join(' '));
    form.errors[name] = { el: err, input };
    return h('div', { class: 'field' }, h('label', { htmlFor: id, text: label }), input, hintEl, err);
  }

  build() {
    const login = h('form', { class: 'auth-form', id: 'login-form', noValidate: false, attrs: { 'aria-label': 'Log in' } });
    login.errors = {};
    login.formError = h('p', { class: 'form-error', id: 'login-error', attrs: { role: 'alert' }, hidden: true });
    login.append(
      this.field(login, 'login', 'handle', 'Handle',
        h('input', { type: 'text', autocomplete: 'username', required: true, spellcheck: false, attrs: { autocapitalize: 'none' } })),
      this.field(login, 'login', 'password', 'Password',
        h('input', { type: 'password', autocomplete: 'current-password', required: true })),
      login.formError,
      h('button', { type: 'submit', class: 'btn primary wide', text: 'Log in' }),
    );
    login.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submitLogin(login);
    });

    const reg = h('form', { class: 'auth-form', id: 'register-form', hidden: true, attrs: { 'aria-label': 'Create account' } });
    reg.errors = {};
    reg.formError = h('p', { class: 'form-error', id: 'register-error', attrs: { role: 'alert' }, hidden: true });
    const team = h('select', { required: true },
      h('option', { value: 'sales', text: 'Sales' }),
      h('option', { value: 'marketing', text: 'Marketing' }),
      h('option', { value: 'other', text: 'Other' }));
    this.inviteLabel = null;
    const inviteField = this.field(reg, 'reg', 'invite', 'Invite code',
      h('input', { type: 'text', autocomplete: 'off', spellcheck: false, attrs: { autocapitalize: 'none' } }),
      'Optional on this server.');
    this.inviteHint = inviteField.querySelector('.field-hint');
    this.inviteInput = reg.errors.invite.input;
    reg.append(
      this.field(reg, 'reg', 'handle', 'Handle',
        h('input', { type: 'text', autocomplete: 'username', required: true, spellcheck: false, minLength: 2, maxLength: 32, attrs: { autocapitalize: 'none' } }),
        '2–32 characters: lowercase letters, digits, dot, dash, underscore.'),
      this.field(reg, 'reg', 'display_name', 'Display name',
        h('input', { type: 'text', autocomplete: 'name', required: true, maxLength: 64 })),
      this.field(reg, 'reg', 'team', 'Team', team),
      this.field(reg, 'reg', 'password', 'Password',
        h('input', { type: 'password', autocomplete: 'new-password', required: true, minLength: 10 }),
        'At least 10 characters, not your handle.'),
      inviteField,
      reg.formError,
      h('button', { type: 'submit', class: 'btn primary wide', text: 'Create account' }),
    );
    reg.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submitRegister(reg);
    });

    this.forms = { login, register: reg };
    this.tabs = {
      login: this.tab('login', 'Log in'),
      register: this.tab('register', 'Create account'),
    };
    const tablist = h('div', { class: 'tabs', attrs: { role: 'tablist', 'aria-label': 'Account' } },
      this.tabs.login, this.tabs.register);
    tablist.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
      const next = this.mode === 'login' ? 'register' : 'login';
      this.setMode(next);
      this.tabs[next].focus();
    });
    login.setAttribute('role', 'tabpanel');
    reg.setAttribute('role', 'tabpanel');
    login.setAttribute('aria-labelledby', 'tab-login');
    reg.setAttribute('aria-labelledby', 'tab-register');

    this.noticeEl = h('p', { class: 'notice', attrs: { role: 'status' }, hidden: true });
    this.connEl = h('p', { class: 'auth-conn', attrs: { role: 'status' } });

    return h('div', { class: 'auth' },
      h('main', { class: 'auth-card' },
        h('div', { class: 'brand brand-lg' }, h('span', { class: 'logo', attrs: { 'aria-hidden': 'true' } }), h('span', { text: 'Tandem' })),
        h('h1', { class: 'auth-title', text: 'Sales and marketing, one conversation.' }),
        this.noticeEl,
        tablist, login, reg,
        this.connEl));
  }

  tab(mode, label) {
    return h('button', {
      type: 'button', class: 'tab', id: `tab-${mode}`, text: label,
      attrs: { role: 'tab', 'aria-controls': `${mode === 'login' ? 'login' : 'register'}-form` },
      on: { click: () => this.setMode(mode) },
    });
  }

  setMode(mode) {
    this.mode = mode;
    for (const [m, tab] of Object.entries(this.tabs)) {
      tab.setAttribute('aria-selected', String(m === mode));
      tab.tabIndex = m === mode ? 0 : -1;
      this.forms[m].hidden = m !== mode;
    }
  }

  clearErrors(form) {
    form.formError.hidden = true;
    form.formError.textContent = '';
    for (const { el, input } of Object.values(form.errors)) {
      el.hidden = true;
      el.textContent = '';
      input.removeAttribute('aria-invalid');
    }
  }

  showError(form, err) {
    let field = FIELD_OF_CODE[err.code] || null;
    if (!field && err.code === 'bad_request') field = fieldOfMessage(err.message);
    const target = field && form.errors[field];
    if (target) {
      target.el.textContent = friendly(err);
      target.el.hidden = false;
      target.el.dataset.code = err.code;
      target.input.setAttribute('aria-invalid', 'true');
      target.input.focus();
    } else {
      form.formError.textContent = friendly(err);
      form.formError.dataset.code = err.code;
      form.formError.hidden = false;
    }
  }

  async busy(form, fn) {
    const button = form.querySelector('button[type=submit]');
    this.clearErrors(form);
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await fn();
    } catch (err) {
      this.showError(form, err);
    } finally {
      button.disabled = false;
      form.removeAttribute('aria-busy');
    }
  }

  submitLogin(form) {
    const handle = form.errors.handle.input.value.trim();
    const password = form.errors.password.input.value;
    return this.busy(form, async () => {
      await this.session.login(handle, password);
      form.reset();
    });
  }

  submitRegister(form) {
    const v = (name) => form.errors[name].input.value;
    const fields = {
      handle: v('handle').trim(),
      display_name: v('display_name').trim(),
      team: v('team'),
      password: v('password'),
    };
    const invite = v('invite').trim();
    if (invite) fields.invite = invite;
    return this.busy(form, async () => {
      await this.session.register(fields);
      form.reset();
    });
  }

  render() {
    if (!this.modeSet) {
      this.modeSet = true;
      this.setMode(this.mode);
    }
    const info = this.store.server;
    const needsInvite = !!(info && info.needs_invite);
    this.inviteInput.required = needsInvite;
    this.inviteHint.textContent = needsInvite
      ? 'Required: ask an admin for an invite code.'
      : 'Optional on this server.';
    const notice = this.session.notice;
    this.noticeEl.hidden = !notice;
    this.noticeEl.textContent = notice || '';
    const { state } = this.store.conn;
    const ready = state === 'open';
    this.connEl.textContent = ready ? '' : 'Connecting to the server…';
    this.connEl.hidden = ready;
  }
}

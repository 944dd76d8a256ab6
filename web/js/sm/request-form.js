// sm/request-form.js: the "New request" form. Choosing a kind pre-fills the
// title and the body with that kind's template (request.templates) unless
// the person already wrote their own; filing opens the new request.

import { h, replace } from '../dom.js';
import {
  REQUEST_KINDS, STAGES, PRIORITIES, field, select, input, errText, nonce, learn, openRecordConv,
} from './common.js';

export class RequestForm {
  // ctx: {session, actions}; onDone(): the form closes.
  constructor(ctx, onDone) {
    this.ctx = ctx;
    this.onDone = onDone;
    this.templates = new Map(); // kind -> {title, body}
    this.filled = { title: '', body: '' }; // what the template put there
    this.nonce = nonce();
    this.el = this.build();
  }

  build() {
    this.kind = select('rq-kind', REQUEST_KINDS, 'case_study');
    this.kind.addEventListener('change', () => this.applyTemplate());
    this.title = input('rq-title', 'text', { required: true, maxLength: 200 });
    this.body = h('textarea', { id: 'rq-body', rows: 6, required: true });
    this.account = input('rq-account', 'text', { maxLength: 120 });
    this.deal = input('rq-deal', 'text', { maxLength: 120 });
    this.stage = select('rq-stage', STAGES, 'none');
    this.value = input('rq-value', 'number', { min: 0, step: 1, value: '0' });
    this.due = input('rq-due', 'date');
    this.priority = select('rq-priority', PRIORITIES, 'normal');
    this.error = h('p', { class: 'form-error', attrs: { role: 'alert' }, hidden: true });
    this.submit = h('button', { type: 'submit', class: 'btn primary', text: 'File request' });
    return h('form', {
      class: 'sm-form', id: 'request-form', attrs: { 'aria-label': 'New request' },
      on: { submit: (e) => { e.preventDefault(); this.file(); } },
    },
    h('div', { class: 'sm-grid' }, field('Kind', this.kind), field('Priority', this.priority),
      field('Needed by', this.due)),
    field('Title', this.title),
    field('What do you need, and why?', this.body, 'The questions marketing always asks are filled in: answer them.'),
    h('div', { class: 'sm-grid' }, field('Account', this.account), field('Deal', this.deal),
      field('Stage', this.stage), field('Deal value', this.value)),
    this.error,
    h('div', { class: 'sm-form-actions' }, this.submit,
      h('button', { type: 'button', class: 'btn', text: 'Cancel', on: { click: () => this.onDone() } })));
  }

  async open() {
    this.title.focus();
    if (this.templates.size) return;
    try {
      const res = await this.ctx.session.call('request.templates');
      for (const t of res.templates || []) this.templates.set(t.kind, t);
      this.applyTemplate();
    } catch {
      // Without templates the form still works.
    }
  }

  // Replace the title and body with the kind's template, unless edited.
  applyTemplate() {
    const t = this.templates.get(this.kind.value);
    if (!t) return;
    if (this.title.value === this.filled.title) this.title.value = t.title;
    if (this.body.value === this.filled.body) this.body.value = t.body;
    this.filled = { title: t.title, body: t.body };
  }

  fields() {
    const f = {
      kind: this.kind.value, title: this.title.value.trim(), body: this.body.value,
      account: this.account.value.trim(), deal: this.deal.value.trim(), stage: this.stage.value,
      value: Number(this.value.value) || 0, priority: this.priority.value, nonce: this.nonce,
    };
    // A date means the end of that day, local time.
    if (this.due.value) f.due = new Date(`${this.due.value}T23:59:59`).getTime();
    return f;
  }

  async file() {
    this.error.hidden = true;
    this.submit.disabled = true;
    try {
      const res = await this.ctx.session.call('request.create', this.fields());
      learn('request', res.request);
      this.reset();
      this.onDone();
      openRecordConv(this.ctx, res.request.conv);
    } catch (err) {
      replace(this.error, errText(err));
      this.error.dataset.code = err.code || '';
      this.error.hidden = false;
    } finally {
      this.submit.disabled = false;
    }
  }

  reset() {
    this.el.reset();
    this.kind.value = 'case_study';
    this.priority.value = 'normal';
    this.stage.value = 'none';
    this.value.value = '0';
    this.filled = { title: '', body: '' };
    this.nonce = nonce();
    this.applyTemplate();
  }
}

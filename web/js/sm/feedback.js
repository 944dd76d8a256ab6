// sm/feedback.js: the Feedback page (#/feedback): the inbox with filters
// (kind, status, account, competitor, dates) and sorts (votes, deal value,
// newest), "me too" on each item, and the form to file feedback. Items
// follow feedback.update live; #/feedback/<id> opens that item's
// conversation (with its panel beside it).

import { h, replace } from '../dom.js';
import {
  FEEDBACK_KINDS, FEEDBACK_STATUSES, STAGES, label, money, date, field, select, input,
  errText, pageHead, nonce, learn, openRecordConv, Kept, repaint, filterBox,
} from './common.js';
import { voteForm } from './vote.js';

const SORTS = ['votes', 'value', 'newest'];
const SORT_LABEL = { votes: 'Most votes', value: 'Deal value', newest: 'Newest' };

export class FeedbackPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.title = 'Feedback';
    this.items = [];
    this.loaded = false;
    this.error = '';
    this.voting = null; // id of the item whose "me too" form is open
    this.fresh = new Set(); // ids that arrived live since the page was shown
    this.kept = new Kept(); // the open "me too" form
    this.nonce = nonce();
    this.el = this.build();
    this.unlisten = ctx.session.listen((event, data) => this.onEvent(event, data));
  }

  destroy() {
    this.unlisten();
    clearTimeout(this.refetchTimer);
  }

  build() {
    const change = () => this.load();
    this.kind = select('fb-f-kind', FEEDBACK_KINDS, '', 'Any kind');
    this.status = select('fb-f-status', FEEDBACK_STATUSES, '', 'Any status');
    this.account = input('fb-f-account', 'search', { placeholder: 'Any account' });
    this.competitor = input('fb-f-competitor', 'search', { placeholder: 'Any competitor' });
    this.after = input('fb-f-after', 'date');
    this.before = input('fb-f-before', 'date');
    this.sort = h('select', { id: 'fb-f-sort' }, SORTS.map((s) => h('option', { value: s, text: SORT_LABEL[s] })));
    for (const el of [this.kind, this.status, this.sort, this.account, this.competitor, this.after, this.before]) {
      el.addEventListener('change', change);
    }
    this.newBtn = h('button', {
      type: 'button', class: 'btn primary', id: 'new-feedback', text: 'New feedback',
      on: { click: () => this.showForm(true) },
    });
    this.form = this.buildForm();
    this.formWrap = h('section', { class: 'sm-card sm-form-wrap', hidden: true },
      h('h2', { class: 'sm-h2', text: 'What did the customer say?' }), this.form);
    this.listEl = h('ul', { class: 'sm-inbox', id: 'feedback-inbox', attrs: { 'aria-live': 'polite' } });
    return h('main', { class: 'sm-page', id: 'feedback-page', attrs: { 'aria-label': 'Feedback' } },
      pageHead(this.ctx.actions, 'Feedback', this.newBtn),
      h('div', { class: 'sm-scroll' }, this.formWrap,
        filterBox('Filter feedback',
          field('Kind', this.kind), field('Status', this.status), field('Account', this.account),
          field('Competitor', this.competitor), field('Filed after', this.after),
          field('Filed before', this.before), field('Sort', this.sort)),
        this.listEl));
  }

  buildForm() {
    const f = {
      kind: select('fb-kind', FEEDBACK_KINDS, 'pain_point'),
      body: h('textarea', { id: 'fb-body', rows: 4, required: true }),
      title: input('fb-title', 'text', { maxLength: 200, placeholder: 'Default: the first line' }),
      account: input('fb-account', 'text', { maxLength: 120 }),
      competitor: input('fb-competitor', 'text', { maxLength: 120 }),
      stage: select('fb-stage', STAGES, 'none'),
      value: input('fb-value', 'number', { min: 0, step: 1, value: '0' }),
    };
    this.fields = f;
    this.formError = h('p', { class: 'form-error', attrs: { role: 'alert' }, hidden: true });
    return h('form', {
      class: 'sm-form', id: 'feedback-form',
      on: { submit: (e) => { e.preventDefault(); this.file(); } },
    },
    field('Kind', f.kind),
    field('Their words', f.body),
    field('Title', f.title),
    h('div', { class: 'sm-grid' }, field('Account', f.account), field('Competitor', f.competitor),
      field('Stage', f.stage), field('Deal value', f.value)),
    this.formError,
    h('div', { class: 'sm-form-actions' },
      h('button', { type: 'submit', class: 'btn primary', text: 'File feedback' }),
      h('button', { type: 'button', class: 'btn', text: 'Cancel', on: { click: () => this.showForm(false) } })));
  }

  showForm(on) {
    this.formWrap.hidden = !on;
    this.newBtn.hidden = on;
    if (on) this.fields.body.focus();
  }

  async file() {
    const f = this.fields;
    const fields = {
      kind: f.kind.value, body: f.body.value, account: f.account.value.trim(),
      competitor: f.competitor.value.trim(), stage: f.stage.value, value: Number(f.value.value) || 0,
      nonce: this.nonce,
    };
    if (f.title.value.trim()) fields.title = f.title.value.trim();
    this.formError.hidden = true;
    try {
      const res = await this.ctx.session.call('feedback.create', fields);
      learn('feedback', res.feedback);
      this.nonce = nonce();
      this.form.reset();
      f.kind.value = 'pain_point';
      f.stage.value = 'none';
      this.showForm(false);
      this.ctx.actions.toast(`Filed feedback #${res.feedback.id}`);
      this.load();
    } catch (err) {
      this.formError.textContent = errText(err);
      this.formError.dataset.code = err.code || '';
      this.formError.hidden = false;
    }
  }

  async show(arg) {
    if (arg !== null && /^\d+$/.test(arg)) {
      // Back from the item's conversation leads to the inbox, not here.
      history.replaceState(null, '', '#/feedback');
      try {
        const res = await this.ctx.session.call('feedback.get', { feedback: Number(arg) });
        learn('feedback', res.feedback);
        openRecordConv(this.ctx, res.feedback.conv);
      } catch (err) {
        this.ctx.actions.toast(`Feedback #${arg}: ${errText(err)}`);
        this.load();
      }
      return;
    }
    this.fresh.clear();
    this.load();
  }

  query() {
    const q = { sort: this.sort.value, limit: 100 };
    if (this.kind.value) q.kind = this.kind.value;
    if (this.status.value) q.status = this.status.value;
    if (this.account.value.trim()) q.account = this.account.value.trim();
    if (this.competitor.value.trim()) q.competitor = this.competitor.value.trim();
    // Whole local days: after the start of "after", before the end of "before".
    if (this.after.value) q.created_after = new Date(`${this.after.value}T00:00:00`).getTime() - 1;
    if (this.before.value) q.created_before = new Date(`${this.before.value}T23:59:59.999`).getTime() + 1;
    return q;
  }

  async load() {
    const seq = (this.loadSeq = (this.loadSeq || 0) + 1);
    try {
      const res = await this.ctx.session.call('feedback.list', this.query());
      if (seq !== this.loadSeq) return;
      this.items = res.feedback || [];
      this.more = !!res.more;
      for (const f of this.items) learn('feedback', f);
      this.error = '';
    } catch (err) {
      if (seq !== this.loadSeq) return;
      this.error = errText(err);
    }
    this.loaded = true;
    this.paint();
  }

  onEvent(event, data) {
    if (event !== 'feedback.update' || !data.feedback) return;
    learn('feedback', data.feedback);
    if (data.change === 'created' && data.by !== this.ctx.store.me.id) this.fresh.add(data.feedback.id);
    if (!this.el.isConnected) return;
    clearTimeout(this.refetchTimer);
    this.refetchTimer = setTimeout(() => this.load(), 120);
  }

  render(topics) {
    if (topics.has('synced')) this.load();
  }

  paint() {
    if (this.error) {
      replace(this.listEl, h('li', { class: 'form-error', text: this.error }));
      return;
    }
    if (!this.loaded) {
      replace(this.listEl, h('li', { class: 'muted', text: 'Loading…' }));
      return;
    }
    if (!this.items.length) {
      replace(this.listEl, h('li', { class: 'sm-empty muted', text: 'No feedback matches.' }));
      return;
    }
    repaint(this.listEl, this.items.map((f) => this.row(f)),
      this.more ? h('li', { class: 'muted sm-more', text: 'Only the first 100 are shown: narrow the filters to see the rest.' }) : null);
  }

  row(f) {
    const { store, actions } = this.ctx;
    const mine = f.author === store.me.id;
    const canVote = !mine && f.status !== 'closed';
    return h('li', { class: ['sm-fb', this.fresh.has(f.id) ? 'is-fresh' : null], data: { id: f.id, status: f.status } },
      h('div', { class: 'sm-fb-votes', attrs: { 'aria-label': `${f.votes} votes` } },
        h('span', { class: 'sm-fb-count', text: String(f.votes) }), h('span', { class: 'muted', text: f.votes === 1 ? 'vote' : 'votes' })),
      h('div', { class: 'sm-fb-main' },
        h('div', { class: 'sm-rcard-top' },
          h('span', { class: 'sm-kind', text: label(f.kind) }),
          h('span', { class: ['sm-status', `st-${f.status}`], text: label(f.status) }),
          this.fresh.has(f.id) ? h('span', { class: 'sm-new', text: 'Just in' }) : null,
          h('span', { class: 'sm-id', text: `#${f.id}` })),
        h('a', {
          class: 'sm-fb-title', href: `#/c/${f.conv}`, text: f.title,
          on: { click: (e) => { e.preventDefault(); openRecordConv(this.ctx, f.conv); } },
        }),
        h('div', { class: 'sm-fb-meta muted' },
          h('span', { text: store.userName(f.author) }),
          f.account ? h('span', { class: 'sm-account', text: f.account }) : null,
          f.competitor ? h('span', { class: 'sm-competitor', text: `vs ${f.competitor}` }) : null,
          h('span', { text: `${money(f.value_total)} at stake` }),
          h('span', { text: date(f.created_at) })),
        this.voting === f.id && canVote ? this.kept.get(`vote:${f.id}`, () => voteForm(this.ctx, f, () => {
          this.voting = null;
          this.kept.clear();
          this.load();
        }, 'inbox-vote')) : null),
      h('div', { class: 'sm-fb-actions' },
        canVote && !f.voted ? h('button', {
          type: 'button', class: 'btn small', text: 'Me too', data: { metoo: f.id },
          on: { click: () => { this.voting = this.voting === f.id ? null : f.id; this.paint(); this.focusVote(f.id); } },
        }) : null,
        f.voted ? h('span', { class: 'sm-voted', text: 'You voted' }) : null));
  }

  focusVote(id) {
    this.listEl.querySelector(`.sm-vote[data-feedback="${id}"] input`)?.focus();
  }
}

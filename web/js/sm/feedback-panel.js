// sm/feedback-panel.js: the panel beside a feedback item's conversation:
// its facts, the votes (who, which account, how much it matters), "me
// too" and taking the vote back, the status moves marketers may make, and
// "turn into a content request" in one step. It follows feedback.update.

import { h, replace } from '../dom.js';
import {
  FEEDBACK_STATUSES, WEIGHTS, label, isMarketer, money, date, errText, recordFor, learn, fact, nonce, openRecordConv, Kept, repaint, panelFrame, loadHistoryOf,
} from './common.js';
import { voteForm } from './vote.js';

export class FeedbackPanel {
  constructor(ctx, conv) {
    this.ctx = ctx;
    this.conv = conv;
    this.item = null;
    this.error = '';
    this.kept = new Kept();
    ({ el: this.el, body: this.body } = panelFrame('feedback-panel', 'Feedback details'));
    this.unlisten = ctx.session.listen((event, data) => this.onEvent(event, data));
    loadHistoryOf(ctx, conv);
    this.load();
  }

  destroy() {
    this.unlisten();
  }

  async load() {
    const { session } = this.ctx;
    try {
      if (!this.id) this.id = await recordFor(session, this.conv);
      if (!this.id) throw new Error('This conversation belongs to no feedback item we can find.');
      const res = await session.call('feedback.get', { feedback: this.id });
      learn('feedback', res.feedback);
      this.item = res.feedback;
      this.error = '';
    } catch (err) {
      this.error = errText(err);
    }
    this.paint();
  }

  onEvent(event, data) {
    if ((event === 'feedback.update' || event === 'feedback.status') && data.feedback && data.feedback.id === this.id) this.load();
  }

  render(topics) {
    if (topics.has('synced')) this.load();
    else if (topics.has('users') || topics.has('all')) this.paint();
  }

  // Run one call (one at a time), then show the item afresh. Returns the
  // result, or null after showing the error.
  async act(op, fields) {
    if (this.busy) return null;
    this.busy = true;
    try {
      const res = await this.ctx.session.call(op, { feedback: this.id, ...fields });
      this.error = '';
      await this.load();
      return res;
    } catch (err) {
      this.error = errText(err);
      this.paint();
      return null;
    } finally {
      this.busy = false;
    }
  }

  // File a content request from this item and open it.
  async toRequest() {
    this.toRequestNonce = this.toRequestNonce || nonce();
    const res = await this.act('feedback.to_request', { nonce: this.toRequestNonce });
    if (!res) return;
    this.toRequestNonce = null;
    learn('request', res.request);
    openRecordConv(this.ctx, res.request.conv);
  }

  paint() {
    const f = this.item;
    if (!f) {
      replace(this.body, this.error
        ? h('p', { class: 'form-error', attrs: { role: 'alert' }, text: this.error })
        : h('p', { class: 'muted sm-pad', text: 'Loading feedback…' }));
      return;
    }
    const { store } = this.ctx;
    const me = store.me;
    const later = FEEDBACK_STATUSES.slice(FEEDBACK_STATUSES.indexOf(f.status) + 1);
    const canVote = f.author !== me.id && f.status !== 'closed';
    repaint(this.body,
      h('header', { class: 'sm-panel-head' },
        h('div', { class: 'sm-kind', text: `${label(f.kind)} · #${f.id}` }),
        h('h2', { class: 'sm-panel-title', text: f.title }),
        h('span', { class: ['sm-status', `st-${f.status}`], id: 'feedback-status', text: label(f.status) })),
      this.error ? h('p', { class: 'form-error', attrs: { role: 'alert' }, text: this.error }) : null,
      h('blockquote', { class: 'sm-quote', text: f.body }),
      isMarketer(me) && later.length ? h('div', { class: 'sm-moves', attrs: { role: 'group', 'aria-label': 'Change status' } },
        later.map((s) => h('button', {
          type: 'button', class: 'btn small', text: label(s), data: { to: s },
          on: { click: () => this.act('feedback.status', { status: s }) },
        }))) : null,
      h('div', { class: 'sm-moves' }, h('button', {
        type: 'button', class: 'btn small primary', id: 'feedback-to-request', text: 'Turn into a content request',
        on: { click: () => this.toRequest() },
      })),
      h('div', { class: 'sm-facts' },
        fact('Filed by', `${store.userName(f.author)}, ${date(f.created_at)}`),
        fact('Account', f.account || '—'),
        fact('Competitor', f.competitor || '—'),
        fact('Stage', label(f.stage)),
        fact('Deal value', money(f.value)),
        fact('Value affected', money(f.value_total), 'feedback-value-total'),
        fact('Accounts', (f.accounts || []).join(', ') || '—')),
      h('section', { class: 'sm-sec', id: 'feedback-votes' },
        h('h3', { text: `Me too (${f.votes})` }),
        h('p', { class: 'muted' }, WEIGHTS.map((w) => `${label(w)}: ${(f.weights || {})[w] || 0}`).join(' · ')),
        h('ul', { class: 'sm-plain' }, (f.vote_list || []).map((v) => h('li', { class: 'sm-vote-row' },
          h('strong', { text: store.userName(v.user) }), ` ${label(v.weight)}`,
          v.account ? ` · ${v.account}` : '', v.value ? ` · ${money(v.value)}` : ''))),
        canVote ? this.kept.get(`vote:${f.id}`, () => voteForm(this.ctx, f, () => { this.kept.clear(); this.load(); }, 'panel-vote')) : null,
        f.voted && f.status !== 'closed' ? h('button', {
          type: 'button', class: 'btn small', text: 'Take my vote back',
          on: { click: () => this.act('feedback.unvote', {}) },
        }) : null),
      f.requests && f.requests.length ? h('section', { class: 'sm-sec' },
        h('h3', { text: 'Content requests' }),
        h('ul', { class: 'sm-plain' }, f.requests.map((id) => h('li', null,
          h('a', { href: `#/requests/${id}`, text: `Request #${id}` }))))) : null);
  }
}

// sm/request-panel.js: the panel beside a request's conversation: its
// facts and SLA clocks, the moves of the lifecycle THIS viewer may make,
// assignment, priority and date, watchers, the delivery form and the
// asset, verdicts and the verdict form, and linked feedback. It follows
// request.update live.

import { h, replace } from '../dom.js';
import {
  VERDICTS, PRIORITIES, label, isMarketer, money, date, dateTime, safeLink, field, select, input, errText, isoDay,
  recordFor, learn, fact, Kept, repaint, panelFrame, loadHistoryOf,
} from './common.js';
import { slaRows, syncClock } from './sla.js';

const TICK_MS = 30000;
const WORKING = ['accepted', 'in_progress', 'in_review', 'reopened'];
const OPEN = ['new', 'accepted', 'in_progress', 'waiting_on_requester', 'in_review', 'reopened'];
const MOVE_LABEL = {
  accepted: 'Accept', declined: 'Decline…', in_progress: 'Start work', in_review: 'Send to review',
  waiting_on_requester: 'Wait on requester', waiting_on_marketing: 'Back to marketing',
  closed: 'Close', reopened: 'Reopen',
};

// The lifecycle moves (PROTOCOL.md, Content requests) open to this viewer.
export function movesFor(req, me) {
  const m = isMarketer(me);
  const r = req.requester === me.id;
  const s = req.status;
  const out = [];
  if (m && (s === 'new' || s === 'reopened')) out.push('accepted');
  if (m && (s === 'accepted' || s === 'in_review' || s === 'reopened')) out.push('in_progress');
  if (m && s === 'in_progress') out.push('in_review');
  if (m && WORKING.includes(s)) out.push('waiting_on_requester');
  if ((m || r) && s === 'waiting_on_requester') out.push('waiting_on_marketing');
  if (((m || r) && s === 'delivered') || (r && OPEN.includes(s))) out.push('closed');
  if ((m || r) && (s === 'delivered' || s === 'closed')) out.push('reopened');
  if (m && (s === 'new' || s === 'accepted')) out.push('declined');
  return out;
}

export class RequestPanel {
  constructor(ctx, conv) {
    this.ctx = ctx;
    this.conv = conv;
    this.req = null;
    this.error = '';
    this.declining = false;
    this.editing = false; // the priority-and-date box is open
    this.kept = new Kept();
    ({ el: this.el, body: this.body } = panelFrame('request-panel', 'Request details'));
    this.unlisten = ctx.session.listen((event, data) => this.onEvent(event, data));
    loadHistoryOf(ctx, conv);
    // The SLA clocks count down while the panel is open.
    this.tick = setInterval(() => syncClock(ctx.session).then(() => this.paint()), TICK_MS);
    this.load();
  }

  destroy() {
    this.unlisten();
    clearInterval(this.tick);
  }

  async load() {
    const { session } = this.ctx;
    try {
      if (!this.id) this.id = await recordFor(session, this.conv);
      if (!this.id) throw new Error('This conversation belongs to no request we can find.');
      await syncClock(session);
      const res = await session.call('request.get', { request: this.id });
      learn('request', res.request);
      this.req = res.request;
      this.error = '';
    } catch (err) {
      this.error = errText(err);
    }
    this.paint();
  }

  onEvent(event, data) {
    const id = this.id;
    if (!id) return;
    if ((event === 'request.update' || event === 'request.delivered') && data.request && data.request.id === id) this.load();
    else if ((event === 'member.join' || event === 'member.leave') && Number(data.conv?.id ?? data.conv) === this.conv.id) this.load();
  }

  render(topics) {
    if (topics.has('synced')) this.load();
    else if (topics.has('users') || topics.has('all')) this.paint();
  }

  // Run one call, then show the request afresh; errors show inline. One
  // at a time: a double click does not move a request twice.
  async act(op, fields) {
    if (this.busy) return;
    this.busy = true;
    this.error = '';
    try {
      await this.ctx.session.call(op, { request: this.id, ...fields });
      this.declining = false;
      this.kept.clear();
      await this.load();
    } catch (err) {
      this.error = errText(err);
      this.paint();
    } finally {
      this.busy = false;
    }
  }

  paint() {
    const r = this.req;
    if (!r) {
      replace(this.body, this.error
        ? h('p', { class: 'form-error', attrs: { role: 'alert' }, text: this.error })
        : h('p', { class: 'muted sm-pad', text: 'Loading request…' }));
      return;
    }
    const { store } = this.ctx;
    repaint(this.body,
      h('header', { class: 'sm-panel-head' },
        h('div', { class: 'sm-kind', text: `${label(r.kind)} · #${r.id}` }),
        h('h2', { class: 'sm-panel-title', text: r.title }),
        h('span', { class: ['sm-status', `st-${r.status}`], id: 'request-status', text: label(r.status) }),
        r.reason ? h('p', { class: 'sm-reason', text: `Reason: ${r.reason}` }) : null),
      this.error ? h('p', { class: 'form-error', attrs: { role: 'alert' }, text: this.error }) : null,
      this.movesEl(r),
      h('div', { class: 'sm-facts' },
        slaRows(r),
        fact('Requester', store.userName(r.requester)),
        fact('Assignee', r.assignee ? store.userName(r.assignee) : 'Unassigned', 'request-assignee'),
        fact('Priority', label(r.priority)),
        fact('Needed by', date(r.due)),
        fact('Account', r.account || '—'),
        fact('Deal', r.deal || '—'),
        fact('Stage', label(r.stage)),
        fact('Deal value', money(r.value))),
      this.assignEl(r),
      this.editEl(r),
      this.assetEl(r),
      this.deliverEl(r),
      this.verdictsEl(r),
      this.watchersEl(r),
      r.feedback && r.feedback.length ? h('section', { class: 'sm-sec' },
        h('h3', { text: 'From feedback' }),
        h('ul', { class: 'sm-plain' }, r.feedback.map((id) => h('li', null,
          h('a', { href: `#/feedback/${id}`, text: `Feedback #${id}` }))))) : null);
  }

  movesEl(r) {
    const moves = movesFor(r, this.ctx.store.me);
    if (!moves.length) return null;
    const buttons = moves.map((to) => h('button', {
      type: 'button', class: ['btn', 'small', to === 'accepted' || to === 'in_progress' ? 'primary' : null],
      text: MOVE_LABEL[to], data: { to },
      on: { click: () => (to === 'declined' ? this.askReason() : this.act('request.move', { status: to })) },
    }));
    let reasonForm = null;
    if (this.declining) {
      const reason = this.kept.get('reason', () => input('rq-decline-reason', 'text', { maxLength: 500, required: true }));
      reasonForm = h('form', {
        class: 'sm-inline-form',
        on: { submit: (e) => { e.preventDefault(); this.act('request.move', { status: 'declined', reason: reason.value.trim() }); } },
      }, field('Why decline?', reason), h('button', { type: 'submit', class: 'btn small danger', text: 'Decline' }));
    }
    return h('div', { class: 'sm-moves', attrs: { role: 'group', 'aria-label': 'Change status' } }, buttons, reasonForm);
  }

  askReason() {
    this.declining = true;
    this.paint();
    this.el.querySelector('#rq-decline-reason')?.focus();
  }

  assignEl(r) {
    const { store } = this.ctx;
    if (!isMarketer(store.me) || r.status === 'closed' || r.status === 'declined') return null;
    const marketers = [...store.users.values()].filter(isMarketer)
      .sort((a, b) => store.userName(a.id).localeCompare(store.userName(b.id)));
    const pick = h('select', { id: 'rq-assignee' },
      h('option', { value: '0', text: 'Nobody' }),
      marketers.map((u) => h('option', { value: String(u.id), text: store.userName(u.id) })));
    pick.value = String(r.assignee || 0);
    return h('section', { class: 'sm-sec' },
      h('h3', { text: 'Assign' }),
      h('div', { class: 'sm-row' }, pick,
        h('button', { type: 'button', class: 'btn small', text: 'Assign', on: { click: () => this.act('request.assign', { assignee: Number(pick.value) }) } }),
        r.assignee !== store.me.id ? h('button', {
          type: 'button', class: 'btn small', text: 'Assign to me',
          on: { click: () => this.act('request.assign', { assignee: store.me.id }) },
        }) : null));
  }

  // The requester or a marketer changes the priority (the SLA clocks follow)
  // or the date it is needed by.
  editEl(r) {
    const me = this.ctx.store.me;
    if ((r.requester !== me.id && !isMarketer(me)) || r.status === 'closed' || r.status === 'declined') return null;
    // Keyed by the current values: a change by someone else starts afresh.
    const priority = this.kept.get(`priority:${r.priority}`, () => select('rq-edit-priority', PRIORITIES, r.priority));
    const due = this.kept.get(`due:${r.due}`, () => input('rq-edit-due', 'date', { value: r.due ? isoDay(r.due) : '' }));
    const save = () => {
      const fields = {};
      if (priority.value !== r.priority) fields.priority = priority.value;
      const ms = due.value ? new Date(`${due.value}T23:59:59`).getTime() : 0;
      if ((r.due ? isoDay(r.due) : '') !== due.value) fields.due = ms;
      if (Object.keys(fields).length) this.act('request.update', fields);
    };
    return h('details', {
      class: 'sm-sec', id: 'request-edit', open: this.editing,
      on: { toggle: (e) => { this.editing = e.target.open; } },
    },
      h('summary', { text: 'Change priority or date' }),
      h('div', { class: 'sm-row' }, field('Priority', priority), field('Needed by', due),
        h('button', { type: 'button', class: 'btn small', text: 'Save', on: { click: save } })));
  }

  assetEl(r) {
    if (!r.asset) return null;
    const a = r.asset;
    return h('section', { class: 'sm-sec sm-asset', id: 'request-asset' },
      h('h3', { text: 'Delivered asset' }),
      h('p', { class: 'sm-asset-link' }, safeLink(a.url)),
      a.note ? h('p', { class: 'sm-note', text: a.note }) : null,
      h('p', { class: 'muted', text: `by ${this.ctx.store.userName(a.by)}, ${dateTime(a.delivered_at)}` }));
  }

  deliverEl(r) {
    if (!isMarketer(this.ctx.store.me) || !WORKING.includes(r.status)) return null;
    const url = this.kept.get('url', () => input('rq-deliver-url', 'url', { required: true, placeholder: 'https://…' }));
    const note = this.kept.get('note', () => h('textarea', { id: 'rq-deliver-note', rows: 2, maxLength: 2000 }));
    return h('form', {
      class: 'sm-sec', id: 'deliver-form',
      on: { submit: (e) => { e.preventDefault(); this.act('request.deliver', { url: url.value.trim(), note: note.value }); } },
    }, h('h3', { text: 'Deliver' }), field('Link to the asset', url), field('Note', note),
    h('button', { type: 'submit', class: 'btn small primary', text: 'Deliver' }));
  }

  verdictsEl(r) {
    const { store } = this.ctx;
    const me = store.me;
    const may = !!r.asset && (r.status === 'delivered' || r.status === 'closed')
      && (r.requester === me.id || me.team === 'sales');
    const counts = r.verdict_counts || {};
    const list = r.verdicts || [];
    if (!r.asset && !list.length) return null;
    let form = null;
    if (may) {
      const note = this.kept.get('vnote', () => input('rq-verdict-note', 'text', { maxLength: 2000, placeholder: 'What happened (optional)' }));
      const deal = this.kept.get('vdeal', () => input('rq-verdict-deal', 'text', { maxLength: 120, placeholder: 'Deal used in (optional)' }));
      form = h('div', { class: 'sm-verdict-form', id: 'verdict-form' },
        field('Note', note), field('Deal', deal),
        h('div', { class: 'sm-row', attrs: { role: 'group', 'aria-label': 'Did it help?' } }, VERDICTS.map((v) => h('button', {
          type: 'button', class: 'btn small', text: label(v), data: { verdict: v },
          on: { click: () => this.act('request.verdict', { verdict: v, note: note.value, deal: deal.value.trim() }) },
        }))));
    }
    return h('section', { class: 'sm-sec', id: 'request-verdicts' },
      h('h3', { text: 'Verdicts' }),
      h('p', { class: 'sm-verdict-counts' }, VERDICTS.map((v) => h('span', { class: ['sm-vcount', `v-${v}`], data: { verdict: v } },
        `${label(v)}: ${counts[v] || 0}`))),
      h('ul', { class: 'sm-plain' }, list.map((v) => h('li', { class: 'sm-verdict' },
        h('strong', { text: store.userName(v.user) }), ` ${label(v.verdict)}`,
        v.deal ? ` (deal: ${v.deal})` : '', v.note ? h('div', { class: 'sm-note', text: v.note }) : null))),
      form);
  }

  watchersEl(r) {
    const { store } = this.ctx;
    const watchers = r.watchers || [];
    const watching = watchers.includes(store.me.id);
    return h('section', { class: 'sm-sec' },
      h('h3', { text: `Watchers (${watchers.length})` }),
      h('ul', { class: 'sm-chips', id: 'request-watchers' }, watchers.map((id) => h('li', { class: 'sm-chip', text: store.userName(id) }))),
      r.requester === store.me.id ? null : h('button', {
        type: 'button', class: 'btn small', id: 'request-watch', text: watching ? 'Stop watching' : 'Watch',
        on: { click: () => this.act('request.watch', { watch: !watching }) },
      }));
  }
}

// sm/requests.js: the Requests page (#/requests): a board (a column per
// status) or a list of content requests, with filters and the server's
// sorts, and the "New request" form. Marketers start on the queue, reps on
// the requests they filed. Cards follow request.update live; #/requests/<id>
// opens that request's conversation (with its panel beside it).

import { h, replace } from '../dom.js';
import {
  REQUEST_KINDS, REQUEST_STATUSES, OPEN_STATUSES, label, isMarketer, money, date,
  select, input, field, errText, pageHead, learn, openRecordConv, filterBox,
} from './common.js';
import { slaChip, syncClock } from './sla.js';
import { RequestForm } from './request-form.js';

const TICK_MS = 10000; // SLA clocks count down: re-read the server clock
const SORTS = ['queue', 'due', 'newest'];
const SORT_HINT = {
  queue: 'The queue: at risk first, then by deal value',
  due: 'By needed-by date',
  newest: 'Newest filed first',
};
// The list's columns and the sort each one stands for.
const HEAD = [['#', 'newest'], ['Title', null], ['Kind', null], ['Status', null], ['Requester', null],
  ['Assignee', null], ['Due', 'due'], ['Value', 'queue'], ['SLA', null]];

export class RequestsPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.title = 'Requests';
    this.view = 'board';
    this.requests = []; // as the server ordered them
    this.loaded = false;
    this.error = '';
    this.defaulted = false;
    this.form = new RequestForm(ctx, () => this.showForm(false));
    this.el = this.build();
    this.unlisten = ctx.session.listen((event, data) => this.onEvent(event, data));
    this.tick = setInterval(() => this.clockTick(), TICK_MS);
  }

  destroy() {
    this.unlisten();
    clearInterval(this.tick);
    clearTimeout(this.refetchTimer);
  }

  build() {
    const change = () => this.load();
    this.scope = h('select', { id: 'rq-scope' },
      h('option', { value: 'mine', text: 'My requests' }),
      h('option', { value: 'assigned', text: 'Assigned to me' }),
      h('option', { value: 'unassigned', text: 'Unassigned' }),
      h('option', { value: 'all', text: 'All' }));
    this.status = select('rq-f-status', REQUEST_STATUSES, '', 'Open and delivered');
    this.kind = select('rq-f-kind', REQUEST_KINDS, '', 'Any kind');
    this.account = input('rq-f-account', 'search', { placeholder: 'Exact account name' });
    this.sort = select('rq-f-sort', SORTS, 'queue');
    for (const el of [this.scope, this.status, this.kind, this.sort]) el.addEventListener('change', change);
    this.account.addEventListener('change', change);
    this.viewBtns = ['board', 'list'].map((v) => h('button', {
      type: 'button', class: 'btn small', text: label(v), data: { view: v },
      attrs: { 'aria-pressed': String(this.view === v) },
      on: { click: () => { this.view = v; this.renderBody(); } },
    }));
    this.newBtn = h('button', {
      type: 'button', class: 'btn primary', text: 'New request', id: 'new-request',
      on: { click: () => this.showForm(true) },
    });
    this.formWrap = h('section', { class: 'sm-card sm-form-wrap', hidden: true },
      h('h2', { class: 'sm-h2', text: 'New content request' }), this.form.el);
    this.filters = filterBox('Filter requests',
      field('Show', this.scope), field('Status', this.status), field('Kind', this.kind),
      field('Account', this.account), field('Sort', this.sort));
    this.bodyEl = h('div', { class: 'sm-body', id: 'requests-body' });
    return h('main', { class: 'sm-page', id: 'requests-page', attrs: { 'aria-label': 'Requests' } },
      pageHead(this.ctx.actions, 'Requests',
        h('div', { class: 'sm-view-toggle', attrs: { role: 'group', 'aria-label': 'View' } }, this.viewBtns), this.newBtn),
      h('div', { class: 'sm-scroll' }, this.formWrap, this.filters, this.bodyEl));
  }

  showForm(on) {
    this.formWrap.hidden = !on;
    this.newBtn.hidden = on;
    if (on) this.form.open();
  }

  // Marketers start on everyone's queue, reps on their own requests.
  setDefaults() {
    if (this.defaulted || !this.ctx.store.me) return;
    this.defaulted = true;
    this.scope.value = isMarketer(this.ctx.store.me) ? 'all' : 'mine';
  }

  async show(arg) {
    this.setDefaults();
    if (arg !== null && /^\d+$/.test(arg)) {
      await this.openRecord(Number(arg));
      return;
    }
    syncClock(this.ctx.session);
    this.load();
  }

  // #/requests/<id>: open its conversation. The address is replaced by the
  // list's, so that Back leads to the list and not here again.
  async openRecord(id) {
    history.replaceState(null, '', '#/requests');
    try {
      const res = await this.ctx.session.call('request.get', { request: id });
      learn('request', res.request);
      openRecordConv(this.ctx, res.request.conv);
    } catch (err) {
      this.ctx.actions.toast(`Request #${id}: ${errText(err)}`);
      this.load();
    }
  }

  query(status) {
    const me = this.ctx.store.me.id;
    const q = { sort: this.sort.value, limit: 100 };
    if (status) q.status = status;
    if (this.kind.value) q.kind = this.kind.value;
    if (this.account.value.trim()) q.account = this.account.value.trim();
    if (this.scope.value === 'mine') q.user = me;
    if (this.scope.value === 'assigned') q.assignee = me;
    if (this.scope.value === 'unassigned') q.assignee = 0;
    return q;
  }

  // The open requests plus the delivered ones (they wait for verdicts),
  // or the one status chosen.
  async load() {
    const { session } = this.ctx;
    const seq = (this.loadSeq = (this.loadSeq || 0) + 1);
    try {
      const pages = this.status.value
        ? [await session.call('request.list', this.query(this.status.value))]
        : await Promise.all([session.call('request.list', this.query(null)),
          session.call('request.list', this.query('delivered'))]);
      if (seq !== this.loadSeq) return;
      this.requests = pages.flatMap((p) => p.requests || []);
      this.more = pages.some((p) => p.more);
      for (const r of this.requests) learn('request', r);
      this.error = '';
    } catch (err) {
      if (seq !== this.loadSeq) return;
      this.error = errText(err);
    }
    this.loaded = true;
    this.renderBody();
  }

  onEvent(event, data) {
    if (event !== 'request.update' || !data.request) return;
    learn('request', data.request);
    const i = this.requests.findIndex((r) => r.id === data.request.id);
    if (i >= 0) {
      this.requests[i] = data.request;
      this.renderBody();
    }
    // Membership and order may have changed: ask again, once per burst
    // (a page not shown asks when it is shown again).
    if (!this.el.isConnected) return;
    clearTimeout(this.refetchTimer);
    this.refetchTimer = setTimeout(() => this.load(), 150);
  }

  async clockTick() {
    if (!this.el.isConnected) return;
    await syncClock(this.ctx.session);
    this.renderBody();
  }

  render(topics) {
    if (topics.has('synced')) {
      syncClock(this.ctx.session);
      this.load();
    }
  }

  renderBody() {
    for (const b of this.viewBtns) b.setAttribute('aria-pressed', String(b.dataset.view === this.view));
    if (this.error) {
      replace(this.bodyEl, h('p', { class: 'form-error', text: this.error }));
      return;
    }
    if (!this.loaded) {
      replace(this.bodyEl, h('p', { class: 'muted', text: 'Loading…' }));
      return;
    }
    if (!this.requests.length) {
      replace(this.bodyEl, h('p', { class: 'sm-empty muted', text: 'No requests match.' }));
      return;
    }
    replace(this.bodyEl, this.view === 'board' ? this.board() : this.list(),
      this.more ? h('p', { class: 'muted sm-more', text: 'Only the first 100 are shown: narrow the filters to see the rest.' }) : null);
  }

  board() {
    const statuses = this.status.value ? [this.status.value] : [...OPEN_STATUSES, 'delivered'];
    return h('div', { class: 'sm-board' }, statuses.map((s) => {
      const cards = this.requests.filter((r) => r.status === s);
      return h('section', { class: ['sm-col', cards.length ? null : 'is-empty'], data: { status: s }, attrs: { 'aria-label': label(s) } },
        h('h2', { class: 'sm-col-head' }, label(s), h('span', { class: 'sm-count', text: String(cards.length) })),
        h('ul', { class: 'sm-cards' }, cards.map((r) => h('li', null, this.card(r)))));
    }));
  }

  card(r) {
    const { store } = this.ctx;
    const chip = slaChip(r);
    return h('a', {
      class: ['sm-rcard', `tone-${chip.dataset.tone}`], href: `#/c/${r.conv}`, data: { id: r.id, status: r.status },
      on: { click: (e) => { e.preventDefault(); openRecordConv(this.ctx, r.conv); } },
    },
    h('div', { class: 'sm-rcard-top' },
      h('span', { class: 'sm-kind', text: label(r.kind) }),
      r.priority === 'high' || r.priority === 'urgent' ? h('span', { class: ['sm-prio', `prio-${r.priority}`], text: label(r.priority) }) : null,
      h('span', { class: 'sm-id', text: `#${r.id}` })),
    h('div', { class: 'sm-rcard-title', text: r.title }),
    h('dl', { class: 'sm-meta' },
      h('dt', { text: 'By' }), h('dd', { text: store.userName(r.requester) }),
      h('dt', { text: 'For' }), h('dd', { class: 'sm-assignee', text: r.assignee ? store.userName(r.assignee) : 'Unassigned' }),
      h('dt', { text: 'Due' }), h('dd', { text: date(r.due) }),
      h('dt', { text: 'Value' }), h('dd', { text: money(r.value) })),
    r.account ? h('div', { class: 'sm-account', text: r.account }) : null,
    chip);
  }

  // A column head; the sortable ones switch the server's sort.
  th(text, sort) {
    if (!sort) return h('th', { attrs: { scope: 'col' }, text });
    const on = this.sort.value === sort;
    return h('th', { attrs: { scope: 'col', 'aria-sort': on ? (sort === 'newest' ? 'descending' : 'ascending') : null } },
      h('button', {
        type: 'button', class: ['link-btn', 'sm-sort', on ? 'is-on' : null], text, data: { sort },
        attrs: { title: SORT_HINT[sort] },
        on: { click: () => { this.sort.value = sort; this.load(); } },
      }));
  }

  list() {
    const { store } = this.ctx;
    return h('div', { class: 'sm-table-wrap' }, h('table', { class: 'sm-table', id: 'requests-table' },
      h('thead', null, h('tr', null, HEAD.map(([t, sort]) => this.th(t, sort)))),
      h('tbody', null, this.requests.map((r) => h('tr', { data: { id: r.id, status: r.status } },
        h('td', { text: String(r.id) }),
        h('td', null, h('a', {
          href: `#/c/${r.conv}`, text: r.title,
          on: { click: (e) => { e.preventDefault(); openRecordConv(this.ctx, r.conv); } },
        })),
        h('td', { text: label(r.kind) }),
        h('td', { text: label(r.status) }),
        h('td', { text: store.userName(r.requester) }),
        h('td', { text: r.assignee ? store.userName(r.assignee) : '—' }),
        h('td', { text: date(r.due) }),
        h('td', { class: 'num', text: money(r.value) }),
        h('td', null, slaChip(r)))))));
  }
}

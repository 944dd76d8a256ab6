// sm/glossary.js: the Glossary page (#/glossary): the terms both teams
// agree on, a new term, editing a definition, each term's history, and
// acknowledging the current version (approvers), and for admins choosing
// the approvers. While a new version is pending, the last agreed
// definition is shown beside it. It follows glossary.update and
// user.update live.

import { h, replace } from '../dom.js';
import { dateTime, field, input, errText, pageHead, Kept, repaint } from './common.js';

export class GlossaryPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.title = 'Glossary';
    this.terms = [];
    this.loaded = false;
    this.error = '';
    this.editing = null; // term id whose definition is being edited
    this.kept = new Kept(); // the edit box, kept across repaints
    this.histories = new Map(); // term id -> history (when shown)
    this.el = this.build();
    this.unlisten = ctx.session.listen((event, data) => this.onEvent(event, data));
  }

  destroy() {
    this.unlisten();
  }

  build() {
    this.name = input('gl-name', 'text', { required: true, maxLength: 200 });
    this.def = h('textarea', { id: 'gl-def', rows: 3, required: true });
    this.formError = h('p', { class: 'form-error', attrs: { role: 'alert' }, hidden: true });
    this.search = input('gl-search', 'search', { placeholder: 'Find a term' });
    this.search.addEventListener('input', () => this.paint());
    this.listEl = h('div', { class: 'sm-terms', id: 'glossary-list' });
    this.approversEl = h('div');
    return h('main', { class: 'sm-page', id: 'glossary-page', attrs: { 'aria-label': 'Glossary' } },
      pageHead(this.ctx.actions, 'Glossary'),
      h('div', { class: 'sm-scroll' },
        h('details', { class: 'sm-card', id: 'glossary-new' },
          h('summary', { text: 'Add a term' }),
          h('form', {
            class: 'sm-form', id: 'glossary-form',
            on: { submit: (e) => { e.preventDefault(); this.create(); } },
          }, field('Term', this.name), field('Definition', this.def), this.formError,
          h('button', { type: 'submit', class: 'btn primary', text: 'Add term' }))),
        this.approversEl,
        h('div', { class: 'sm-filters' }, field('Search', this.search)),
        this.listEl));
  }

  show() {
    this.load();
  }

  // Approver flags change while one is elsewhere: read them afresh.
  async loadUsers() {
    try {
      const res = await this.ctx.session.call('user.list');
      this.ctx.store.setUsers(res.users || []);
    } catch {
      // The flags already known are used.
    }
  }

  render(topics) {
    if (topics.has('synced')) this.load();
    else if (topics.has('users')) this.paint();
  }

  async load() {
    try {
      const [res] = await Promise.all([this.ctx.session.call('glossary.list'), this.loadUsers()]);
      this.terms = res.terms || [];
      this.error = '';
      await Promise.all([...this.histories.keys()].map((id) => this.loadHistory(id)));
    } catch (err) {
      this.error = errText(err);
    }
    this.loaded = true;
    this.paint();
  }

  async loadHistory(id) {
    const res = await this.ctx.session.call('glossary.get', { term: id });
    this.histories.set(id, res.term.history || []);
  }

  onEvent(event, data) {
    const me = this.ctx.store.me;
    if (event === 'user.update' && data.user && me) {
      // "approver" is absent when false: say so, or the merge keeps it.
      this.ctx.store.upsertUser({ ...data.user, approver: !!data.user.approver });
      this.paint();
    }
    if (event !== 'glossary.update' || !data.term) return;
    const t = data.term;
    const i = this.terms.findIndex((x) => x.id === t.id);
    if (i >= 0) this.terms[i] = t;
    else this.terms.push(t);
    this.terms.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
    if (this.histories.has(t.id)) this.loadHistory(t.id).then(() => this.paint(), () => {});
    this.paint();
  }

  async create() {
    this.formError.hidden = true;
    try {
      await this.ctx.session.call('glossary.create', { title: this.name.value.trim(), body: this.def.value });
      this.name.value = '';
      this.def.value = '';
      await this.load();
    } catch (err) {
      this.formError.textContent = errText(err);
      this.formError.dataset.code = err.code || '';
      this.formError.hidden = false;
    }
  }

  async act(op, fields) {
    try {
      await this.ctx.session.call(op, fields);
      this.error = '';
      this.editing = null;
      this.kept.clear();
      await this.load();
    } catch (err) {
      this.error = errText(err);
      this.paint();
    }
  }

  amApprover() {
    const u = this.ctx.store.users.get(this.ctx.store.me.id);
    return !!(u && u.approver);
  }

  async toggleHistory(id) {
    if (this.histories.has(id)) this.histories.delete(id);
    else {
      try {
        await this.loadHistory(id);
      } catch (err) {
        this.error = errText(err);
      }
    }
    this.paint();
  }

  paint() {
    if (!this.loaded) {
      replace(this.listEl, h('p', { class: 'muted', text: 'Loading…' }));
      return;
    }
    this.paintApprovers();
    const q = this.search.value.trim().toLowerCase();
    const shown = this.terms.filter((t) => !q || t.name.toLowerCase().includes(q) || t.definition.toLowerCase().includes(q));
    repaint(this.listEl,
      this.error ? h('p', { class: 'form-error', attrs: { role: 'alert' }, text: this.error }) : null,
      shown.length ? shown.map((t) => this.term(t)) : h('p', { class: 'sm-empty muted', text: q ? 'No term matches.' : 'No terms yet.' }));
  }

  // The user.update that follows repaints the list.
  async setApprover(user, approver) {
    try {
      await this.ctx.session.call('approver.set', { user, approver });
      this.error = '';
    } catch (err) {
      this.error = errText(err);
      this.paint();
    }
  }

  // Admins choose the approvers: people of sales and marketing.
  paintApprovers() {
    const { store } = this.ctx;
    if (store.me.role !== 'admin') {
      replace(this.approversEl);
      return;
    }
    const open = this.approversEl.querySelector('details')?.open || false;
    const people = [...store.users.values()].filter((u) => u.team === 'sales' || u.team === 'marketing')
      .sort((a, b) => store.userName(a.id).localeCompare(store.userName(b.id)));
    repaint(this.approversEl, h('details', { class: 'sm-card', id: 'glossary-approvers', open },
      h('summary', { text: 'Approvers' }),
      h('p', { class: 'muted', text: 'A version is agreed once an approver of sales and one of marketing acknowledge it.' }),
      h('ul', { class: 'sm-plain' }, people.map((u) => {
        const box = h('input', {
          type: 'checkbox', id: `approver-${u.id}`, checked: !!u.approver,
          on: { change: () => this.setApprover(u.id, box.checked) },
        });
        return h('li', { class: 'field check' }, box,
          h('label', { attrs: { for: box.id }, text: `${store.userName(u.id)} (${u.team === 'sales' ? 'Sales' : 'Marketing'})` }));
      }))));
  }

  term(t) {
    const { store } = this.ctx;
    const me = store.me;
    const team = me.team === 'sales' || me.team === 'marketing' ? me.team : null;
    const acked = team && (t.acks[team] || []).includes(me.id);
    const canAck = this.amApprover() && team && !acked;
    const ackNames = (ids) => (ids && ids.length ? ids.map((id) => store.userName(id)).join(', ') : '—');
    return h('article', { class: 'sm-term', data: { term: t.id, status: t.status } },
      h('header', { class: 'sm-term-head' },
        h('h2', { class: 'sm-term-name', text: t.name }),
        h('span', { class: ['sm-status', `st-${t.status}`], text: t.status === 'agreed' ? `Agreed · v${t.version}` : `Pending · v${t.version}` })),
      this.editing === t.id ? this.editForm(t) : h('p', { class: 'sm-term-def', text: t.definition }),
      t.status === 'pending' && t.agreed_version ? h('div', { class: 'sm-agreed' },
        h('span', { class: 'sm-fact-k', text: `Agreed until then (v${t.agreed_version})` }),
        h('p', { class: 'sm-term-def', text: t.agreed_definition })) : null,
      h('p', { class: 'muted sm-acks' }, `Sales: ${ackNames(t.acks.sales)} · Marketing: ${ackNames(t.acks.marketing)}`),
      h('div', { class: 'sm-row' },
        this.editing === t.id ? null : h('button', {
          type: 'button', class: 'btn small', text: 'Edit',
          on: { click: () => this.startEdit(t.id) },
        }),
        h('button', {
          type: 'button', class: 'btn small', text: this.histories.has(t.id) ? 'Hide history' : 'History',
          attrs: { 'aria-expanded': String(this.histories.has(t.id)) }, on: { click: () => this.toggleHistory(t.id) },
        }),
        canAck ? h('button', {
          type: 'button', class: 'btn small primary', text: `Acknowledge v${t.version}`,
          on: { click: () => this.act('glossary.ack', { term: t.id, version: t.version }) },
        }) : null),
      this.histories.has(t.id) ? h('ul', { class: 'sm-history', attrs: { 'aria-label': `History of ${t.name}` } }, this.histories.get(t.id).map((v) => h('li', { data: { version: v.version } },
        h('div', { class: 'muted' }, `v${v.version} by ${store.userName(v.author)}, ${dateTime(v.created_at)}`,
          v.agreed_at ? ` · agreed ${dateTime(v.agreed_at)}` : ''),
        h('p', { class: 'sm-term-def', text: v.definition })))) : null);
  }

  // Edit one term's definition (null: stop editing).
  startEdit(id) {
    this.editing = id;
    this.kept.clear();
    this.paint();
    if (id !== null) this.listEl.querySelector(`#gl-edit-${id}`)?.focus();
  }

  editForm(t) {
    const body = this.kept.get(`edit:${t.id}`, () => h('textarea', { id: `gl-edit-${t.id}`, rows: 3, value: t.definition }));
    return h('form', {
      class: 'sm-form',
      on: { submit: (e) => { e.preventDefault(); this.act('glossary.edit', { term: t.id, body: body.value }); } },
    }, h('label', { class: 'sm-sr', attrs: { for: body.id }, text: `Definition of ${t.name}` }), body,
    h('div', { class: 'sm-row' },
      h('button', { type: 'submit', class: 'btn small primary', text: 'Save version' }),
      h('button', { type: 'button', class: 'btn small', text: 'Cancel', on: { click: () => this.startEdit(null) } })));
  }
}

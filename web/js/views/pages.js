// views/pages.js: the chat pages of routes.js, each a list of messages
// that opens one in its conversation: followed threads (unread first),
// mentions of me, my saved items, search (filters, highlighted snippets,
// paging), and my scheduled messages (cancel before they go out). They follow the page contract in routes.js and build
// everything with h(): snippets become text nodes and <mark> elements.

import { h, replace } from '../dom.js';
import { renderMarkup } from '../markup.js';
import { formatFull, formatDay, formatTime } from '../format.js';
import { avatar } from './avatar.js';
import { icon } from './icons.js';

const SNIP_START = '\u0002';
const SNIP_END = '\u0003';

// Where a message lives, in words: "#launch", "Ben Okafor".
function convLabel(store, convId) {
  const c = store.convs.get(convId);
  if (!c) return 'a conversation';
  return c.kind === 'channel' ? `#${c.name}` : store.convTitle(c);
}

// A search snippet: the text between U+0002 and U+0003 becomes <mark>.
export function snippetNodes(snippet) {
  const out = [];
  let rest = String(snippet);
  for (;;) {
    const a = rest.indexOf(SNIP_START);
    if (a < 0) break;
    const b = rest.indexOf(SNIP_END, a + 1);
    if (b < 0) break;
    if (a > 0) out.push(document.createTextNode(rest.slice(0, a)));
    out.push(h('mark', { text: rest.slice(a + 1, b) }));
    rest = rest.slice(b + 1);
  }
  const plain = rest.split(SNIP_START).join('').split(SNIP_END).join('');
  if (plain) out.push(document.createTextNode(plain));
  return out;
}

// One message as a clickable list entry; `body` replaces the rendered body.
function messageItem(ctx, m, { body = null, extra = null, onOpen = null } = {}) {
  const { store, actions } = ctx;
  const open = onOpen || (() => actions.showMessage(m));
  return h('li', { class: 'result', data: { id: m.id } },
    h('button', {
      type: 'button', class: 'result-open',
      attrs: { 'aria-label': `${store.userName(m.author)} in ${convLabel(store, m.conv)}, ${formatDay(m.created_at)} ${formatTime(m.created_at)}: open in conversation` },
      on: { click: open },
    },
    h('span', { class: 'result-where', text: `${convLabel(store, m.conv)}${m.thread ? ' · thread' : ''}` }),
    h('span', { class: 'result-time muted', text: `${formatDay(m.created_at)} ${formatTime(m.created_at)}`, attrs: { title: formatFull(m.created_at) } })),
    h('div', { class: 'result-main' },
      avatar(store, m.author),
      h('div', { class: 'result-text' },
        h('span', { class: 'author', text: store.userName(m.author) }),
        h('div', { class: 'msg-body' }, body || renderMarkup(m.body)),
        extra)));
}

// A page: its header (with the conversations button shown at phone width)
// and its content.
function pageShell(ctx, title, ...rest) {
  const titleId = `page-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return h('main', { class: 'page chat-page', attrs: { 'aria-labelledby': titleId } },
    h('header', { class: 'page-head' },
      h('button', {
        type: 'button', class: 'icon-btn menu-btn',
        attrs: { 'aria-label': 'Show conversations', 'aria-controls': 'sidebar' },
        on: { click: () => ctx.actions.toggleNav() },
      }, icon('menu')),
      h('h1', { class: 'page-title', id: titleId, text: title })),
    ...rest);
}

// --- followed threads ----------------------------------------------------------------

export class ThreadsPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.listEl = h('ul', { class: 'results', attrs: { 'aria-label': 'Followed threads' } });
    this.noteEl = h('p', { class: 'muted page-note' });
    this.el = pageShell(this.ctx, 'Threads', this.noteEl, this.listEl);
  }

  async show() {
    try {
      const res = await this.ctx.session.call('thread.list', { limit: 100 });
      this.ctx.store.setThreadStates(res.threads || []);
    } catch (err) {
      this.noteEl.textContent = `Could not load threads: ${err.message || err.code}`;
    }
  }

  render(topics) {
    if (topics.has('synced')) this.show();
    const { store } = this.ctx;
    const states = [...store.threadStates.values()].filter((st) => st.following && st.message)
      .sort((a, b) => (b.unread > 0) - (a.unread > 0) || (b.message.last_reply_at || 0) - (a.message.last_reply_at || 0));
    this.noteEl.textContent = states.length ? '' : 'Threads you start, reply in or are mentioned in show up here.';
    replace(this.listEl, states.map((st) => {
      const m = st.message;
      const n = m.reply_count || 0;
      return messageItem(this.ctx, m, {
        onOpen: () => {
          this.ctx.actions.showMessage(m);
          this.ctx.actions.openThread(m);
        },
        extra: h('div', { class: 'result-extra' },
          h('span', { class: 'muted', text: `${n} ${n === 1 ? 'reply' : 'replies'}` }),
          st.unread ? h('span', { class: 'badge', text: String(st.unread), attrs: { 'aria-label': `${st.unread} unread` } }) : null),
      });
    }));
  }
}

// --- mentions ---------------------------------------------------------------------------

export class MentionsPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.messages = [];
    this.more = false;
    this.listEl = h('ul', { class: 'results', attrs: { 'aria-label': 'Mentions' } });
    this.noteEl = h('p', { class: 'muted page-note' });
    this.moreBtn = h('button', { type: 'button', class: 'btn', text: 'Older mentions', hidden: true, on: { click: () => this.load(true) } });
    this.el = pageShell(this.ctx, 'Mentions', this.noteEl, this.listEl, this.moreBtn);
    this.unlisten = ctx.session.listen((event, d) => {
      if (event === 'mention' && d.message && !this.messages.some((m) => m.id === d.message.id)) {
        this.messages.unshift(d.message);
        this.draw();
      }
    });
  }

  destroy() {
    this.unlisten();
  }

  show() {
    this.load(false);
  }

  async load(older) {
    const fields = { limit: 50 };
    if (older && this.messages.length) fields.before = this.messages[this.messages.length - 1].id;
    try {
      const res = await this.ctx.session.call('mention.list', fields);
      const got = res.messages || [];
      this.messages = older ? [...this.messages, ...got] : got;
      this.more = got.length === 50;
      this.noteEl.textContent = this.messages.length ? '' : 'Nobody has mentioned you yet.';
    } catch (err) {
      this.noteEl.textContent = `Could not load mentions: ${err.message || err.code}`;
    }
    this.draw();
  }

  draw() {
    this.moreBtn.hidden = !this.more;
    replace(this.listEl, this.messages.map((m) => messageItem(this.ctx, m)));
  }

  render(topics) {
    if (topics.has('synced')) this.load(false);
    else if (topics.has('users') || topics.has('convs')) this.draw();
  }
}

// --- saved items --------------------------------------------------------------------------

export class SavedPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.listEl = h('ul', { class: 'results', attrs: { 'aria-label': 'Saved messages' } });
    this.noteEl = h('p', { class: 'muted page-note' });
    this.el = pageShell(this.ctx, 'Saved', this.noteEl, this.listEl);
  }

  async show() {
    try {
      const res = await this.ctx.session.call('save.list', { limit: 100 });
      this.ctx.store.setSaved(res.saved || []);
    } catch (err) {
      this.noteEl.textContent = `Could not load saved items: ${err.message || err.code}`;
    }
  }

  render(topics) {
    if (topics.has('synced')) this.show();
    const { store, session, actions } = this.ctx;
    const items = [...store.saved.values()].sort((a, b) => b.saved_at - a.saved_at);
    this.noteEl.textContent = items.length ? '' : 'Save a message from its actions to find it here.';
    replace(this.listEl, items.map((s) => messageItem(this.ctx, s.message, {
      extra: h('div', { class: 'result-extra' }, h('button', {
        type: 'button', class: 'link-btn', text: 'Remove', attrs: { 'aria-label': 'Remove from saved' },
        on: { click: () => session.setSaved(s.message, false).catch((err) => actions.toast(err.message || err.code)) },
      })),
    })));
  }
}

// --- search -------------------------------------------------------------------------------

const PAGE = 50;

export class SearchPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.query = '';
    this.results = [];
    this.more = false;
    this.seq = 0; // answers to superseded searches are dropped
    this.el = this.build();
  }

  build() {
    const field = (label, control) => h('label', { class: 'search-filter' }, h('span', { text: label }), control);
    this.input = h('input', {
      type: 'search', id: 'search-input', placeholder: 'Search messages',
      attrs: { 'aria-label': 'Search words', autocomplete: 'off' },
    });
    this.inSel = h('select', { id: 'search-in', attrs: { 'aria-label': 'In conversation' } });
    this.fromSel = h('select', { id: 'search-from', attrs: { 'aria-label': 'From person' } });
    this.after = h('input', { type: 'date', id: 'search-after', attrs: { 'aria-label': 'After date' } });
    this.before = h('input', { type: 'date', id: 'search-before', attrs: { 'aria-label': 'Before date' } });
    this.hasLink = h('input', { type: 'checkbox', id: 'search-has-link' });
    this.form = h('form', {
      class: 'search-form', attrs: { role: 'search', 'aria-label': 'Search messages' },
      on: { submit: (e) => { e.preventDefault(); this.submit(); } },
    },
    h('div', { class: 'search-row' }, this.input, h('button', { type: 'submit', class: 'btn primary', text: 'Search' })),
    h('div', { class: 'search-filters' },
      field('In', this.inSel), field('From', this.fromSel), field('After', this.after), field('Before', this.before),
      h('label', { class: 'search-filter check' }, this.hasLink, h('span', { text: 'Has a link' }))));
    this.statusEl = h('p', { class: 'muted page-note', attrs: { role: 'status' } });
    this.listEl = h('ul', { class: 'results', attrs: { 'aria-label': 'Search results' } });
    this.moreBtn = h('button', { type: 'button', class: 'btn', text: 'More results', hidden: true, on: { click: () => this.run(true) } });
    return pageShell(this.ctx, 'Search', this.form, this.statusEl, this.listEl, this.moreBtn);
  }

  // The query the form describes: words plus filter terms.
  composed() {
    const parts = [this.input.value.trim()];
    if (this.inSel.value) parts.push(`in:${this.inSel.value}`);
    if (this.fromSel.value) parts.push(`from:@${this.fromSel.value}`);
    if (this.after.value) parts.push(`after:${this.after.value}`);
    if (this.before.value) parts.push(`before:${this.before.value}`);
    if (this.hasLink.checked) parts.push('has:link');
    return parts.filter(Boolean).join(' ');
  }

  // Put a query's filters back into the form (from the address).
  fill(query) {
    const words = [];
    this.inSel.value = '';
    this.fromSel.value = '';
    this.after.value = '';
    this.before.value = '';
    this.hasLink.checked = false;
    for (const w of query.split(/\s+/).filter(Boolean)) {
      let m;
      if ((m = /^in:(.+)$/.exec(w)) && [...this.inSel.options].some((o) => o.value === m[1])) this.inSel.value = m[1];
      else if ((m = /^from:@?(.+)$/.exec(w)) && [...this.fromSel.options].some((o) => o.value === m[1])) this.fromSel.value = m[1];
      else if ((m = /^after:(\d{4}-\d{2}-\d{2})$/.exec(w))) this.after.value = m[1];
      else if ((m = /^before:(\d{4}-\d{2}-\d{2})$/.exec(w))) this.before.value = m[1];
      else if (w === 'has:link') this.hasLink.checked = true;
      else words.push(w);
    }
    this.input.value = words.join(' ');
  }

  submit() {
    const q = this.composed();
    if (!q) return;
    this.ctx.actions.go('search', q);
  }

  show(arg) {
    this.fillOptions();
    this.query = arg || '';
    this.fill(this.query);
    this.results = [];
    this.draw();
    if (this.query) this.run(false);
    else this.input.focus();
  }

  async run(more) {
    const seq = ++this.seq;
    const fields = { query: this.query, limit: PAGE };
    if (more) fields.offset = this.results.length;
    this.statusEl.textContent = 'Searching…';
    try {
      const res = await this.ctx.session.call('search', fields);
      if (seq !== this.seq) return;
      this.results = more ? [...this.results, ...(res.results || [])] : (res.results || []);
      this.more = !!res.more;
      this.statusEl.textContent = this.results.length
        ? `${this.results.length}${this.more ? '+' : ''} result${this.results.length === 1 ? '' : 's'}`
        : 'No messages match.';
    } catch (err) {
      if (seq !== this.seq) return;
      this.more = false;
      this.statusEl.textContent = `Search failed: ${err.message || err.code}`;
    }
    this.draw();
  }

  draw() {
    this.moreBtn.hidden = !this.more;
    replace(this.listEl, this.results.map((r) => messageItem(this.ctx, r.message, { body: snippetNodes(r.snippet) })));
  }

  // Conversations and people to filter by (kept when the lists change).
  fillOptions() {
    const { store } = this.ctx;
    const inVal = this.inSel.value;
    const fromVal = this.fromSel.value;
    const chans = [...store.convs.values()].filter((c) => c.kind === 'channel').sort((a, b) => a.name.localeCompare(b.name));
    const people = [...store.users.values()].sort((a, b) => a.handle.localeCompare(b.handle));
    replace(this.inSel, h('option', { value: '', text: 'Anywhere' }),
      chans.map((c) => h('option', { value: `#${c.name}`, text: `#${c.name}` })),
      people.filter((u) => !store.me || u.id !== store.me.id).map((u) => h('option', { value: `@${u.handle}`, text: `DM with ${u.display_name || u.handle}` })));
    replace(this.fromSel, h('option', { value: '', text: 'Anyone' }),
      people.map((u) => h('option', { value: u.handle, text: `${u.display_name || u.handle} (@${u.handle})` })));
    this.inSel.value = inVal;
    this.fromSel.value = fromVal;
  }

  render(topics) {
    if (topics.has('convs') || topics.has('users')) {
      this.fillOptions();
      this.draw();
    }
    if (topics.has('synced') && this.query) this.run(false);
  }
}

// --- scheduled messages --------------------------------------------------------------------

export class ScheduledPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.items = [];
    this.listEl = h('ul', { class: 'results', attrs: { 'aria-label': 'Scheduled messages' } });
    this.noteEl = h('p', { class: 'muted page-note' });
    this.el = pageShell(ctx, 'Scheduled', this.noteEl, this.listEl);
    // Sent or failed items leave the list; a failure says why.
    this.unlisten = ctx.session.listen((event, d) => {
      if (event !== 'schedule.sent' && event !== 'schedule.failed') return;
      if (event === 'schedule.failed') ctx.actions.toast(`A scheduled message could not be sent: ${d.error}`);
      this.load();
    });
  }

  destroy() {
    this.unlisten();
  }

  show() {
    this.load();
  }

  async load() {
    try {
      const res = await this.ctx.session.call('schedule.list');
      this.items = res.scheduled || [];
      this.noteEl.textContent = this.items.length ? '' : 'Nothing scheduled. Use the clock beside Send to send a message later.';
    } catch (err) {
      this.noteEl.textContent = `Could not load scheduled messages: ${err.message || err.code}`;
    }
    this.draw();
  }

  async cancel(item) {
    try {
      await this.ctx.session.call('schedule.cancel', { schedule: item.id });
    } catch (err) {
      this.ctx.actions.toast(`Could not cancel: ${err.message || err.code}`);
    }
    this.load();
  }

  draw() {
    const { store } = this.ctx;
    replace(this.listEl, this.items.map((it) => h('li', { class: 'result', data: { id: it.id } },
      h('div', { class: 'result-open muted' },
        h('span', { class: 'result-where', text: convLabel(store, it.conv) }),
        h('span', { text: `at ${formatFull(it.at)}` })),
      h('div', { class: 'msg-body' }, renderMarkup(it.body)),
      h('div', { class: 'result-extra' }, h('button', {
        type: 'button', class: 'link-btn', text: 'Cancel', attrs: { 'aria-label': 'Cancel scheduled message' },
        on: { click: () => this.cancel(it) },
      })))));
  }

  render(topics) {
    if (topics.has('synced')) this.load();
    else if (topics.has('convs')) this.draw();
  }
}

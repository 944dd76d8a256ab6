// app.js: the web client's entry point. It wires the transport, the
// session and the store to the views, and owns the routing (#/c/<id> names
// the open conversation, #/<page>[/<arg>] a page of routes.js), the side
// panel beside the conversation, and the phone-width navigation.

import { Connection } from './js/conn.js';
import { Store } from './js/store.js';
import { Session } from './js/session.js';
import { h, replace } from './js/dom.js';
import { AuthView } from './js/views/auth.js';
import { Sidebar } from './js/views/sidebar.js';
import { Pane } from './js/views/pane.js';
import { CreateChannelDialog, UserPickerDialog } from './js/views/dialogs.js';
import { SIDE_PROVIDERS, pageNamed } from './js/routes.js';
import { ThreadPanel } from './js/views/thread.js';
import { QuickSwitcher } from './js/views/switcher.js';
import { Notifier } from './js/notify.js';
import { applyTheme, toggleTheme } from './js/theme.js';

const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const conn = new Connection(wsUrl, 'tandem.v1');
const store = new Store();
const session = new Session(conn, store);

const root = document.getElementById('app');
const narrow = window.matchMedia('(max-width: 760px)');

// What the address names: {conv} for #/c/<id>, {page, arg} for a page of
// routes.js, or {} (nothing: the default conversation).
function route() {
  const c = /^#\/c\/(\d+)$/.exec(location.hash);
  if (c) return { conv: Number(c[1]) };
  const p = /^#\/([a-z-]+)(?:\/(.*))?$/.exec(location.hash);
  if (p && pageNamed(p[1])) return { page: p[1], arg: p[2] === undefined ? null : decodeURIComponent(p[2]) };
  return {};
}

function routeConv() {
  const r = route();
  return r.conv === undefined ? null : r.conv;
}

function navigate(convId) {
  const hash = convId === null ? '' : `#/c/${convId}`;
  if (location.hash !== hash) location.hash = hash;
  else session.openConv(convId);
}

// Show a page (routes.js) by name, with an optional argument.
function go(page, arg = null) {
  const hash = arg === null ? `#/${page}` : `#/${page}/${encodeURIComponent(arg)}`;
  if (location.hash !== hash) location.hash = hash;
  else if (shell) shell.follow();
}

class Shell {
  constructor() {
    this.navOpen = false;
    const actions = {
      open: (id) => navigate(id),
      navigated: () => this.setNav(false),
      createChannel: () => this.createDialog.open(),
      newDm: () => this.dmDialog.open(),
      logout: () => session.logout(),
      toast: (text) => this.toast(text),
      join: (id) => this.join(id),
      toggleNav: () => this.setNav(!this.navOpen),
      go: (page, arg) => { go(page, arg); this.setNav(false); },
      openSide: (panel) => this.openSide(panel),
      closeSide: () => this.closeSide(),
      openThread: (m) => this.openThread(m),
      showMessage: (m) => this.showMessage(m),
      toggleTheme: () => { toggleTheme(); this.sidebar.render(new Set(['theme'])); },
      enableNotifications: () => Notifier.request().then(() => this.sidebar.render(new Set(['notify']))),
    };
    this.notifier = new Notifier(store, session, (m) => this.showMessage(m));
    this.unlisten = session.listen((event, d) => {
      if (event === 'reminder' && d.message) this.toast(`Reminder: ${store.userName(d.message.author)}: ${d.message.body.slice(0, 140)}`);
    });
    this.actions = actions;
    this.sidebar = new Sidebar(store, session, actions);
    this.pane = new Pane(store, session, actions);
    this.pages = new Map(); // name -> page instance, made on first visit
    this.page = null; // the page shown instead of the pane, or null
    this.pinned = null; // a side panel opened on demand (a thread)
    this.provided = null; // {conv, panel} from SIDE_PROVIDERS
    this.sideEl = h('aside', { class: 'side-panel', hidden: true, attrs: { 'aria-label': 'Details' } });
    this.mainEl = h('div', { class: 'main' }, this.pane.el);
    this.createDialog = new CreateChannelDialog(session, (c) => this.opened(c));
    this.dmDialog = new UserPickerDialog(store, session, (c) => this.opened(c));
    this.scrim = h('div', { class: 'scrim', on: { click: () => this.setNav(false) } });
    this.switcher = new QuickSwitcher(store, {
      open: (id) => { navigate(id); this.setNav(false); },
      go: (page) => actions.go(page),
      openDm: (uid) => session.openDm(uid).then((c) => this.opened(c), (err) => this.toast(`Could not open: ${err.message || err.code}`)),
    });
    this.toastEl = h('div', { class: 'toast', attrs: { role: 'alert' }, hidden: true });
    this.el = h('div', { class: 'shell' }, this.sidebar.el, this.scrim, this.mainEl, this.sideEl,
      this.createDialog.el, this.dmDialog.el, this.switcher.el, this.toastEl);
    this.onGlobalKey = (e) => this.globalKey(e);
    document.addEventListener('keydown', this.onGlobalKey);
    this.el.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      if (this.navOpen) this.setNav(false);
      else if (this.pinned) this.closeSide();
    });
  }

  // Shortcuts that work anywhere: Ctrl/Cmd+K opens the quick switcher,
  // Alt+Up/Down moves to the previous/next conversation of the sidebar.
  globalKey(e) {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
      e.preventDefault();
      this.switcher.open();
    } else if (e.altKey && !e.ctrlKey && !e.metaKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      const ids = [...this.sidebar.el.querySelectorAll('.conv-link[data-conv]:not(.not-member)')].map((a) => Number(a.dataset.conv));
      if (!ids.length) return;
      e.preventDefault();
      const at = ids.indexOf(store.active);
      const step = e.key === 'ArrowDown' ? 1 : -1;
      const next = at < 0 ? ids[0] : ids[(at + step + ids.length) % ids.length];
      navigate(next);
    }
  }

  opened(conv) {
    navigate(conv.id);
    this.setNav(false);
    this.pane.composer.focus();
  }

  async join(convId) {
    try {
      await session.joinConv(convId);
      navigate(convId);
      this.setNav(false);
    } catch (err) {
      this.toast(`Could not join: ${err.message || err.code}`);
    }
  }

  // A short-lived error message for actions that have no form of their own.
  toast(text) {
    this.toastEl.textContent = text;
    this.toastEl.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { this.toastEl.hidden = true; }, 6000);
  }

  destroy() {
    clearTimeout(this.toastTimer);
    document.removeEventListener('keydown', this.onGlobalKey);
    this.notifier.destroy();
    this.unlisten();
    this.sidebar.destroy();
    this.pane.destroy();
    for (const p of this.pages.values()) p.destroy?.();
    this.pinned?.destroy?.();
    this.provided?.panel?.destroy?.();
  }

  // Show what the address names: a page, or the conversation pane.
  follow() {
    const r = route();
    let page = null;
    if (r.page) {
      page = this.pages.get(r.page);
      if (!page) {
        const def = pageNamed(r.page);
        page = new def.Page({ store, session, actions: this.actions });
        this.pages.set(r.page, page);
      }
    }
    const shown = page ? page.el : this.pane.el;
    if (this.mainEl.firstChild !== shown) replace(this.mainEl, shown);
    this.page = page;
    this.pageName = r.page || null;
    // A panel opened for one conversation closes when another is shown.
    if (this.pinned && this.pinned.conv !== undefined && (page || this.pinned.conv !== r.conv)) this.closeSide();
    if (page) {
      session.openConv(null);
      page.show(r.arg);
      page.render(new Set(['all']));
    } else {
      session.openConv(r.conv === undefined ? null : r.conv);
    }
    this.renderSide(new Set(['all']));
    this.sidebar.render(new Set(['route']));
  }

  openThread(m) {
    this.openSide(new ThreadPanel({ store, session, actions: this.actions }, m));
    if (!narrow.matches) this.pinned.focus();
  }

  // Open a message's conversation scrolled to it, highlighted (paging back
  // until it is loaded); a thread reply opens its thread beside it.
  async showMessage(m) {
    const rootId = m.thread || m.id;
    this.pane.list.focusMessage(rootId, m.conv);
    navigate(m.conv);
    this.setNav(false);
    if (m.thread) {
      this.openThread(m);
      this.pinned.list.focusMessage(m.id, m.conv);
    }
    const found = await session.reveal(m.conv, rootId);
    if (!found) this.toast('That message is no longer in the conversation.');
    store.messagesChanged(m.conv);
  }

  openSide(panel) {
    if (this.pinned && this.pinned !== panel) this.pinned.destroy?.();
    this.pinned = panel;
    this.renderSide(new Set(['all']));
  }

  closeSide() {
    this.pinned?.destroy?.();
    this.pinned = null;
    this.renderSide(new Set(['all']));
  }

  // The side panel: one opened on demand, else what a provider offers for
  // the open conversation; none beside a page.
  renderSide(topics) {
    const c = !this.page && store.active !== null ? store.convs.get(store.active) : null;
    if (this.provided && (!c || this.provided.conv !== c.id)) {
      this.provided.panel?.destroy?.();
      this.provided = null;
    }
    if (c && !this.provided) {
      let panel = null;
      for (const make of SIDE_PROVIDERS) {
        panel = make({ store, session, actions: this.actions }, c);
        if (panel) break;
      }
      this.provided = { conv: c.id, panel };
    }
    const panel = this.page ? null : (this.pinned || this.provided?.panel || null);
    this.sideEl.hidden = !panel;
    this.el.classList.toggle('with-side', !!panel);
    if (!panel) return;
    if (this.sideEl.firstChild !== panel.el) replace(this.sideEl, panel.el);
    panel.render(topics);
  }

  setNav(open) {
    this.navOpen = open && narrow.matches;
    this.el.classList.toggle('nav-open', this.navOpen);
    this.pane.menuBtn.setAttribute('aria-expanded', String(this.navOpen));
    if (this.navOpen) this.sidebar.el.querySelector('a, button')?.focus();
  }

  render(topics) {
    this.sidebar.render(topics);
    if (this.page) this.page.render(topics);
    else this.pane.render(topics);
    this.renderSide(topics);
  }
}

let authView = null;
let shell = null;
let focusedConv = null;

function pickDefaultConv() {
  const joined = [...store.convs.values()]
    .filter((c) => c.kind === 'channel' && c.member !== false && !c.archived)
    .sort((a, b) => a.name.localeCompare(b.name));
  return joined.length ? joined[0].id : null;
}

function render(topics) {
  if (!store.me) {
    if (shell) {
      shell.destroy();
      shell = null;
      focusedConv = null;
    }
    if (!authView) authView = new AuthView(store, session);
    if (root.firstChild !== authView.el) replace(root, authView.el);
    authView.render();
    document.title = 'Tandem';
    return;
  }
  if (!shell) {
    shell = new Shell();
    replace(root, shell.el);
    topics = new Set(['all', 'active', 'convs']);
    if (route().page) shell.follow();
    else {
      const routed = routeConv();
      if (routed !== null) session.openConv(routed);
    }
  }
  // After the first conv.list, open something sensible when the address
  // names no conversation, or one we cannot see.
  const routed = routeConv();
  if (store.booted && !shell.page && (routed === null || store.missing.has(routed))
      && (store.active === null || store.missing.has(store.active))) {
    const id = pickDefaultConv();
    history.replaceState(null, '', id === null ? `${location.pathname}${location.search}` : `#/c/${id}`);
    if (id !== null || store.active !== null) session.openConv(id);
  }
  shell.render(topics);
  if (!shell.page && store.active !== null && document.visibilityState === 'visible') session.markSeen(store.active);
  if (store.active !== focusedConv) {
    focusedConv = store.active;
    if (focusedConv !== null && !shell.page && !narrow.matches && !shell.el.querySelector('dialog[open]')) shell.pane.composer.focus();
  }
  let unread = 0;
  for (const r of store.reads.values()) if (r.notify !== 'muted') unread += r.mentions || (r.notify === 'all' ? r.unread : 0);
  const c = !shell.page && store.active !== null ? store.convs.get(store.active) : null;
  const pageTitle = shell.page ? (shell.page.title || pageNamed(shell.pageName).label) : null;
  const title = c ? (c.kind === 'channel' ? `#${c.name}` : store.convTitle(c)) : (pageTitle || 'Tandem');
  document.title = `${unread ? `(${unread}) ` : ''}${title}${c || pageTitle ? ' · Tandem' : ''}`;
}

store.subscribe((topics) => render(topics));
window.addEventListener('hashchange', () => {
  if (store.me && shell) shell.follow();
});
window.addEventListener('online', () => conn.reconnectNow());
// Public channels created by others are not announced to non-members:
// refresh the list when the page comes back into view.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible') return;
  conn.reconnectNow();
  session.refreshConvs();
  store.changed('unread'); // re-render: what is on screen gets marked read
});
narrow.addEventListener('change', () => shell && shell.setNav(false));

// For the browser tests and for debugging from the console.
window.tandem = { store, session, conn };

applyTheme();
render(new Set(['all']));
session.start();

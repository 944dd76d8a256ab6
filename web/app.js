// app.js: the web client's entry point. It wires the transport, the
// session and the store to the views, and owns the routing (#/c/<id> in the
// address bar names the open conversation) and the phone-width navigation.

import { Connection } from './js/conn.js';
import { Store } from './js/store.js';
import { Session } from './js/session.js';
import { h, replace } from './js/dom.js';
import { AuthView } from './js/views/auth.js';
import { Sidebar } from './js/views/sidebar.js';
import { Pane } from './js/views/pane.js';
import { CreateChannelDialog, UserPickerDialog } from './js/views/dialogs.js';

const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const conn = new Connection(wsUrl, 'tandem.v1');
const store = new Store();
const session = new Session(conn, store);

const root = document.getElementById('app');
const narrow = window.matchMedia('(max-width: 760px)');

function routeConv() {
  const m = /^#\/c\/(\d+)$/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

function navigate(convId) {
  const hash = convId === null ? '' : `#/c/${convId}`;
  if (location.hash !== hash) location.hash = hash;
  else session.openConv(convId);
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
    };
    this.sidebar = new Sidebar(store, session, actions);
    this.pane = new Pane(store, session, actions);
    this.createDialog = new CreateChannelDialog(session, (c) => this.opened(c));
    this.dmDialog = new UserPickerDialog(store, session, (c) => this.opened(c));
    this.scrim = h('div', { class: 'scrim', on: { click: () => this.setNav(false) } });
    this.toastEl = h('div', { class: 'toast', attrs: { role: 'alert' }, hidden: true });
    this.el = h('div', { class: 'shell' }, this.sidebar.el, this.scrim, this.pane.el,
      this.createDialog.el, this.dmDialog.el, this.toastEl);
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.navOpen) this.setNav(false);
    });
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
    this.sidebar.destroy();
    this.pane.destroy();
  }

  setNav(open) {
    this.navOpen = open && narrow.matches;
    this.el.classList.toggle('nav-open', this.navOpen);
    this.pane.menuBtn.setAttribute('aria-expanded', String(this.navOpen));
    if (this.navOpen) this.sidebar.el.querySelector('a, button')?.focus();
  }

  render(topics) {
    this.sidebar.render(topics);
    this.pane.render(topics);
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
    const routed = routeConv();
    if (routed !== null) session.openConv(routed);
  }
  // After the first conv.list, open something sensible when the address
  // names no conversation, or one we cannot see.
  const routed = routeConv();
  if (store.booted && (routed === null || store.missing.has(routed))
      && (store.active === null || store.missing.has(store.active))) {
    const id = pickDefaultConv();
    history.replaceState(null, '', id === null ? `${location.pathname}${location.search}` : `#/c/${id}`);
    if (id !== null || store.active !== null) session.openConv(id);
  }
  shell.render(topics);
  if (store.active !== focusedConv) {
    focusedConv = store.active;
    if (focusedConv !== null && !narrow.matches && !shell.el.querySelector('dialog[open]')) shell.pane.composer.focus();
  }
  let unread = 0;
  for (const n of store.unread.values()) unread += n;
  const c = store.active !== null ? store.convs.get(store.active) : null;
  const title = c ? (c.kind === 'channel' ? `#${c.name}` : store.convTitle(c)) : 'Tandem';
  document.title = `${unread ? `(${unread}) ` : ''}${title}${c ? ' · Tandem' : ''}`;
}

store.subscribe((topics) => render(topics));
window.addEventListener('hashchange', () => {
  if (store.me) session.openConv(routeConv());
});
window.addEventListener('online', () => conn.reconnectNow());
// Public channels created by others are not announced to non-members:
// refresh the list when the page comes back into view.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible') return;
  conn.reconnectNow();
  session.refreshConvs();
});
narrow.addEventListener('change', () => shell && shell.setNav(false));

// For the browser tests and for debugging from the console.
window.tandem = { store, session, conn };

render(new Set(['all']));
session.start();

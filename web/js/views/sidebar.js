// views/sidebar.js: the workspace sidebar: connection status, the pages of
// routes.js that ask to be listed (with their badges), joined channels,
// public channels to join, direct messages and groups, and the signed-in
// user. Unread and mention counts are the server's (unread.counts, kept
// current by events in the store).

import { h, replace } from '../dom.js';
import { TEAM_LABEL } from '../format.js';
import { icon } from './icons.js';
import { avatar } from './avatar.js';
import { PAGES } from '../routes.js';
import { currentTheme } from '../theme.js';
import { Notifier } from '../notify.js';

// The connection's state in words; `long` adds the retry countdown.
export function connLabel(conn, long = false, now = Date.now()) {
  if (conn.state === 'open') return 'Connected';
  if (conn.state === 'connecting') return 'Connecting…';
  if (conn.retryAt > now) {
    return long ? `Offline: reconnecting in ${Math.ceil((conn.retryAt - now) / 1000)} s` : 'Reconnecting…';
  }
  return 'Offline';
}

export class Sidebar {
  constructor(store, session, actions) {
    this.store = store;
    this.session = session;
    this.actions = actions; // {open(convId), createChannel(), newDm(), logout()}
    this.el = this.build();
    this.tick = setInterval(() => this.renderConn(), 1000);
  }

  build() {
    this.statusEl = h('div', { class: 'conn', attrs: { role: 'status' } },
      h('span', { class: 'conn-dot', attrs: { 'aria-hidden': 'true' } }),
      h('span', { class: 'conn-text' }));
    this.channelsEl = h('ul', { class: 'conv-list', attrs: { 'aria-label': 'Channels' } });
    this.browseEl = h('ul', { class: 'conv-list', attrs: { 'aria-label': 'Channels you can join' } });
    this.browseSection = h('section', { class: 'sb-section' },
      h('h2', { class: 'sb-title', text: 'More channels' }), this.browseEl);
    this.dmsEl = h('ul', { class: 'conv-list', attrs: { 'aria-label': 'Direct messages' } });
    this.meEl = h('div', { class: 'me' });
    this.pagesEl = h('ul', { class: 'conv-list', attrs: { 'aria-label': 'Workspace' } });

    const addButton = (label, onClick) => h('button', {
      type: 'button', class: 'icon-btn', attrs: { 'aria-label': label, title: label },
      on: { click: onClick },
    }, icon('plus'));

    return h('aside', { class: 'sidebar', id: 'sidebar', attrs: { 'aria-label': 'Workspace' } },
      h('header', { class: 'sb-head' },
        h('div', { class: 'brand' }, h('span', { class: 'logo', attrs: { 'aria-hidden': 'true' } }), h('span', { text: 'Tandem' })),
        this.statusEl),
      h('nav', { class: 'sb-nav', attrs: { 'aria-label': 'Conversations' } },
        h('section', { class: 'sb-section sb-pages' }, this.pagesEl),
        h('section', { class: 'sb-section' },
          h('div', { class: 'sb-title-row' },
            h('h2', { class: 'sb-title', text: 'Channels' }),
            addButton('Create channel', () => this.actions.createChannel())),
          this.channelsEl),
        this.browseSection,
        h('section', { class: 'sb-section' },
          h('div', { class: 'sb-title-row' },
            h('h2', { class: 'sb-title', text: 'Direct messages' }),
            addButton('New direct message', () => this.actions.newDm())),
          this.dmsEl)),
      this.meEl);
  }

  destroy() {
    clearInterval(this.tick);
  }

  renderConn() {
    const { conn } = this.store;
    const label = connLabel(conn);
    const text = this.statusEl.querySelector('.conn-text');
    if (text.textContent !== label) text.textContent = label;
    this.statusEl.dataset.state = conn.state;
  }

  convLink(c, label, extra) {
    const { store } = this;
    const unread = store.unreadOf(c.id);
    const mentions = store.mentionsOf(c.id);
    const muted = store.readOf(c.id).notify === 'muted';
    const a = h('a', {
      href: `#/c/${c.id}`,
      class: ['conv-link', unread && !muted && 'has-unread', muted && 'muted-conv', c.member === false && 'not-member'],
      data: { conv: c.id },
      attrs: { 'aria-current': store.active === c.id && location.hash.startsWith('#/c/') ? 'page' : null },
      on: { click: () => this.actions.navigated() },
    }, extra, h('span', { class: 'conv-name', text: label }),
    mentions ? h('span', { class: 'badge mention-badge', text: `@${mentions > 99 ? '99+' : mentions}`, attrs: { 'aria-label': `${mentions} mention${mentions === 1 ? '' : 's'}` } }) : null,
    unread && !mentions ? h('span', { class: ['badge', muted && 'quiet'], text: unread > 999 ? '999+' : String(unread), attrs: { 'aria-label': `${unread > 999 ? '999+' : unread} unread` } }) : null);
    return a;
  }

  // The pages of routes.js that ask to be listed, with their badges.
  renderPages() {
    const { store } = this;
    const current = /^#\/([a-z-]+)/.exec(location.hash);
    const listed = PAGES.filter((p) => p.nav);
    this.pagesEl.parentElement.hidden = listed.length === 0;
    replace(this.pagesEl, listed.map((p) => {
      const n = p.badge ? p.badge(store) : 0;
      return h('li', null, h('a', {
        href: `#/${p.name}`,
        class: ['conv-link', n && 'has-unread'],
        data: { key: `page-${p.name}` },
        attrs: { 'aria-current': current && current[1] === p.name ? 'page' : null },
        on: { click: () => this.actions.navigated() },
      }, h('span', { class: 'conv-icon', attrs: { 'aria-hidden': 'true' } }, icon(p.icon || 'hash')),
      h('span', { class: 'conv-name', text: p.label }),
      n ? h('span', { class: 'badge', text: n > 99 ? '99+' : String(n), attrs: { 'aria-label': `${n} new` } }) : null));
    }));
  }

  // The browser's notification permission, read again only when it may
  // have changed (asking for it re-renders with the 'notify' topic).
  notifyPermission(topics) {
    if (this.permission === undefined || (topics && (topics.has('notify') || topics.has('all')))) this.permission = Notifier.permission();
    return this.permission;
  }

  render(topics) {
    const { store } = this;
    this.notifyPermission(topics);
    this.renderConn();
    const focusedKey = this.el.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    this.renderPages();

    const convs = [...store.convs.values()].filter((c) => !c.archived || c.member);
    const byName = (a, b) => a.name.localeCompare(b.name);
    const joined = convs.filter((c) => c.kind === 'channel' && c.member !== false).sort(byName);
    const others = convs.filter((c) => c.kind === 'channel' && c.member === false).sort(byName);
    const dms = convs.filter((c) => c.kind !== 'channel' && c.member !== false)
      .map((c) => ({ c, title: store.convTitle(c) }))
      .sort((a, b) => (b.c.last_message_id || 0) - (a.c.last_message_id || 0) || a.title.localeCompare(b.title));

    replace(this.channelsEl, joined.length
      ? joined.map((c) => h('li', null, this.convLink(c, c.name,
        h('span', { class: 'conv-icon', attrs: { 'aria-hidden': 'true' } }, icon(c.private ? 'lock' : 'hash')))))
      : h('li', { class: 'sb-empty', text: 'No channels yet' }));

    this.browseSection.hidden = others.length === 0;
    replace(this.browseEl, others.map((c) => h('li', { class: 'browse-item' },
      this.convLink(c, c.name, h('span', { class: 'conv-icon', attrs: { 'aria-hidden': 'true' } }, icon('hash'))),
      h('button', {
        type: 'button', class: 'btn small', text: 'Join',
        data: { key: `join-${c.id}` },
        attrs: { 'aria-label': `Join #${c.name}` },
        on: { click: () => this.actions.join(c.id) },
      }))));

    replace(this.dmsEl, dms.length
      ? dms.map(({ c, title }) => {
        const others2 = store.othersIn(c.id) || [];
        const peer = c.kind === 'dm' ? (others2[0] ?? (store.me && store.me.id)) : null;
        const online = peer !== null && peer !== undefined && store.users.get(peer)?.online;
        const lead = c.kind === 'dm'
          ? h('span', { class: ['presence', online ? 'online' : 'offline'], attrs: { 'aria-label': online ? 'online' : 'offline', role: 'img' } })
          : h('span', { class: 'conv-icon group-count', text: String(c.member_count || ''), attrs: { 'aria-hidden': 'true' } });
        return h('li', null, this.convLink(c, title, lead));
      })
      : h('li', { class: 'sb-empty', text: 'No conversations yet' }));

    for (const a of this.el.querySelectorAll('.conv-link')) a.dataset.key = `conv-${a.dataset.conv}`;

    const me = store.me;
    if (me) {
      replace(this.meEl,
        avatar(store, me.id),
        h('div', { class: 'me-text' },
          h('div', { class: 'me-name', text: me.display_name || me.handle }),
          h('div', { class: 'me-sub', text: `@${me.handle} · ${TEAM_LABEL[me.team] || me.team}` })),
        this.notifyPermission() === 'default' ? h('button', {
          type: 'button', class: 'icon-btn', data: { key: 'notify' },
          attrs: { 'aria-label': 'Enable desktop notifications', title: 'Enable desktop notifications' },
          on: { click: () => this.actions.enableNotifications() },
        }, icon('bell')) : null,
        h('button', {
          type: 'button', class: 'icon-btn', data: { key: 'theme' },
          attrs: { 'aria-label': currentTheme() === 'dark' ? 'Switch to light theme' : 'Switch to dark theme', title: 'Theme' },
          on: { click: () => this.actions.toggleTheme() },
        }, icon(currentTheme() === 'dark' ? 'sun' : 'moon')),
        h('button', {
          type: 'button', class: 'icon-btn', data: { key: 'logout' },
          attrs: { 'aria-label': 'Log out', title: 'Log out' },
          on: { click: () => this.actions.logout() },
        }, icon('logout')));
    }

    if (focusedKey) {
      const again = this.el.querySelector(`[data-key="${CSS.escape(focusedKey)}"]`);
      if (again) again.focus();
    }
  }
}

// routes.js: the pages and side panels the shell can show, in one table.
//
// The address names what the main area shows:
//   #/c/<id>              a conversation (views/pane.js)
//   #/<page>[/<arg>]      a page registered here (#/requests, #/feedback/12)
//
// A page is a class constructed once per signed-in shell with
// ctx = {store, session, actions} and offering:
//   el                    its root element (a <main> or <section>)
//   show(arg)             the route chose it; arg is the text after the slash
//                         (or null); load what it needs
//   render(topics)        store topics changed (see store.js), e.g. 'synced'
//                         after every (re)connection: refetch then
//   destroy()             optional: clear timers
// `nav` puts it in the sidebar's Workspace list with `label` and `icon`
// (views/icons.js); `badge(store)` may return a count shown beside it.
//
// A side panel sits to the right of the conversation. Panel providers are
// asked, in order, for the open conversation: the first that returns a
// panel ({el, render(topics), destroy()}) is shown; actions.openSide(panel)
// shows one on demand (a thread) and actions.closeSide() returns to the
// provider's.

import { ThreadsPage, MentionsPage, SavedPage, SearchPage, ScheduledPage } from './views/pages.js';
// --- sales and marketing imports ---
import { RequestsPage } from './sm/requests.js';
import { FeedbackPage } from './sm/feedback.js';
import { BuddyPage } from './sm/buddy.js';
import { GlossaryPage } from './sm/glossary.js';
import { DashboardPage } from './sm/dashboard.js';
import { unreadOfKind } from './sm/common.js';
import { RequestPanel } from './sm/request-panel.js';
import { FeedbackPanel } from './sm/feedback-panel.js';

export const PAGES = [
  // --- chat pages ---
  { name: 'threads', label: 'Threads', icon: 'thread', nav: true, Page: ThreadsPage, badge: (store) => store.threadsUnread() },
  { name: 'mentions', label: 'Mentions', icon: 'at', nav: true, Page: MentionsPage, badge: (store) => [...store.reads.values()].reduce((n, r) => n + (r.mentions || 0), 0) },
  { name: 'saved', label: 'Saved', icon: 'bookmark', nav: true, Page: SavedPage },
  { name: 'search', label: 'Search', icon: 'search', nav: true, Page: SearchPage },
  { name: 'scheduled', label: 'Scheduled', icon: 'clock', nav: true, Page: ScheduledPage },

  // --- sales and marketing pages ---
  { name: 'requests', label: 'Requests', icon: 'requests', nav: true, Page: RequestsPage, badge: (store) => unreadOfKind(store, 'request') },
  { name: 'feedback', label: 'Feedback', icon: 'feedback', nav: true, Page: FeedbackPage, badge: (store) => unreadOfKind(store, 'feedback') },
  { name: 'buddy', label: 'Buddy', icon: 'buddy', nav: true, Page: BuddyPage },
  { name: 'glossary', label: 'Glossary', icon: 'glossary', nav: true, Page: GlossaryPage },
  { name: 'dashboard', label: 'Dashboard', icon: 'dashboard', nav: true, Page: DashboardPage },
];

export const SIDE_PROVIDERS = [
  // --- sales and marketing panels: (ctx, conv) => panel or null ---
  (ctx, conv) => (conv.kind === 'request' ? new RequestPanel(ctx, conv) : null),
  (ctx, conv) => (conv.kind === 'feedback' ? new FeedbackPanel(ctx, conv) : null),
];

export function pageNamed(name) {
  return PAGES.find((p) => p.name === name) || null;
}

// sm/common.js: what the sales-and-marketing pages and panels share: the
// protocol's enum names and their labels, who counts as a marketer, money
// and date text, safe links, form fields, page headers, and the map from a
// record's conversation to the record.

import { h, replace } from '../dom.js';
import { icon } from '../views/icons.js';

export const REQUEST_KINDS = ['case_study', 'battle_card', 'one_pager', 'deck', 'email_template', 'video', 'other'];
export const STAGES = ['none', 'prospecting', 'discovery', 'demo', 'proposal', 'negotiation', 'closed_won', 'closed_lost'];
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
export const REQUEST_STATUSES = ['new', 'accepted', 'in_progress', 'waiting_on_requester', 'in_review',
  'reopened', 'delivered', 'closed', 'declined'];
export const OPEN_STATUSES = ['new', 'accepted', 'in_progress', 'waiting_on_requester', 'in_review', 'reopened'];
export const FEEDBACK_KINDS = ['pain_point', 'objection', 'lost_reason', 'product_fit', 'competitor',
  'testimonial', 'content_idea', 'missing_content'];
export const FEEDBACK_STATUSES = ['new', 'acknowledged', 'planned', 'done', 'closed'];
export const WEIGHTS = ['nice_to_have', 'important', 'deal_blocker'];
export const VERDICTS = ['helped', 'fell_flat', 'outdated'];

const SPECIAL = { one_pager: 'One-pager', closed_won: 'Closed won', closed_lost: 'Closed lost' };

// "in_progress" -> "In progress".
export function label(name) {
  if (SPECIAL[name]) return SPECIAL[name];
  const s = String(name).replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// Marketers (team marketing) and admins triage.
export function isMarketer(user) {
  return !!user && (user.team === 'marketing' || user.role === 'admin');
}

const moneyFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
export function money(v) {
  return moneyFmt.format(Number(v) || 0);
}

const dateFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', year: 'numeric' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export function date(ms) {
  return ms ? dateFmt.format(new Date(ms)) : '—';
}
export function dateTime(ms) {
  return ms ? dateTimeFmt.format(new Date(ms)) : '—';
}

// The local calendar day of a time, as a date input's value (2026-11-23).
export function isoDay(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

// "3 h", "2 d", "45 min" for a duration in ms.
export function duration(ms) {
  const m = Math.round(Math.abs(ms) / 60000);
  if (m < 90) return `${m} min`;
  const hrs = Math.round(m / 60);
  if (hrs < 48) return `${hrs} h`;
  return `${Math.round(hrs / 24)} d`;
}

// A link only for http(s) URLs, opened apart from this page; anything else
// stays text.
export function safeLink(url, text = url) {
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok) return h('span', { class: 'sm-nolink', text });
  return h('a', { href: url, text, attrs: { rel: 'noopener noreferrer', target: '_blank' } });
}

// A labelled form field around a control that has an id.
export function field(text, control, hint = null) {
  return h('div', { class: 'field' },
    h('label', { attrs: { for: control.id }, text }), control,
    hint ? h('p', { class: 'field-hint', text: hint }) : null);
}

// One "key: value" line of a record's facts.
export function fact(k, v, id = null) {
  return h('div', { class: 'sm-fact' }, h('span', { class: 'sm-fact-k', text: k }), h('span', { class: 'sm-fact-v', id, text: v }));
}

// The filters of a list, folded away at phone width (the list comes first
// there) and open elsewhere.
export function filterBox(name, ...fields) {
  return h('details', { class: 'sm-filter-box', open: !window.matchMedia('(max-width: 760px)').matches },
    h('summary', { text: 'Filters' }),
    h('div', { class: 'sm-filters', attrs: { role: 'search', 'aria-label': name } }, fields));
}

// A <select> of enum names; `any` adds a first empty option with that text.
export function select(id, names, value = '', any = null) {
  const opts = names.map((n) => h('option', { value: n, text: label(n) }));
  if (any !== null) opts.unshift(h('option', { value: '', text: any }));
  const el = h('select', { id }, opts);
  el.value = value;
  return el;
}

export function input(id, type = 'text', props = {}) {
  return h('input', { id, type, ...props });
}

// The text of a failed call, for forms and toasts.
export function errText(err) {
  return (err && (err.message || err.code)) || 'Something went wrong';
}

// A page header with the phone-width menu button, a title and actions.
export function pageHead(actions, title, ...extra) {
  return h('header', { class: 'pane-head sm-head' },
    h('button', {
      type: 'button', class: 'icon-btn menu-btn',
      attrs: { 'aria-label': 'Show conversations' },
      on: { click: () => actions.toggleNav() },
    }, icon('menu')),
    h('h1', { class: 'pane-title', text: title }), h('div', { class: 'sm-head-actions' }, extra));
}

// A record panel's frame: at phone width the panel covers the
// conversation, so a button folds it away to a small "Details" button and
// back. Returns {el, body}: paint into body.
export function panelFrame(id, name) {
  const body = h('div', { class: 'sm-panel-body' });
  const el = h('section', { class: 'sm-panel', id, attrs: { 'aria-label': name } });
  const toggle = h('button', {
    type: 'button', class: 'btn small sm-panel-toggle', text: 'Show conversation',
    attrs: { 'aria-expanded': 'true', 'aria-controls': `${id}-body` },
    on: {
      click: () => {
        const folded = el.classList.toggle('is-collapsed');
        toggle.textContent = folded ? 'Details' : 'Show conversation';
        toggle.setAttribute('aria-expanded', String(!folded));
      },
    },
  });
  body.id = `${id}-body`;
  el.append(toggle, body);
  return { el, body };
}

// Form controls that outlive a repaint: a panel or page redrawn by a live
// event keeps what the person was typing (and the focus).
export class Kept {
  constructor() {
    this.map = new Map();
  }

  get(key, make) {
    if (!this.map.has(key)) this.map.set(key, make());
    return this.map.get(key);
  }

  clear() {
    this.map.clear();
  }
}

// Replace el's children, giving the focus back if it was inside and its
// element is still shown.
export function repaint(el, ...children) {
  const focused = document.activeElement;
  const inside = focused && focused !== document.body && el.contains(focused);
  replace(el, ...children);
  if (inside && focused.isConnected && document.activeElement !== focused) focused.focus();
}

// A nonce for record creation (retries never file twice).
export function nonce() {
  return `sm-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

// Open a record's conversation in the main pane. conv.list holds only the
// conversations one is a member of, so a record's conversation may be
// unknown here: fetch it first (conv.get says whether we are a member),
// so that the pane shows its history and, for a visitor, a Join bar.
export async function openRecordConv(ctx, convId) {
  const { store, session } = ctx;
  if (!store.convs.has(convId)) await session.fetchConv(convId);
  ctx.actions.open(convId);
}

// A record's conversation reached by its address (#/c/<id>) by someone
// who is not a member is fetched after it was opened, and its history was
// then never asked for: ask now.
export function loadHistoryOf(ctx, conv) {
  const { store, session } = ctx;
  if (store.active === conv.id && !store.history(conv.id)) session.openConv(conv.id);
}

// Unread messages in the conversations of one kind of record that one
// watches: the badge of the Requests and Feedback pages.
export function unreadOfKind(store, kind) {
  let n = 0;
  for (const [id, r] of store.reads) if (store.convs.get(id)?.kind === kind) n += r.unread || 0;
  return n;
}

// conv id -> {type: 'request'|'feedback', id}, learned from every record
// seen in a reply or an event.
const recordOfConv = new Map();

export function learn(type, rec) {
  if (rec && rec.conv) recordOfConv.set(rec.conv, { type, id: rec.id });
}

// Find the record that owns a conversation: from what was seen, else ask
// the server (request.get / feedback.get by conv).
export async function recordFor(session, conv) {
  const known = recordOfConv.get(conv.id);
  if (known) return known.id;
  const type = conv.kind;
  try {
    const res = await session.call(`${type}.get`, { conv: conv.id });
    learn(type, res[type]);
    return res[type].id;
  } catch (err) {
    if (err.code === 'not_found') return null;
    throw err;
  }
}

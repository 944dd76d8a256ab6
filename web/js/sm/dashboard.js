// sm/dashboard.js: the Dashboard page (#/dashboard) for the weekly
// alignment meeting: headline figures, then charts of requests by status,
// time to first response and delivery, verdicts, feedback by kind over the
// last 30 days, and spikes; the top feedback items. It refreshes when
// requests, feedback or pairs change.

import { h, replace } from '../dom.js';
import {
  REQUEST_STATUSES, FEEDBACK_KINDS, VERDICTS, label, money, duration, errText, pageHead,
} from './common.js';
import { barChart, stackedBars, lineChart } from './charts.js';

const DAY = 86400000;
const HOUR = 3600000;
const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const LIVE = /^(request|feedback|pair|round)\./;

function hours(ms) {
  return ms === null || ms === undefined ? null : Math.round((ms / HOUR) * 10) / 10;
}

export class DashboardPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.title = 'Dashboard';
    this.data = null;
    this.error = '';
    this.bodyEl = h('div', { class: 'sm-dash', id: 'dashboard-body' });
    this.el = h('main', { class: 'sm-page', id: 'dashboard-page', attrs: { 'aria-label': 'Dashboard' } },
      pageHead(ctx.actions, 'Team dashboard',
        h('button', { type: 'button', class: 'btn', text: 'Refresh', on: { click: () => this.load() } })),
      h('div', { class: 'sm-scroll' }, this.bodyEl));
    this.unlisten = ctx.session.listen((event) => {
      if (!LIVE.test(event) || !this.el.isConnected) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.load(), 500);
    });
  }

  destroy() {
    this.unlisten();
    clearTimeout(this.timer);
  }

  show() {
    this.load();
  }

  render(topics) {
    if (topics.has('synced')) this.load();
  }

  async load() {
    try {
      const res = await this.ctx.session.call('dashboard');
      this.data = res.dashboard;
      this.error = '';
    } catch (err) {
      this.error = errText(err);
    }
    this.paint();
  }

  paint() {
    const d = this.data;
    if (this.error) {
      replace(this.bodyEl, h('p', { class: 'form-error', text: this.error }));
      return;
    }
    if (!d) {
      replace(this.bodyEl, h('p', { class: 'muted', text: 'Loading…' }));
      return;
    }
    const rq = d.requests;
    const fb = d.feedback;
    const breaches = rq.sla_breaches_this_week || {};
    replace(this.bodyEl,
      h('div', { class: 'sm-tiles' },
        tile('Open requests', rq.open, 'open'),
        tile('SLA breaches this week', (breaches.first_response || 0) + (breaches.delivery || 0), 'breaches',
          `${breaches.first_response || 0} first response, ${breaches.delivery || 0} delivery`),
        tile('Delivered (30 days)', rq.delivered_30d, 'delivered'),
        tile('Active buddy pairs', d.pairs.active, 'pairs',
          `${d.pairs.talking_7d} talking, ${d.pairs.silent_7d} silent this week`),
        tile('Buddy messages (7 days)', d.pairs.messages_7d, 'pair-messages')),
      h('div', { class: 'sm-charts' },
        barChart({
          id: 'chart-status', title: 'Requests by status', xLabel: 'Status', yLabel: 'Requests',
          data: REQUEST_STATUSES.map((s) => ({ label: label(s), value: rq.by_status[s] || 0 })),
        }),
        barChart({
          id: 'chart-times', title: 'Median time to answer and deliver (30 days)', xLabel: 'Clock', yLabel: 'Hours',
          data: [
            { label: `First response (${rq.first_responses_30d})`, value: hours(rq.median_first_response_ms) || 0,
              text: rq.median_first_response_ms === null ? 'none' : duration(rq.median_first_response_ms) },
            { label: `Delivery (${rq.delivered_30d})`, value: hours(rq.median_delivery_ms) || 0,
              text: rq.median_delivery_ms === null ? 'none' : duration(rq.median_delivery_ms) },
          ],
        }),
        barChart({
          id: 'chart-verdicts', title: 'Did the content help? (30 days)', xLabel: 'Verdict', yLabel: 'Verdicts',
          data: VERDICTS.map((v) => ({ label: label(v), value: (rq.verdicts_30d || {})[v] || 0 })),
        }),
        this.overTime(d),
        this.cumulative(d),
        barChart({
          id: 'chart-kinds', title: 'Feedback by kind (30 days)', xLabel: 'Kind', yLabel: 'Items',
          data: FEEDBACK_KINDS.map((k) => ({ label: label(k), value: fb.by_kind_30d[k] || 0 })),
        }),
        this.spikes(fb.spikes || [])),
      h('div', { class: 'sm-tops' },
        top('Most votes', fb.top_by_votes, 'top-votes'),
        top('Most deal value affected', fb.top_by_value, 'top-value')));
  }

  // Daily feedback per kind as stacked bars, kinds with none left out.
  overTime(d) {
    const daily = d.feedback.daily_by_kind || {};
    const kinds = FEEDBACK_KINDS.filter((k) => (daily[k] || []).some((n) => n > 0));
    const categories = Array.from({ length: 30 }, (_, i) => dayFmt.format(new Date(d.since_30d + i * DAY)));
    const series = (kinds.length ? kinds : ['pain_point']).map((k) => ({ name: label(k), values: daily[k] || new Array(30).fill(0) }));
    return stackedBars({
      id: 'chart-daily', title: 'Feedback by kind, day by day', xLabel: 'Day (UTC)', yLabel: 'Items filed',
      categories, series, every: 5,
    });
  }

  // The same days as running totals per kind: which kind is growing.
  cumulative(d) {
    const daily = d.feedback.daily_by_kind || {};
    const kinds = FEEDBACK_KINDS.filter((k) => (daily[k] || []).some((n) => n > 0));
    const categories = Array.from({ length: 30 }, (_, i) => dayFmt.format(new Date(d.since_30d + i * DAY)));
    const series = (kinds.length ? kinds : ['pain_point']).map((k) => {
      let sum = 0;
      return { name: label(k), values: (daily[k] || new Array(30).fill(0)).map((n) => (sum += n)) };
    });
    return lineChart({
      id: 'chart-cumulative', title: 'Feedback by kind, running total', xLabel: 'Day (UTC)', yLabel: 'Items so far',
      categories, series, every: 5,
    });
  }

  spikes(list) {
    if (!list.length) {
      return h('figure', { class: 'chart', id: 'chart-spikes', data: { chart: 'chart-spikes' } },
        h('figcaption', { class: 'chart-title', text: 'Spikes' }),
        h('p', { class: 'muted', text: 'Nothing is rising faster than usual this week.' }));
    }
    return barChart({
      id: 'chart-spikes', title: 'Spikes: activity this week', xLabel: 'Kind or competitor', yLabel: 'Items and votes',
      data: list.map((s) => ({
        label: s.dimension === 'kind' ? label(s.key) : `vs ${s.key}`,
        value: s.last_7_days,
        text: `${s.last_7_days} (×${s.ratio})`,
      })),
    });
  }
}

function tile(text, value, key, hint = null) {
  return h('div', { class: 'sm-tile', data: { tile: key } },
    h('div', { class: 'sm-tile-v', text: String(value) }),
    h('div', { class: 'sm-tile-k', text }),
    hint ? h('div', { class: 'muted sm-tile-h', text: hint }) : null);
}

function top(title, items, id) {
  return h('section', { class: 'sm-card', id },
    h('h2', { class: 'sm-h2', text: title }),
    items && items.length ? h('ol', { class: 'sm-top' }, items.map((f) => h('li', null,
      h('a', { href: `#/feedback/${f.id}`, text: f.title }),
      h('span', { class: 'muted', text: ` ${label(f.kind)} · ${f.votes} votes · ${money(f.value_total)}` }))))
      : h('p', { class: 'muted', text: 'No open feedback yet.' }));
}

// sm/buddy.js: the Buddy page (#/buddy): my buddy, our streak and the
// starter that opened our conversation, my pairing preferences; for admins
// also the pairs (make one, end one), rounds (run now, cadence) and the
// pair-health view. It follows pair.new, pair.end and round.done.

import { h, replace } from '../dom.js';
import { TEAM_LABEL } from '../format.js';
import { label, dateTime, duration, field, input, errText, pageHead } from './common.js';

const CADENCES = ['off', 'weekly', 'biweekly', 'fourweekly'];

export class BuddyPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.title = 'Buddy';
    this.buddy = null;
    this.starter = null;
    this.prefs = null;
    this.admin = null; // {pairs, health, rounds, config} for admins
    this.error = '';
    this.bodyEl = h('div', { class: 'sm-body', id: 'buddy-body' });
    this.el = h('main', { class: 'sm-page', id: 'buddy-page', attrs: { 'aria-label': 'Buddy' } },
      pageHead(ctx.actions, 'Buddy'), h('div', { class: 'sm-scroll' }, this.bodyEl));
    this.unlisten = ctx.session.listen((event, data) => {
      const mine = this.buddy && this.buddy.conv && data.message && data.message.conv === this.buddy.conv;
      if ((!/^(pair|round)\./.test(event) && !mine) || !this.el.isConnected) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.load(), 200);
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
    else if (topics.has('users')) this.paint();
  }

  isAdmin() {
    return this.ctx.store.me && this.ctx.store.me.role === 'admin';
  }

  async load() {
    const { session } = this.ctx;
    try {
      const [buddy, prefs] = await Promise.all([session.call('buddy.get'), session.call('pair.prefs')]);
      this.buddy = buddy.pair ? buddy : null;
      this.prefs = prefs.prefs;
      this.starter = this.buddy ? await this.findStarter(this.buddy.conv) : null;
      if (this.isAdmin()) {
        const [pairs, health, rounds] = await Promise.all([
          session.call('pair.list'), session.call('pair.health'), session.call('round.get')]);
        this.admin = { pairs: pairs.pairs || [], health, rounds: rounds.rounds || [], config: rounds.config };
      }
      this.error = '';
    } catch (err) {
      this.error = errText(err);
    }
    this.paint();
  }

  // The system line that opened the pair's conversation.
  async findStarter(conv) {
    try {
      const res = await this.ctx.session.call('msg.history', { conv, limit: 50 });
      const sys = (res.messages || []).filter((m) => m.system && !m.deleted && m.created_at >= this.buddy.pair.created_at);
      sys.sort((a, b) => a.id - b.id);
      return sys[0] || null;
    } catch {
      return null;
    }
  }

  async act(op, fields = {}) {
    try {
      const res = await this.ctx.session.call(op, fields);
      this.error = '';
      await this.load();
      return res;
    } catch (err) {
      this.error = errText(err);
      this.paint();
      return null;
    }
  }

  paint() {
    replace(this.bodyEl,
      this.error ? h('p', { class: 'form-error', attrs: { role: 'alert' }, text: this.error }) : null,
      this.mine(), this.prefsEl(), this.isAdmin() && this.admin ? this.adminEl() : null);
  }

  mine() {
    const { store, actions } = this.ctx;
    const b = this.buddy;
    if (!b) {
      return h('section', { class: 'sm-card', id: 'my-buddy' },
        h('h2', { class: 'sm-h2', text: 'My buddy' }),
        h('p', { class: 'muted', text: 'You are not in a buddy pair right now. Pairs are made by an admin or by the next round.' }));
    }
    return h('section', { class: 'sm-card', id: 'my-buddy' },
      h('h2', { class: 'sm-h2', text: b.buddies.length > 1 ? 'My buddies' : 'My buddy' }),
      h('ul', { class: 'sm-buddies' }, b.buddies.map((u) => h('li', { class: 'sm-buddy' },
        h('strong', { class: 'sm-buddy-name', text: store.userName(u.id) }),
        h('span', { class: ['team', `team-${u.team}`], text: TEAM_LABEL[u.team] || u.team })))),
      h('p', { class: 'sm-streak' },
        h('span', { id: 'buddy-streak', text: `Streak: ${b.streak} working day${b.streak === 1 ? '' : 's'}` }),
        ' · ', h('span', { text: b.today ? 'You talked today' : 'Not a word yet today' })),
      this.starter ? h('blockquote', { class: 'sm-quote', id: 'buddy-starter', text: this.starter.body }) : null,
      h('button', {
        type: 'button', class: 'btn primary', id: 'open-buddy-conv', text: 'Open our conversation',
        on: { click: () => actions.open(b.conv) },
      }));
  }

  prefsEl() {
    if (!this.prefs) return null;
    const optOut = h('input', { type: 'checkbox', id: 'pair-opt-out', checked: !!this.prefs.opt_out });
    const snooze = input('pair-snooze', 'date');
    if (this.prefs.snooze) snooze.value = new Date(this.prefs.snooze).toISOString().slice(0, 10);
    return h('details', { class: 'sm-card' },
      h('summary', { text: 'My pairing preferences' }),
      h('form', {
        class: 'sm-form',
        on: {
          submit: (e) => {
            e.preventDefault();
            this.act('pair.prefs', {
              opt_out: optOut.checked,
              snooze: snooze.value ? new Date(`${snooze.value}T23:59:59`).getTime() : 0,
            });
          },
        },
      },
      h('div', { class: 'field check' }, optOut, h('label', { attrs: { for: optOut.id }, text: 'Leave me out of rounds' })),
      field('Skip rounds until', snooze, 'For a vacation; empty: no snooze.'),
      h('button', { type: 'submit', class: 'btn small', text: 'Save' })));
  }

  adminEl() {
    const { store } = this.ctx;
    const a = this.admin;
    const users = [...store.users.values()];
    const pick = (id, team) => h('select', { id },
      users.filter((u) => u.team === team).map((u) => h('option', { value: String(u.id), text: store.userName(u.id) })));
    const rep = pick('pair-rep', 'sales');
    const marketer = pick('pair-marketer', 'marketing');
    const cadence = h('select', { id: 'round-cadence' }, CADENCES.map((c) => h('option', { value: c, text: label(c) })));
    cadence.value = a.config ? a.config.cadence : 'off';
    const names = (p) => [p.rep, p.marketer, p.third].filter(Boolean).map((id) => store.userName(id)).join(' + ');
    return h('div', { class: 'sm-admin' },
      h('section', { class: 'sm-card', id: 'pair-admin' },
        h('h2', { class: 'sm-h2', text: 'Pairs' }),
        h('form', {
          class: 'sm-row',
          on: { submit: (e) => { e.preventDefault(); this.act('pair.create', { rep: Number(rep.value), marketer: Number(marketer.value) }); } },
        }, field('Rep', rep), field('Marketer', marketer), h('button', { type: 'submit', class: 'btn small primary', text: 'Pair them' })),
        h('ul', { class: 'sm-plain', id: 'pair-list' }, a.pairs.map((p) => h('li', { class: 'sm-pair-row', data: { pair: p.id } },
          h('span', { text: names(p) }),
          h('span', { class: 'muted', text: p.ended_at ? ` ended ${dateTime(p.ended_at)}` : ` since ${dateTime(p.created_at)}` }),
          p.ended_at ? null : h('button', { type: 'button', class: 'btn small', text: 'End', on: { click: () => this.act('pair.end', { pair: p.id }) } }))))),
      h('section', { class: 'sm-card', id: 'pair-health' },
        h('h2', { class: 'sm-h2', text: `Pair health (${a.health.silent_pairs} silent)` }),
        h('div', { class: 'sm-table-wrap' }, h('table', { class: 'sm-table' },
          h('thead', null, h('tr', null, ['Pair', 'Messages (7 d)', 'Median reply', 'Last message', 'Streak', 'Silent']
            .map((t) => h('th', { attrs: { scope: 'col' }, text: t })))),
          h('tbody', null, (a.health.pairs || []).map((e) => h('tr', { class: e.silent ? 'is-silent' : null, data: { pair: e.pair.id } },
            h('td', { text: names(e.pair) }),
            h('td', { class: 'num', text: String(e.messages_7d) }),
            h('td', { text: e.median_response_ms === null ? '—' : duration(e.median_response_ms) }),
            h('td', { text: e.last_message_at ? dateTime(e.last_message_at) : '—' }),
            h('td', { class: 'num', text: String(e.streak) }),
            h('td', { text: e.silent ? 'Silent' : '' }))))))),
      h('section', { class: 'sm-card', id: 'round-admin' },
        h('h2', { class: 'sm-h2', text: 'Rounds' }),
        h('div', { class: 'sm-row' },
          h('button', { type: 'button', class: 'btn small primary', id: 'round-run', text: 'Run a round now', on: { click: () => this.act('round.run') } }),
          field('Cadence', cadence),
          h('button', { type: 'button', class: 'btn small', text: 'Set cadence', on: { click: () => this.act('round.config', { cadence: cadence.value }) } })),
        a.config && a.config.next_at ? h('p', { class: 'muted', text: `Next round ${dateTime(a.config.next_at)}` }) : null,
        h('ol', { class: 'sm-plain', id: 'round-list' }, a.rounds.map((r) => h('li', null,
          h('strong', { text: `Round ${r.id}` }), ` ${dateTime(r.created_at)}: `,
          r.pairs.map(names).join('; ') || 'no pairs',
          r.unpaired.length ? ` · unpaired: ${r.unpaired.map((id) => store.userName(id)).join(', ')}` : '')))));
  }
}

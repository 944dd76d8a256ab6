// sm/sla.js: a request's SLA clock as a colour and a phrase ("due in 3 h",
// "2 h overdue"), read against the server's clock (learned from `ping`,
// since the server's time is what breaches a clock).

import { h } from '../dom.js';
import { duration } from './common.js';

let offset = 0; // server time minus local time, ms

// Learn the server's clock. Cheap: one small frame.
export async function syncClock(session) {
  try {
    const t0 = Date.now();
    const res = await session.call('ping');
    const t1 = Date.now();
    if (typeof res.time === 'number') offset = res.time - (t0 + t1) / 2;
  } catch {
    // Offline: keep the last offset.
  }
}

export function serverNow() {
  return Date.now() + offset;
}

// The clock that matters now: first response until it is met, then delivery.
// A request no longer open shows its delivery clock.
export function currentClock(req) {
  const sla = req.sla || {};
  const fr = sla.first_response;
  const open = !['delivered', 'closed', 'declined'].includes(req.status);
  if (open && fr && (fr.state === 'running' || fr.state === 'paused' || (fr.state === 'breached' && !fr.stopped_at))) {
    return { name: 'first_response', clock: fr };
  }
  return { name: 'delivery', clock: sla.delivery || null };
}

// {tone: 'ok'|'warn'|'bad'|'done', text} for one clock.
//   ok    running with more than a quarter of its target left
//   warn  running with less left, or paused
//   bad   breached
//   done  met or stopped
export function clockState(clock, now = serverNow()) {
  if (!clock) return { tone: 'done', text: 'no clock' };
  switch (clock.state) {
    case 'breached':
      if (clock.stopped_at) return { tone: 'bad', text: `breached, ${duration(clock.stopped_at - clock.breached_at)} late` };
      return { tone: 'bad', text: `${duration(now - clock.breached_at)} overdue` };
    case 'paused':
      return { tone: 'warn', text: 'paused' };
    case 'met':
      return { tone: 'done', text: 'met' };
    case 'stopped':
      return { tone: 'done', text: 'stopped' };
    default: {
      const left = clock.due_at - now;
      if (left <= 0) return { tone: 'bad', text: `${duration(-left)} overdue` };
      const tone = left > clock.target * 60000 * 0.25 ? 'ok' : 'warn';
      return { tone, text: `due in ${duration(left)}` };
    }
  }
}

const CLOCK_LABEL = { first_response: 'First response', delivery: 'Delivery' };

// A coloured chip for the clock that matters now.
export function slaChip(req) {
  const { name, clock } = currentClock(req);
  const st = clockState(clock);
  return h('span', {
    class: ['sla', `sla-${st.tone}`], data: { tone: st.tone },
    attrs: { title: `${CLOCK_LABEL[name]} SLA: ${st.text}` },
  }, h('span', { class: 'sla-dot', attrs: { 'aria-hidden': 'true' } }),
  `${name === 'first_response' ? 'Reply' : 'Delivery'} ${st.text}`);
}

// Both clocks, for the detail panel.
export function slaRows(req) {
  const sla = req.sla || {};
  return ['first_response', 'delivery'].map((name) => {
    const st = clockState(sla[name]);
    return h('div', { class: 'sm-fact' },
      h('span', { class: 'sm-fact-k', text: `${CLOCK_LABEL[name]} SLA` }),
      h('span', { class: ['sla', `sla-${st.tone}`], data: { tone: st.tone, clock: name } },
        h('span', { class: 'sla-dot', attrs: { 'aria-hidden': 'true' } }), st.text));
  });
}

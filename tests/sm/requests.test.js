// Content requests (request.*, sla.*): filing with templates and nonces,
// the lifecycle (every transition allowed and refused, by role), watchers,
// assignment, delivery closing the loop, verdicts, the marketers' queue,
// SLA targets and clocks on the test clock (breaches, pauses, reopen,
// exact across restarts), and who receives which event.

import {
  serverFixture, cleanExitTest, expectError, expectResult, nonce, assert, flush,
} from '../integration/util.js';
import { connect, resume } from '../lib/server.js';

const T0 = Date.UTC(2030, 0, 7, 9, 0, 0);
const MIN = 60000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const fx = serverFixture({ args: ['--open-registration', '--test-clock', String(T0)] });

// The first user is the workspace's admin (team other): it moves the clock
// and manages SLA targets.
let admin;
async function boss() {
  if (!admin) admin = await fx.user({ team: 'other', prefix: 'boss' });
  return admin;
}
const rep = () => fx.user({ team: 'sales', prefix: 'rep' });
const mkt = () => fx.user({ team: 'marketing', prefix: 'mkt' });

const now = async (u) => (await u.client.ok('ping')).time;
const clockTo = async (at) => (await (await boss()).client.ok('test.clock', { at })).time;

// A fresh connection of user u (each connection has its own rate limit).
async function session(u) {
  const c = fx.track(await connect(fx.srv));
  await c.ok('hello', { token: u.token });
  return c;
}

const cl = (u) => u.client || u;

async function file(u, fields = {}) {
  return (await cl(u).ok('request.create', {
    kind: 'deck', title: 'Deck for the Acme pitch', body: 'Ten slides on onboarding', ...fields,
  })).request;
}

async function move(u, id, status, extra = {}) {
  return (await cl(u).ok('request.move', { request: id, status, ...extra })).request;
}

async function deliver(u, id, extra = {}) {
  return (await cl(u).ok('request.deliver', { request: id, url: 'https://cdn.example.com/deck.pdf', ...extra })).request;
}

const get = async (u, id) => (await cl(u).ok('request.get', { request: id })).request;

const updates = (u, id, type) => cl(u).events.filter((e) => e.event === 'request.update' &&
  e.data.request.id === id && (type === undefined || e.data.change.type === type));

const systemLines = async (u, conv) => (await cl(u).ok('msg.history', { conv })).messages
  .filter((m) => m.system).map((m) => m.body);

// ---- the lifecycle, as the brief states it ----

const STATUSES = ['new', 'accepted', 'in_progress', 'waiting_on_requester', 'in_review',
  'delivered', 'closed', 'declined', 'reopened'];
const TARGETS = [...STATUSES, 'waiting_on_marketing'];
const OPEN = ['new', 'accepted', 'in_progress', 'waiting_on_requester', 'in_review', 'reopened'];
const RULES = [
  [['new', 'reopened'], 'accepted', ['M']],
  [['new', 'accepted'], 'declined', ['M']],
  [['accepted', 'in_review', 'reopened'], 'in_progress', ['M']],
  [['in_progress'], 'in_review', ['M']],
  [['accepted', 'in_progress', 'in_review', 'reopened'], 'waiting_on_requester', ['M']],
  [['waiting_on_requester'], 'waiting_on_marketing', ['M', 'R']],
  [['delivered'], 'closed', ['M', 'R']],
  [OPEN, 'closed', ['R']],
  [['delivered', 'closed'], 'reopened', ['M', 'R']],
];

function allowedBy(from, to) {
  const by = new Set();
  for (const [froms, t, who] of RULES) if (t === to && froms.includes(from)) who.forEach((w) => by.add(w));
  return by;
}

// File a request as `requester` and bring it to `status` through the
// usual path (marketer m). The waiting request waited from accepted.
async function reach(requester, m, status) {
  const r = await file(requester, { account: 'Matrix' });
  const id = r.id;
  const steps = {
    new: [],
    accepted: [['M', 'accepted']],
    in_progress: [['M', 'accepted'], ['M', 'in_progress']],
    in_review: [['M', 'accepted'], ['M', 'in_progress'], ['M', 'in_review']],
    waiting_on_requester: [['M', 'accepted'], ['M', 'waiting_on_requester']],
    delivered: [['M', 'accepted'], ['M', 'deliver']],
    closed: [['M', 'accepted'], ['M', 'deliver'], ['R', 'closed']],
    declined: [['M', 'declined']],
    reopened: [['M', 'accepted'], ['M', 'deliver'], ['M', 'reopened']],
  }[status];
  let cur = r;
  for (const [who, to] of steps) {
    const u = who === 'M' ? m : requester;
    if (to === 'deliver') cur = await deliver(u, id);
    else cur = await move(u, id, to, to === 'declined' ? { reason: 'no budget this quarter' } : {});
  }
  assert.equal(cur.status, status);
  return cur;
}

fx.test('request.templates: the questions marketing always asks, one template per kind', async () => {
  const a = await boss();
  const t = (await a.client.ok('request.templates', {})).templates;
  assert.deepEqual(t.map((x) => x.kind),
    ['case_study', 'battle_card', 'one_pager', 'deck', 'email_template', 'video', 'other']);
  for (const x of t) {
    assert.ok(x.title.length > 0);
    assert.ok(x.body.split('\n').length >= 5, `${x.kind} asks several questions`);
  }
  assert.match(t[0].body, /agreed to be named/);
  assert.match(t[1].body, /Competitor/);
  expectError(await a.client.request('request.templates', { kind: 'deck' }), 'bad_request', 'no fields');
  const anon = fx.track(await connect(fx.srv));
  expectError(await anon.request('request.templates', {}), 'unauthenticated');
});

fx.test('request.create: the record, its conversation, SLA clocks and the event to everyone', async () => {
  await boss();
  const [ana, mo, eve] = [await rep(), await mkt(), await mkt()];
  const t = await now(ana);
  const due = t + 14 * DAY;
  const r = await file(ana, {
    kind: 'case_study', title: 'Case study: a bank', body: 'A bank in DACH, with numbers',
    account: 'Acme Bank', deal: 'Acme renewal', stage: 'proposal', value: 120000, due, priority: 'high',
  });
  assert.equal(r.kind, 'case_study');
  assert.equal(r.title, 'Case study: a bank');
  assert.equal(r.body, 'A bank in DACH, with numbers');
  assert.equal(r.account, 'Acme Bank');
  assert.equal(r.deal, 'Acme renewal');
  assert.equal(r.stage, 'proposal');
  assert.equal(r.value, 120000);
  assert.equal(r.due, due);
  assert.equal(r.priority, 'high');
  assert.equal(r.status, 'new');
  assert.equal(r.reason, '');
  assert.equal(r.requester, ana.user.id);
  assert.equal(r.assignee, 0);
  assert.ok(r.created_at >= t);
  assert.equal(r.updated_at, r.created_at);
  assert.deepEqual(r.sla.first_response, { target: 240, due_at: r.created_at + 240 * MIN, stopped_at: 0, breached_at: 0, state: 'running' });
  assert.deepEqual(r.sla.delivery, { target: 7200, due_at: r.created_at + 7200 * MIN, stopped_at: 0, breached_at: 0, state: 'running' });
  assert.equal(r.asset, null);
  assert.deepEqual(r.verdict_counts, { helped: 0, fell_flat: 0, outdated: 0 });
  assert.deepEqual(r.feedback, []);
  // Defaults.
  const d = await file(ana);
  assert.equal(d.priority, 'normal');
  assert.equal(d.stage, 'none');
  assert.equal(d.value, 0);
  assert.equal(d.due, 0);
  assert.equal(d.account, '');
  assert.equal(d.sla.first_response.target, 1440);
  // The conversation: kind request, topic the title, the requester in it.
  const c = (await ana.client.ok('conv.get', { conv: r.conv })).conversation;
  assert.equal(c.kind, 'request');
  assert.equal(c.topic, 'Case study: a bank');
  const g = await get(eve, r.id);
  assert.deepEqual(g.watchers, [ana.user.id]);
  assert.deepEqual(g.verdicts, []);
  assert.equal(g.status, 'new');
  // Everyone hears of it, the marketers' queues included.
  for (const u of [mo, eve]) {
    const ev = await u.client.waitEvent((e) => e.event === 'request.update' && e.data.request.id === r.id);
    assert.equal(ev.data.change.type, 'create');
    assert.equal(ev.data.change.by, ana.user.id);
    assert.deepEqual(ev.data.request, r);
  }
  expectError(await mo.client.request('request.get', { request: 999999 }), 'not_found');
});

fx.test('request.create: retries by nonce, and bad input', async () => {
  await boss();
  const ana = await rep();
  const c = ana.client;
  const n = nonce('rq');
  const first = await file(ana, { nonce: n, value: 5 });
  const again = await file(ana, { nonce: n, value: 5 });
  assert.equal(again.id, first.id, 'a retry answers the same request');
  expectError(await c.request('request.create', { kind: 'deck', title: 'Deck for the Acme pitch', body: 'other', nonce: n }), 'nonce_conflict');
  const mine = (await c.ok('request.list', { user: ana.user.id })).requests;
  assert.equal(mine.length, 1, 'stored once');
  const t = await now(ana);
  const base = { kind: 'deck', title: 'x', body: 'y' };
  expectError(await c.request('request.create', { ...base, kind: 'poster' }), 'bad_request', 'unknown kind');
  const e = expectError(await c.request('request.create', { ...base, kind: 'poster' }), 'bad_request');
  assert.match(e.message, /case_study/, 'the message lists the kinds');
  expectError(await c.request('request.create', { kind: 'deck', body: 'y' }), 'bad_request', 'no title');
  expectError(await c.request('request.create', { kind: 'deck', title: 'x' }), 'bad_request', 'no body');
  expectError(await c.request('request.create', { title: 'x', body: 'y' }), 'bad_request', 'no kind');
  expectError(await c.request('request.create', { ...base, title: '' }), 'bad_request', 'empty title');
  expectError(await c.request('request.create', { ...base, title: 'x'.repeat(201) }), 'too_large', 'long title');
  expectError(await c.request('request.create', { ...base, account: 'a'.repeat(121) }), 'too_large', 'long account');
  expectError(await c.request('request.create', { ...base, body: 'b'.repeat(16385) }), 'too_large', 'long body');
  expectError(await c.request('request.create', { ...base, body: '   ' }), 'bad_request', 'blank body');
  expectError(await c.request('request.create', { ...base, priority: 'asap' }), 'bad_request', 'priority');
  expectError(await c.request('request.create', { ...base, stage: 'won' }), 'bad_request', 'stage');
  expectError(await c.request('request.create', { ...base, value: -1 }), 'bad_request', 'value');
  expectError(await c.request('request.create', { ...base, value: 1e13 }), 'bad_request', 'value too big');
  expectError(await c.request('request.create', { ...base, due: t - HOUR }), 'bad_request', 'due in the past');
  expectError(await c.request('request.create', { ...base, assignee: 1 }), 'bad_request', 'unknown field');
  expectError(await c.request('request.create', { ...base, title: 'a\u202eb' }), 'bad_request', 'bidi override');
  assert.equal((await c.ok('request.list', { user: ana.user.id })).requests.length, 1, 'nothing stored');
});

fx.test('request.move: every transition from every status, allowed and refused, by role', { timeout: 120000 }, async () => {
  await boss();
  for (const from of STATUSES) {
    const [requester, m, outsider] = [await rep(), await mkt(), await rep()];
    for (const to of TARGETS) {
      const conns = { R: await session(requester), M: await session(m), O: await session(outsider) };
      const what = `${from} -> ${to}`;
      const reason = to === 'declined' ? { reason: 'not this quarter' } : {};
      const r = await reach(conns.R, conns.M, from);
      const attempt = (who, id = r.id) => conns[who].request('request.move', { request: id, status: to, ...reason });
      const by = allowedBy(from, to);
      if (to === 'delivered') {
        const e = expectError(await attempt('M'), 'bad_request', what);
        assert.match(e.message, /request\.deliver/);
      } else if (by.size === 0) {
        for (const who of ['M', 'R', 'O']) {
          const e = expectError(await attempt(who), 'conflict', `${what} by ${who}`);
          assert.equal(e.message, `cannot move a request from ${from} to ${to}`);
        }
      } else {
        expectError(await attempt('O'), 'forbidden', `${what} by a rep who did not file it`);
        for (const who of ['M', 'R']) {
          if (!by.has(who)) expectError(await attempt(who), 'forbidden', `${what} by ${who}`);
        }
        let id = r.id;
        for (const who of ['M', 'R'].filter((w) => by.has(w))) {
          if (id === null) id = (await reach(conns.R, conns.M, from)).id;
          const after = expectResult(await attempt(who, id), `${what} by ${who}`).request;
          assert.equal(after.status, to === 'waiting_on_marketing' ? 'accepted' : to, what);
          assert.equal(after.reason, to === 'declined' ? 'not this quarter' : '');
          id = null;
        }
      }
      const last = await get(conns.O, r.id);
      assert.equal(last.status, by.size > 0 && to !== 'delivered' ? (to === 'waiting_on_marketing' ? 'accepted' : to) : from);
      for (const c of Object.values(conns)) c.terminate();
    }
  }
});

fx.test('request.move: each transition is a system line and a request.update to everyone', async () => {
  await boss();
  const [ana, mo, eve] = [await rep(), await mkt(), await rep()];
  const r = await file(ana);
  await move(mo, r.id, 'accepted');
  await move(mo, r.id, 'in_progress');
  const ir = await move(mo, r.id, 'in_review');
  assert.equal(ir.status, 'in_review');
  await flush(eve.client);
  const seen = updates(eve, r.id, 'move').map((e) => e.data.change);
  assert.deepEqual(seen, [
    { type: 'move', by: mo.user.id, from: 'new', to: 'accepted', reason: '' },
    { type: 'move', by: mo.user.id, from: 'accepted', to: 'in_progress', reason: '' },
    { type: 'move', by: mo.user.id, from: 'in_progress', to: 'in_review', reason: '' },
  ]);
  // The event carries the request as request.get then shows it.
  const { watchers, verdicts, ...fresh } = await get(eve, r.id);
  assert.deepEqual(updates(eve, r.id, 'move')[2].data.request, fresh);
  assert.deepEqual([watchers, verdicts], [[ana.user.id], []]);
  const h = (await ana.client.ok('msg.history', { conv: r.conv })).messages;
  assert.deepEqual(h.map((m) => [m.system, m.author, m.body]), [
    [true, mo.user.id, 'moved this request from New to Accepted'],
    [true, mo.user.id, 'moved this request from Accepted to In progress'],
    [true, mo.user.id, 'moved this request from In progress to In review'],
  ]);
  // The requester, a member, saw the lines arrive.
  const lines = ana.client.events.filter((e) => e.event === 'message.new' && e.data.message.conv === r.conv);
  assert.equal(lines.length, 3);
  assert.ok(lines.every((e) => e.data.message.system === true));
  // A decline needs a reason, which the record and the line keep.
  const d = await file(ana);
  expectError(await mo.client.request('request.move', { request: d.id, status: 'declined' }), 'bad_request', 'no reason');
  expectError(await mo.client.request('request.move', { request: d.id, status: 'declined', reason: '' }), 'bad_request', 'empty reason');
  expectError(await mo.client.request('request.move', { request: d.id, status: 'declined', reason: 'r'.repeat(501) }), 'too_large');
  const dd = await move(mo, d.id, 'declined', { reason: 'we have one already: see the Q2 deck' });
  assert.equal(dd.reason, 'we have one already: see the Q2 deck');
  assert.deepEqual(await systemLines(ana, dd.conv), ['moved this request from New to Declined: we have one already: see the Q2 deck']);
  await flush(eve.client);
  assert.equal(updates(eve, d.id, 'move')[0].data.change.reason, 'we have one already: see the Q2 deck');
  // Bad input.
  expectError(await mo.client.request('request.move', { request: d.id, status: 'done' }), 'bad_request', 'unknown status');
  expectError(await mo.client.request('request.move', { request: d.id }), 'bad_request', 'no status');
  expectError(await mo.client.request('request.move', { request: 999999, status: 'accepted' }), 'not_found');
});

fx.test('waiting on the requester: back to marketing by a move or by the requester\'s answer', async () => {
  await boss();
  const [ana, mo] = [await rep(), await mkt()];
  const r = await file(ana);
  await mo.client.ok('request.watch', { request: r.id, watch: true });
  await move(mo, r.id, 'accepted');
  await move(mo, r.id, 'in_progress');
  await move(mo, r.id, 'in_review');
  await move(mo, r.id, 'waiting_on_requester');
  // A marketer's message does not end the wait; the requester's does.
  await mo.client.ok('msg.send', { conv: r.conv, body: 'which logo version?', nonce: nonce() });
  assert.equal((await get(ana, r.id)).status, 'waiting_on_requester');
  await ana.client.ok('msg.send', { conv: r.conv, body: 'the blue one', nonce: nonce() });
  const back = await get(mo, r.id);
  assert.equal(back.status, 'in_review', 'back to where it was');
  const ev = await mo.client.waitEvent((e) => e.event === 'request.update' && e.data.request.id === r.id &&
    e.data.change.type === 'move' && e.data.change.from === 'waiting_on_requester');
  assert.deepEqual(ev.data.change, { type: 'move', by: ana.user.id, from: 'waiting_on_requester', to: 'in_review', reason: '' });
  const lines = await systemLines(ana, r.conv);
  assert.equal(lines.at(-1), 'answered, so this request moved from Waiting on requester back to In review');
  // By a move, from in_progress this time; the requester may do it too.
  await move(mo, r.id, 'in_progress');
  await move(mo, r.id, 'waiting_on_requester');
  const m1 = await move(ana, r.id, 'waiting_on_marketing');
  assert.equal(m1.status, 'in_progress');
  assert.equal((await systemLines(ana, r.conv)).at(-1), 'moved this request from Waiting on requester back to In progress');
  await move(mo, r.id, 'waiting_on_requester');
  assert.equal((await move(mo, r.id, 'waiting_on_marketing')).status, 'in_progress');
  // A message by the requester outside a wait changes nothing.
  await ana.client.ok('msg.send', { conv: r.conv, body: 'thanks', nonce: nonce() });
  assert.equal((await get(ana, r.id)).status, 'in_progress');
  // A scheduled answer, posted later by the server's timer, ends it too.
  await move(mo, r.id, 'waiting_on_requester');
  const t = await now(ana);
  await ana.client.ok('msg.schedule', { conv: r.conv, body: 'numbers attached', nonce: nonce(), at: t + MIN });
  assert.equal((await get(ana, r.id)).status, 'waiting_on_requester');
  await clockTo(t + 2 * MIN);
  assert.equal((await get(ana, r.id)).status, 'in_progress');
});

fx.test('request.update: by the requester or a marketer; not once closed or declined', async () => {
  await boss();
  const [ana, mo, eve] = [await rep(), await mkt(), await rep()];
  const r = await file(ana, { priority: 'low' });
  assert.equal(r.sla.first_response.target, 2880);
  const t = await now(ana);
  const u1 = (await ana.client.ok('request.update', {
    request: r.id, title: 'Deck for Acme, v2', account: 'Acme', deal: 'Acme expansion', stage: 'demo',
    value: 42000, due: t + 7 * DAY, kind: 'one_pager', body: 'One page instead',
  })).request;
  assert.equal(u1.title, 'Deck for Acme, v2');
  assert.equal(u1.kind, 'one_pager');
  assert.equal(u1.body, 'One page instead');
  assert.equal(u1.account, 'Acme');
  assert.equal(u1.deal, 'Acme expansion');
  assert.equal(u1.stage, 'demo');
  assert.equal(u1.value, 42000);
  assert.equal(u1.due, t + 7 * DAY);
  assert.ok(u1.updated_at >= t);
  // The conversation's topic follows the title.
  const cu = await ana.client.waitEvent((e) => e.event === 'conv.update' && e.data.conversation.id === r.conv);
  assert.equal(cu.data.conversation.topic, 'Deck for Acme, v2');
  assert.equal((await mo.client.ok('conv.get', { conv: r.conv })).conversation.topic, 'Deck for Acme, v2');
  // A marketer raises the priority: the clocks take the new targets.
  const u2 = (await mo.client.ok('request.update', { request: r.id, priority: 'urgent' })).request;
  assert.equal(u2.priority, 'urgent');
  assert.equal(u2.sla.first_response.target, 60);
  assert.equal(u2.sla.first_response.due_at, r.created_at + 60 * MIN);
  assert.equal(u2.sla.delivery.target, 2880);
  assert.equal(u2.sla.delivery.due_at, r.created_at + 2880 * MIN);
  await flush(eve.client);
  const edits = updates(eve, r.id, 'edit').map((e) => e.data.change);
  assert.deepEqual(edits, [
    { type: 'edit', by: ana.user.id, fields: ['kind', 'title', 'body', 'account', 'deal', 'stage', 'value', 'due'] },
    { type: 'edit', by: mo.user.id, fields: ['priority'] },
  ]);
  assert.deepEqual(await systemLines(ana, r.conv), [
    'edited this request: kind, title, body, account, deal, stage, value, due',
    'edited this request: priority',
  ]);
  expectError(await eve.client.request('request.update', { request: r.id, title: 'mine now' }), 'forbidden', 'another rep');
  expectError(await ana.client.request('request.update', { request: r.id }), 'bad_request', 'nothing to change');
  expectError(await ana.client.request('request.update', { request: r.id, due: t - DAY }), 'bad_request', 'past due');
  expectError(await ana.client.request('request.update', { request: r.id, status: 'closed' }), 'bad_request', 'status is not a field');
  expectError(await ana.client.request('request.update', { request: 999999, title: 'x' }), 'not_found');
  const cleared = (await ana.client.ok('request.update', { request: r.id, due: 0, account: '' })).request;
  assert.equal(cleared.due, 0);
  assert.equal(cleared.account, '');
  await move(ana, r.id, 'closed');
  expectError(await ana.client.request('request.update', { request: r.id, title: 'x' }), 'conflict', 'closed');
  const d = await file(ana);
  await move(mo, d.id, 'declined', { reason: 'duplicate' });
  expectError(await mo.client.request('request.update', { request: d.id, title: 'x' }), 'conflict', 'declined');
});

fx.test('request.assign: marketers assign marketers; the assignee watches', async () => {
  await boss();
  const [ana, mo, max, eve] = [await rep(), await mkt(), await mkt(), await rep()];
  const a = await boss();
  const r = await file(ana);
  const as = (await mo.client.ok('request.assign', { request: r.id, assignee: max.user.id })).request;
  assert.equal(as.assignee, max.user.id);
  assert.equal(as.status, 'new', 'assignment is not a status change');
  const join = await max.client.waitEvent((e) => e.event === 'member.join' && e.data.conv === r.conv);
  assert.equal(join.data.user.id, max.user.id);
  assert.equal(join.data.by, mo.user.id);
  assert.deepEqual((await get(ana, r.id)).watchers.sort((x, y) => x - y), [ana.user.id, max.user.id].sort((x, y) => x - y));
  await flush(eve.client);
  assert.deepEqual(updates(eve, r.id, 'assign').map((e) => e.data.change), [{ type: 'assign', by: mo.user.id, from: 0, to: max.user.id }]);
  assert.deepEqual(await systemLines(ana, r.conv), [`assigned this request to @${max.user.handle}`]);
  // Again the same: nothing changes.
  await mo.client.ok('request.assign', { request: r.id, assignee: max.user.id });
  // An admin may be assigned, and may assign.
  assert.equal((await a.client.ok('request.assign', { request: r.id, assignee: a.user.id })).request.assignee, a.user.id);
  expectError(await mo.client.request('request.assign', { request: r.id, assignee: eve.user.id }), 'bad_request', 'a rep');
  expectError(await mo.client.request('request.assign', { request: r.id, assignee: 999999 }), 'not_found', 'no such user');
  expectError(await ana.client.request('request.assign', { request: r.id, assignee: mo.user.id }), 'forbidden', 'the requester');
  expectError(await mo.client.request('request.assign', { request: 999999, assignee: mo.user.id }), 'not_found');
  const un = (await mo.client.ok('request.assign', { request: r.id, assignee: 0 })).request;
  assert.equal(un.assignee, 0);
  assert.equal((await systemLines(ana, r.conv)).at(-1), 'unassigned this request');
  assert.deepEqual((await mo.client.ok('request.list', { assignee: 0, user: ana.user.id })).requests.map((x) => x.id), [r.id]);
  await move(ana, r.id, 'closed');
  expectError(await mo.client.request('request.assign', { request: r.id, assignee: mo.user.id }), 'conflict', 'closed');
});

fx.test('request.watch: anyone watches; the requester cannot stop', async () => {
  await boss();
  const [ana, mo, eve] = [await rep(), await mkt(), await rep()];
  const r = await file(ana);
  const w = await eve.client.ok('request.watch', { request: r.id, watch: true });
  assert.equal(w.watching, true);
  assert.equal(w.request.id, r.id);
  assert.ok((await get(mo, r.id)).watchers.includes(eve.user.id));
  // Watchers receive the conversation's messages.
  await mo.client.ok('request.move', { request: r.id, status: 'accepted' });
  await eve.client.waitEvent((e) => e.event === 'message.new' && e.data.message.conv === r.conv);
  await eve.client.ok('request.watch', { request: r.id, watch: true });
  const u = await eve.client.ok('request.watch', { request: r.id, watch: false });
  assert.equal(u.watching, false);
  assert.ok(!(await get(mo, r.id)).watchers.includes(eve.user.id));
  await eve.client.ok('request.watch', { request: r.id, watch: false });
  const e = expectError(await ana.client.request('request.watch', { request: r.id, watch: false }), 'conflict');
  assert.match(e.message, /requester/);
  expectError(await ana.client.request('conv.leave', { conv: r.conv }), 'conflict', 'nor by conv.leave');
  expectError(await eve.client.request('request.watch', { request: 999999, watch: true }), 'not_found');
  expectError(await eve.client.request('request.watch', { request: r.id }), 'bad_request', 'no watch');
});

fx.test('request.deliver closes the loop: the asset goes to the requester and every watcher', async () => {
  await boss();
  const [ana, mo, wes, eve] = [await rep(), await mkt(), await rep(), await rep()];
  const r = await file(ana);
  await wes.client.ok('request.watch', { request: r.id, watch: true });
  expectError(await mo.client.request('request.deliver', { request: r.id, url: 'https://x.example/a' }), 'conflict', 'new');
  await move(mo, r.id, 'accepted');
  expectError(await ana.client.request('request.deliver', { request: r.id, url: 'https://x.example/a' }), 'forbidden', 'a rep');
  expectError(await mo.client.request('request.deliver', { request: r.id, url: 'ftp://x.example/a' }), 'bad_request', 'not http');
  expectError(await mo.client.request('request.deliver', { request: r.id, url: 'https://x.example/a b' }), 'bad_request', 'space');
  expectError(await mo.client.request('request.deliver', { request: r.id }), 'bad_request', 'no url');
  expectError(await mo.client.request('request.deliver', { request: r.id, url: `https://x.example/${'a'.repeat(2048)}` }), 'too_large');
  expectError(await mo.client.request('request.deliver', { request: 999999, url: 'https://x.example/a' }), 'not_found');
  const d = await deliver(mo, r.id, { note: 'Slides 4-6 have the numbers' });
  assert.equal(d.status, 'delivered');
  assert.equal(d.asset.url, 'https://cdn.example.com/deck.pdf');
  assert.equal(d.asset.note, 'Slides 4-6 have the numbers');
  assert.equal(d.asset.by, mo.user.id);
  assert.ok(d.asset.delivered_at >= d.created_at);
  assert.equal(d.sla.delivery.state, 'met');
  assert.equal(d.sla.delivery.stopped_at, d.asset.delivered_at);
  for (const u of [ana, wes]) {
    const ev = await u.client.waitEvent((e) => e.event === 'request.delivered' && e.data.request.id === r.id);
    assert.deepEqual(ev.data.asset, d.asset);
    assert.equal(ev.data.request.status, 'delivered');
  }
  await flush(eve.client);
  await flush(mo.client);
  assert.ok(!eve.client.events.some((e) => e.event === 'request.delivered'), 'not to those it does not concern');
  assert.ok(!mo.client.events.some((e) => e.event === 'request.delivered'), 'nor to the marketer who is not watching');
  assert.equal(updates(eve, r.id, 'deliver')[0].data.change.to, 'delivered');
  assert.equal((await systemLines(ana, r.conv)).at(-1), 'delivered this request: https://cdn.example.com/deck.pdf\nSlides 4-6 have the numbers');
  expectError(await mo.client.request('request.deliver', { request: r.id, url: 'https://x.example/b' }), 'conflict', 'twice');
  // Reopened and delivered again: the new asset replaces the old one.
  await move(ana, r.id, 'reopened');
  const d2 = await deliver(mo, r.id, { url: 'https://cdn.example.com/deck-v2.pdf' });
  assert.equal(d2.asset.url, 'https://cdn.example.com/deck-v2.pdf');
  assert.equal(d2.asset.note, '');
  // From in_review too.
  const r2 = await file(ana);
  await move(mo, r2.id, 'accepted');
  await move(mo, r2.id, 'in_progress');
  await move(mo, r2.id, 'in_review');
  assert.equal((await deliver(mo, r2.id)).status, 'delivered');
});

fx.test('request.verdict: did it help? the requester and sales reps say, once each', async () => {
  await boss();
  const [ana, mo, wes] = [await rep(), await mkt(), await rep()];
  const r = await file(ana);
  await move(mo, r.id, 'accepted');
  expectError(await ana.client.request('request.verdict', { request: r.id, verdict: 'helped' }), 'conflict', 'not delivered');
  await deliver(mo, r.id);
  expectError(await mo.client.request('request.verdict', { request: r.id, verdict: 'helped' }), 'forbidden', 'a marketer');
  expectError(await ana.client.request('request.verdict', { request: r.id, verdict: 'great' }), 'bad_request', 'unknown verdict');
  expectError(await ana.client.request('request.verdict', { request: r.id }), 'bad_request', 'no verdict');
  expectError(await ana.client.request('request.verdict', { request: r.id, verdict: 'helped', note: 'n'.repeat(2001) }), 'too_large');
  expectError(await ana.client.request('request.verdict', { request: 999999, verdict: 'helped' }), 'not_found');
  const v1 = await ana.client.ok('request.verdict', { request: r.id, verdict: 'fell_flat', note: 'too long', deal: 'Acme renewal' });
  assert.equal(v1.verdict.user, ana.user.id);
  assert.equal(v1.verdict.verdict, 'fell_flat');
  assert.equal(v1.verdict.note, 'too long');
  assert.equal(v1.verdict.deal, 'Acme renewal');
  assert.deepEqual(v1.request.verdict_counts, { helped: 0, fell_flat: 1, outdated: 0 });
  // One per user: a second verdict replaces the first.
  const v2 = await ana.client.ok('request.verdict', { request: r.id, verdict: 'helped' });
  assert.deepEqual(v2.request.verdict_counts, { helped: 1, fell_flat: 0, outdated: 0 });
  // Any rep who used it, even after it was closed.
  await move(ana, r.id, 'closed');
  const v3 = await wes.client.ok('request.verdict', { request: r.id, verdict: 'outdated', deal: 'Globex' });
  assert.deepEqual(v3.request.verdict_counts, { helped: 1, fell_flat: 0, outdated: 1 });
  const g = await get(mo, r.id);
  assert.deepEqual(g.verdicts.map((v) => [v.user, v.verdict, v.note, v.deal]),
    [[ana.user.id, 'helped', '', ''], [wes.user.id, 'outdated', '', 'Globex']]);
  await flush(mo.client);
  assert.deepEqual(updates(mo, r.id, 'verdict').map((e) => [e.data.change.by, e.data.change.verdict]),
    [[ana.user.id, 'fell_flat'], [ana.user.id, 'helped'], [wes.user.id, 'outdated']]);
  const lines = await systemLines(ana, r.conv);
  assert.ok(lines.includes('recorded a verdict on the asset: fell_flat (deal: Acme renewal)\ntoo long'));
  assert.ok(lines.includes('recorded a verdict on the asset: outdated (deal: Globex)'));
  // Withdrawn before delivery: closed, but nothing to judge.
  const w = await file(ana);
  await move(ana, w.id, 'closed');
  expectError(await ana.client.request('request.verdict', { request: w.id, verdict: 'helped' }), 'conflict', 'no asset');
});

fx.test('request.link: marketers link feedback; a missing item is not_found', async () => {
  await boss();
  const [ana, mo] = [await rep(), await mkt()];
  const r = await file(ana);
  expectError(await mo.client.request('request.link', { request: r.id, feedback: 999999 }), 'not_found', 'no such feedback');
  expectError(await ana.client.request('request.link', { request: r.id, feedback: 1 }), 'forbidden', 'a rep');
  expectError(await mo.client.request('request.link', { request: 999999, feedback: 1 }), 'not_found', 'no such request');
  expectError(await mo.client.request('request.link', { request: r.id }), 'bad_request', 'no feedback');
  expectError(await ana.client.request('feedback.to_request', { feedback: 999999 }), 'not_found', 'to_request of nothing');
  expectError(await ana.client.request('feedback.to_request', { feedback: 1, kind: 'poster' }), 'bad_request', 'bad kind');
});

fx.test('sla.get and sla.set: per-priority targets in minutes, set by admins', async () => {
  const a = await boss();
  const [ana, mo] = [await rep(), await mkt()];
  const targets = (await ana.client.ok('sla.get', {})).targets;
  assert.deepEqual(targets, [
    { priority: 'low', first_response: 2880, delivery: 28800 },
    { priority: 'normal', first_response: 1440, delivery: 14400 },
    { priority: 'high', first_response: 240, delivery: 7200 },
    { priority: 'urgent', first_response: 60, delivery: 2880 },
  ]);
  const before = await file(ana, { priority: 'low' });
  expectError(await mo.client.request('sla.set', { priority: 'low', first_response: 10, delivery: 20 }), 'forbidden', 'a marketer');
  expectError(await a.client.request('sla.set', { priority: 'lowest', first_response: 10, delivery: 20 }), 'bad_request', 'priority');
  expectError(await a.client.request('sla.set', { priority: 'low', first_response: 0, delivery: 20 }), 'bad_request', 'zero');
  expectError(await a.client.request('sla.set', { priority: 'low', first_response: 43201, delivery: 525600 }), 'bad_request', 'over 30 days');
  expectError(await a.client.request('sla.set', { priority: 'low', first_response: 10, delivery: 525601 }), 'bad_request', 'over a year');
  expectError(await a.client.request('sla.set', { priority: 'low', first_response: 30, delivery: 20 }), 'bad_request', 'response after delivery');
  expectError(await a.client.request('sla.set', { priority: 'low', first_response: 10 }), 'bad_request', 'no delivery');
  const s = await a.client.ok('sla.set', { priority: 'low', first_response: 1000, delivery: 20000 });
  assert.deepEqual(s.target, { priority: 'low', first_response: 1000, delivery: 20000 });
  const ev = await ana.client.waitEvent((e) => e.event === 'sla.update');
  assert.deepEqual(ev.data, { target: { priority: 'low', first_response: 1000, delivery: 20000 }, by: a.user.id });
  assert.deepEqual((await mo.client.ok('sla.get', {})).targets[0], { priority: 'low', first_response: 1000, delivery: 20000 });
  // New requests take the new targets; filed ones keep theirs.
  const after = await file(ana, { priority: 'low' });
  assert.equal(after.sla.first_response.target, 1000);
  assert.equal(after.sla.delivery.due_at, after.created_at + 20000 * MIN);
  assert.equal((await get(ana, before.id)).sla.first_response.target, 2880);
  // ... until their priority changes.
  await ana.client.ok('request.update', { request: before.id, priority: 'normal' });
  const back = (await ana.client.ok('request.update', { request: before.id, priority: 'low' })).request;
  assert.equal(back.sla.first_response.target, 1000);
  assert.equal(back.sla.first_response.due_at, before.created_at + 1000 * MIN);
  await a.client.ok('sla.set', { priority: 'low', first_response: 2880, delivery: 28800 });
});

fx.test('request.list: the marketers\' queue, filters, orders and pages', async () => {
  await boss();
  const [ana, ben, mo] = [await rep(), await rep(), await mkt()];
  const acct = `Queue ${nonce()}`;
  const t = await now(ana);
  const A = await file(ana, { account: acct, value: 100, kind: 'video' });
  const B = await file(ana, { account: acct, value: 500, due: t + 10 * DAY });
  const C = await file(ana, { account: acct, value: 500, due: t + 5 * DAY });
  const D = await file(ana, { account: acct, value: 10, due: t + HOUR });
  const E = await file(ana, { account: acct, value: 1, priority: 'urgent' });
  const F = await file(ben, { account: acct, value: 500 });
  const G = await file(ana, { account: acct, value: 9999 });
  await move(mo, G.id, 'declined', { reason: 'out of scope' });
  // Two hours on: D is past its due date, E missed its first response.
  await clockTo((await now(ana)) + 2 * HOUR);
  const eNow = await get(ana, E.id);
  assert.equal(eNow.sla.first_response.state, 'breached');
  const ids = async (f) => (await mo.client.ok('request.list', { account: acct, ...f })).requests.map((r) => r.id);
  assert.deepEqual(await ids({}), [D.id, E.id, C.id, B.id, F.id, A.id], 'queue: at risk first, then value, then due');
  assert.deepEqual(await ids({ sort: 'queue' }), [D.id, E.id, C.id, B.id, F.id, A.id]);
  assert.deepEqual(await ids({ sort: 'due' }), [D.id, C.id, B.id, A.id, E.id, F.id]);
  assert.deepEqual(await ids({ sort: 'newest' }), [F.id, E.id, D.id, C.id, B.id, A.id]);
  const p1 = await mo.client.ok('request.list', { account: acct, limit: 2, offset: 2 });
  assert.deepEqual(p1.requests.map((r) => r.id), [C.id, B.id]);
  assert.equal(p1.more, true);
  const p2 = await mo.client.ok('request.list', { account: acct, limit: 2, offset: 4 });
  assert.deepEqual(p2.requests.map((r) => r.id), [F.id, A.id]);
  assert.equal(p2.more, false);
  assert.deepEqual(await ids({ status: 'declined' }), [G.id], 'closed ones only when asked');
  assert.deepEqual(await ids({ status: 'new', kind: 'video' }), [A.id]);
  assert.deepEqual(await ids({ user: ben.user.id }), [F.id]);
  assert.deepEqual(await ids({ account: acct.toUpperCase() }), [D.id, E.id, C.id, B.id, F.id, A.id], 'account ignores case');
  await mo.client.ok('request.assign', { request: C.id, assignee: mo.user.id });
  assert.deepEqual(await ids({ assignee: mo.user.id }), [C.id]);
  assert.deepEqual(await ids({ assignee: 0 }), [D.id, E.id, B.id, F.id, A.id]);
  await move(mo, C.id, 'accepted');
  assert.deepEqual(await ids({ status: 'accepted' }), [C.id]);
  assert.deepEqual(await ids({ status: 'new', sort: 'newest' }), [F.id, E.id, D.id, B.id, A.id]);
  const c = mo.client;
  expectError(await c.request('request.list', { sort: 'value' }), 'bad_request', 'sort');
  expectError(await c.request('request.list', { status: 'waiting_on_marketing' }), 'bad_request', 'the alias is not a status');
  expectError(await c.request('request.list', { status: 'open' }), 'bad_request', 'status');
  expectError(await c.request('request.list', { kind: 'poster' }), 'bad_request', 'kind');
  expectError(await c.request('request.list', { limit: 101 }), 'bad_request', 'limit');
  expectError(await c.request('request.list', { limit: 0 }), 'bad_request', 'limit 0');
  expectError(await c.request('request.list', { offset: -1 }), 'bad_request', 'offset');
  expectError(await c.request('request.list', { assignee: -1 }), 'bad_request', 'assignee');
});

fx.test('SLA: a missed first response breaches at its due time, told to the assignee and the requester\'s team', async () => {
  await boss();
  const [ana, ben, mo, max, eve] = [await rep(), await rep(), await mkt(), await mkt(), await mkt()];
  const r = await file(ana, { priority: 'urgent' });
  const met = await file(ana, { priority: 'urgent' });
  await mo.client.ok('request.assign', { request: r.id, assignee: max.user.id });
  // Answered in time by a marketer's message: met, never breached.
  await mo.client.ok('conv.join', { conv: met.conv });
  await ana.client.ok('msg.send', { conv: met.conv, body: 'any news?', nonce: nonce() });
  assert.equal((await get(ana, met.id)).sla.first_response.state, 'running', 'the requester\'s own message is no response');
  const reply = (await mo.client.ok('msg.send', { conv: met.conv, body: 'on it', nonce: nonce() })).message;
  const m = await get(ana, met.id);
  assert.equal(m.sla.first_response.state, 'met');
  assert.equal(m.sla.first_response.stopped_at, reply.created_at);
  assert.equal(m.status, 'new', 'a reply is no status change');
  await flush(eve.client);
  assert.deepEqual(updates(eve, met.id, 'first_response').map((e) => e.data.change.by), [mo.user.id]);
  const due = r.sla.first_response.due_at;
  assert.equal(due, r.created_at + HOUR);
  await clockTo(due - 1000);
  assert.equal((await get(ana, r.id)).sla.first_response.state, 'running');
  await clockTo(due + 5000);
  const g = await get(ana, r.id);
  assert.equal(g.sla.first_response.state, 'breached');
  assert.equal(g.sla.first_response.breached_at, due, 'exactly at the due time');
  assert.equal(g.sla.delivery.state, 'running');
  for (const u of [ana, ben, max]) {
    const ev = await u.client.waitEvent((e) => e.event === 'request.sla_breach' && e.data.request.id === r.id);
    assert.equal(ev.data.clock, 'first_response');
    assert.equal(ev.data.due_at, due);
    assert.equal(ev.data.request.sla.first_response.breached_at, due);
  }
  for (const u of [mo, eve]) await flush(u.client);
  for (const u of [mo, eve]) {
    assert.ok(!u.client.events.some((e) => e.event === 'request.sla_breach' && e.data.request.id === r.id),
      'other marketers are not told');
  }
  assert.ok(!ana.client.events.some((e) => e.event === 'request.sla_breach' && e.data.request.id === met.id), 'no breach once met');
  assert.deepEqual(updates(eve, r.id, 'sla_breach').map((e) => [e.data.change.by, e.data.change.clock]), [[0, 'first_response']]);
  // A breached clock still records its answer; the breach stays.
  const late = await move(mo, r.id, 'accepted');
  assert.equal(late.sla.first_response.state, 'breached');
  assert.ok(late.sla.first_response.stopped_at > due);
});

fx.test('SLA: the delivery clock pauses while waiting on the requester, stops when closed, restarts on reopen', async () => {
  await boss();
  const [ana, mo, max] = [await rep(), await mkt(), await mkt()];
  const r = await file(ana, { priority: 'urgent' });
  await mo.client.ok('request.assign', { request: r.id, assignee: max.user.id });
  const acc = await move(mo, r.id, 'accepted');
  assert.equal(acc.sla.first_response.state, 'met');
  assert.equal(acc.sla.first_response.stopped_at, acc.updated_at, 'acceptance is the first response');
  const due0 = acc.sla.delivery.due_at;
  assert.equal(due0, r.created_at + 2 * DAY);
  const w = await move(mo, r.id, 'waiting_on_requester');
  assert.equal(w.sla.delivery.state, 'paused');
  assert.equal(w.sla.delivery.due_at, null);
  // Long past the due time, but paused: no breach.
  await clockTo(due0 + DAY);
  const p = await get(ana, r.id);
  assert.equal(p.sla.delivery.state, 'paused');
  assert.equal(p.sla.delivery.breached_at, 0);
  const back = await move(ana, r.id, 'waiting_on_marketing');
  assert.equal(back.status, 'accepted');
  const due1 = back.sla.delivery.due_at;
  assert.equal(due1, due0 + (back.updated_at - w.updated_at), 'due later by exactly the pause');
  assert.equal(back.sla.delivery.state, 'running');
  await clockTo(due1 - 1000);
  assert.equal((await get(ana, r.id)).sla.delivery.state, 'running');
  await clockTo(due1 + 1000);
  const b = await get(ana, r.id);
  assert.equal(b.sla.delivery.state, 'breached');
  assert.equal(b.sla.delivery.breached_at, due1);
  const ev = await max.client.waitEvent((e) => e.event === 'request.sla_breach' && e.data.request.id === r.id);
  assert.equal(ev.data.clock, 'delivery');
  assert.equal(ev.data.due_at, due1);
  // Delivered late: met after the breach; reopened: a fresh clock.
  const d = await deliver(mo, r.id);
  assert.equal(d.sla.delivery.state, 'breached');
  const ro = await move(ana, r.id, 'reopened');
  assert.equal(ro.sla.delivery.state, 'running');
  assert.equal(ro.sla.delivery.due_at, ro.updated_at + 2 * DAY);
  assert.equal(ro.sla.delivery.breached_at, 0);
  assert.equal(ro.sla.delivery.stopped_at, 0);
  assert.equal(ro.sla.first_response.state, 'met', 'the first response stays answered');
  // Withdrawn: both clocks stop; nothing breaches after.
  const closed = await move(ana, r.id, 'closed');
  assert.equal(closed.sla.delivery.state, 'stopped');
  assert.equal(closed.sla.delivery.stopped_at, closed.updated_at);
  const dec = await file(ana, { priority: 'urgent' });
  const dd = await move(mo, dec.id, 'declined', { reason: 'no' });
  assert.equal(dd.sla.delivery.state, 'stopped');
  assert.equal(dd.sla.first_response.state, 'met', 'a decline is a response');
  const wd = await file(ana, { priority: 'urgent' });
  const wc = await move(ana, wd.id, 'closed');
  assert.equal(wc.sla.first_response.state, 'stopped');
  const mark = max.client.events.length;
  await clockTo((await now(ana)) + 3 * DAY);
  await flush(max.client);
  await flush(ana.client);
  for (const id of [r.id, dec.id, wd.id]) {
    assert.ok(!ana.client.events.some((e) => e.event === 'request.sla_breach' && e.data.request.id === id &&
      e.data.clock === 'delivery' && e.data.due_at > due1), `no breach of ${id} after it stopped`);
  }
  assert.ok(!max.client.events.slice(mark).some((e) => e.event === 'request.sla_breach' && e.data.request.id === r.id));
  assert.equal((await get(ana, wd.id)).sla.first_response.breached_at, 0);
});

fx.test('SLA clocks are exact across restarts: breaches due while down fire at start-up, pauses keep counting', { timeout: 60000 }, async () => {
  await boss();
  const [ana, mo] = [await rep(), await mkt()];
  const r = await file(ana, { priority: 'urgent' });
  const due = r.sla.first_response.due_at;
  const p = await file(ana, { priority: 'urgent' });
  await move(mo, p.id, 'accepted');
  const pdue = (await get(ana, p.id)).sla.delivery.due_at;
  const w = await move(mo, p.id, 'waiting_on_requester');
  const since = ana.client.lastSeq;
  // A clean stop, then a start three days later.
  const srv = fx.srv;
  srv.stoppedAndChecked = true;
  const { code } = await srv.stop();
  assert.equal(code, 0, srv.stderr().slice(-4000));
  const at = due + 3 * DAY;
  fx.srv = await fx.start({ dataDir: srv.dataDir, args: ['--open-registration', '--test-clock', String(at)] });
  const { client, reply } = await resume(fx.srv, ana.token, since);
  fx.track(client);
  expectResult(reply);
  const ev = await client.waitEvent((e) => e.event === 'request.sla_breach' && e.data.request.id === r.id);
  assert.equal(ev.data.due_at, due);
  const g = (await client.ok('request.get', { request: r.id })).request;
  assert.equal(g.sla.first_response.breached_at, due, 'breached at its due time, not at start-up');
  const pp = (await client.ok('request.get', { request: p.id })).request;
  assert.equal(pp.sla.delivery.state, 'paused', 'no breach while paused, down or up');
  // Killed while paused; the pause goes on until the requester answers.
  fx.srv.killedOnPurpose = true;
  await fx.srv.kill9();
  const at2 = at + DAY;
  fx.srv = await fx.start({ dataDir: srv.dataDir, args: ['--open-registration', '--test-clock', String(at2)] });
  const a2 = await resume(fx.srv, ana.token);
  fx.track(a2.client);
  const conv = (await a2.client.ok('request.get', { request: p.id })).request.conv;
  await a2.client.ok('msg.send', { conv, body: 'here are the numbers', nonce: nonce() });
  const res = (await a2.client.ok('request.get', { request: p.id })).request;
  assert.equal(res.status, 'accepted');
  assert.equal(res.sla.delivery.due_at, pdue + (res.updated_at - w.updated_at), 'the pause counted across both restarts');
  assert.ok(res.updated_at >= at2);
  const m2 = await resume(fx.srv, mo.token);
  fx.track(m2.client);
  await m2.client.ok('test.clock', { at: res.sla.delivery.due_at + 1 });
  const fin = (await a2.client.ok('request.get', { request: p.id })).request;
  assert.equal(fin.sla.delivery.breached_at, res.sla.delivery.due_at);
});

cleanExitTest(fx);

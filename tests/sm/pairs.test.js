// Buddy pairs through the real protocol: pair.create, pair.end, pair.list,
// buddy.get, round.run, round.config, round.get, pair.prefs, pair.health,
// their events, rounds on a cadence and daily nudges (on the test clock),
// and what survives a restart.
//
// Rounds pair everyone eligible on a server, so each scenario runs on its
// own server ("world") with its own clock, starting on Monday 2030-01-07
// 09:00 UTC, and stops it at the end, checking it exits cleanly.

import { serverFixture, cleanExitTest, expectError, nonce, assert, flush } from '../integration/util.js';
import { resume } from '../lib/server.js';

const DAY = 86400000;
const HOUR = 3600000;
const MIN = 60000;
const MON = Date.UTC(2030, 0, 7); // a Monday, 00:00 UTC
const at = (day, hour, min = 0) => MON + day * DAY + hour * HOUR + min * MIN;
const T0 = at(0, 9);
const args = (t) => ['--open-registration', '--test-clock', String(t)];

const fx = serverFixture({ args: args(T0) });

// A fresh server: an admin on team "other", then reps, marketers and
// others, registered in that order (so ids ascend in that order).
async function world({ reps = 0, marketers = 0, others = 0, start = T0, dataDir } = {}) {
  const srv = await fx.start({ args: args(start), dataDir });
  const admin = await fx.user({ team: 'other', prefix: 'adm' }, srv);
  const make = async (n, team, prefix) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await fx.user({ team, prefix }, srv));
    return out;
  };
  const w = {
    srv,
    admin,
    reps: await make(reps, 'sales', 'rep'),
    mks: await make(marketers, 'marketing', 'mkt'),
    others: await make(others, 'other', 'oth'),
  };
  w.clock = (t) => admin.client.ok('test.clock', { at: t });
  return w;
}

// Stop a world's server and check it exits 0 (no sanitizer report).
async function done(w) {
  w.srv.stoppedAndChecked = true;
  const { code, signal } = await w.srv.stop();
  assert.equal(signal, null, w.srv.stderr().slice(-4000));
  assert.equal(code, 0, w.srv.stderr().slice(-4000));
}

const ok = (u, op, fields = {}) => u.client.ok(op, fields);
const req = (u, op, fields = {}) => u.client.request(op, fields);
const send = async (u, conv, body = 'hi') => (await ok(u, 'msg.send', { conv, body, nonce: nonce('p') })).message;
const named = (u, name, from = 0) => u.client.events.slice(from).filter((e) => e.event === name);
const trio = (p) => [p.rep, p.marketer, p.third];
const key = (p) => `${p.rep}:${p.marketer}:${p.third}`;

fx.test('pair.create: an admin pairs a rep with a marketer in their dm, opened with a starter; only they are told', async () => {
  const w = await world({ reps: 2, marketers: 1 });
  const [ana, bob] = w.reps;
  const [mia] = w.mks;
  const dm = (await ok(ana, 'dm.open', { user: mia.user.id })).conversation;
  const from = new Map([ana, bob, mia, w.admin].map((u) => [u, u.client.events.length]));
  const { pair } = await ok(w.admin, 'pair.create', { rep: ana.user.id, marketer: mia.user.id });
  assert.deepEqual(pair, {
    id: pair.id, rep: ana.user.id, marketer: mia.user.id, third: 0, round: 0,
    conv: dm.id, created_at: pair.created_at, ended_at: 0, created_by: w.admin.user.id,
  });
  assert.ok(pair.created_at >= T0 && pair.created_at < T0 + 60000);
  for (const u of [ana, mia]) {
    const e = await u.client.waitEvent((x) => x.event === 'pair.new' && x.data.pair.id === pair.id);
    assert.deepEqual(e.data, { pair, conv: dm.id });
  }
  for (const u of [bob, w.admin]) {
    await flush(u.client);
    assert.deepEqual(named(u, 'pair.new', from.get(u)), [], 'outsiders are not told');
  }
  const h = await ok(ana, 'msg.history', { conv: dm.id });
  const starter = h.messages.at(-1);
  assert.equal(starter.system, true);
  assert.equal(starter.author, w.admin.user.id);
  assert.match(starter.body, new RegExp(`New buddy pair: ${ana.user.display_name} and ${mia.user.display_name}`));
  assert.match(starter.body, /which deal are you working on this week/, 'the generic starter when the rep has no open work');
  const ev = await mia.client.waitEvent((x) => x.event === 'message.new' && x.data.message.id === starter.id);
  assert.equal(ev.data.message.system, true);

  // Without a dm yet, pair.create opens one (conv.new to both).
  const { pair: p2 } = await ok(w.admin, 'pair.end', { pair: pair.id });
  assert.ok(p2.ended_at > 0);
  const { pair: p3 } = await ok(w.admin, 'pair.create', { rep: bob.user.id, marketer: mia.user.id });
  assert.notEqual(p3.conv, dm.id);
  const cn = await bob.client.waitEvent((x) => x.event === 'conv.new' && x.data.conversation.id === p3.conv);
  assert.equal(cn.data.conversation.kind, 'dm');
  assert.deepEqual(cn.data.members.sort((a, b) => a - b), [bob.user.id, mia.user.id]);
  assert.equal((await ok(bob, 'dm.open', { user: mia.user.id })).conversation.id, p3.conv);
  await done(w);
});

fx.test('pair.create and pair.end: authorization, bad input, conflicts', async () => {
  const w = await world({ reps: 2, marketers: 2, others: 1 });
  const [ana, bob] = w.reps;
  const [mia, max] = w.mks;
  const [oli] = w.others;
  const a = w.admin;
  for (const u of [ana, mia, oli]) {
    const e = expectError(await req(u, 'pair.create', { rep: bob.user.id, marketer: max.user.id }), 'forbidden');
    assert.match(e.message, /admin/);
  }
  expectError(await req(a, 'pair.create', { rep: ana.user.id }), 'bad_request', 'no marketer');
  expectError(await req(a, 'pair.create', { marketer: mia.user.id }), 'bad_request', 'no rep');
  expectError(await req(a, 'pair.create', { rep: String(ana.user.id), marketer: mia.user.id }), 'bad_request', 'string id');
  expectError(await req(a, 'pair.create', { rep: 0, marketer: mia.user.id }), 'bad_request', 'zero id');
  expectError(await req(a, 'pair.create', { rep: ana.user.id, marketer: mia.user.id, third: bob.user.id }), 'bad_request', 'unknown field');
  expectError(await req(a, 'pair.create', { rep: 999999, marketer: mia.user.id }), 'not_found');
  expectError(await req(a, 'pair.create', { rep: ana.user.id, marketer: 999999 }), 'not_found');
  let e = expectError(await req(a, 'pair.create', { rep: mia.user.id, marketer: max.user.id }), 'bad_request', 'rep on marketing');
  assert.match(e.message, /sales/);
  e = expectError(await req(a, 'pair.create', { rep: ana.user.id, marketer: bob.user.id }), 'bad_request', 'marketer on sales');
  assert.match(e.message, /marketing/);
  expectError(await req(a, 'pair.create', { rep: oli.user.id, marketer: mia.user.id }), 'bad_request', 'team other');
  expectError(await req(a, 'pair.create', { rep: ana.user.id, marketer: oli.user.id }), 'bad_request', 'team other');

  await ok(mia, 'pair.prefs', { opt_out: true });
  const { pair } = await ok(a, 'pair.create', { rep: ana.user.id, marketer: mia.user.id });
  assert.equal(pair.marketer, mia.user.id, 'an admin may pair someone who opted out of rounds');
  e = expectError(await req(a, 'pair.create', { rep: ana.user.id, marketer: max.user.id }), 'conflict', 'rep busy');
  assert.match(e.message, /end that pair first/);
  expectError(await req(a, 'pair.create', { rep: bob.user.id, marketer: mia.user.id }), 'conflict', 'marketer busy');

  expectError(await req(ana, 'pair.end', { pair: pair.id }), 'forbidden', 'a member cannot end it');
  expectError(await req(a, 'pair.end', {}), 'bad_request');
  expectError(await req(a, 'pair.end', { pair: 'x' }), 'bad_request');
  expectError(await req(a, 'pair.end', { pair: 999999 }), 'not_found');
  const from = [ana, mia, bob].map((u) => u.client.events.length);
  const ended = (await ok(a, 'pair.end', { pair: pair.id })).pair;
  assert.deepEqual(ended, { ...pair, ended_at: ended.ended_at });
  assert.ok(ended.ended_at >= pair.created_at);
  for (const u of [ana, mia]) {
    const ev = await u.client.waitEvent((x) => x.event === 'pair.end' && x.data.pair.id === pair.id);
    assert.deepEqual(ev.data, { pair: ended, conv: pair.conv });
  }
  await flush(bob.client);
  assert.deepEqual(named(bob, 'pair.end', from[2]), []);
  e = expectError(await req(a, 'pair.end', { pair: pair.id }), 'conflict', 'twice');
  assert.match(e.message, /already ended/);
  assert.deepEqual(await ok(ana, 'buddy.get'), { pair: null });
  // Once ended, both may be paired again, with someone else.
  await ok(a, 'pair.create', { rep: ana.user.id, marketer: max.user.id });
  await ok(a, 'pair.create', { rep: bob.user.id, marketer: mia.user.id });
  await done(w);
});

fx.test('round.run: cross-team pairs, no repeat of recent pairings, ends the old pairs, round.done to admins only', async () => {
  const w = await world({ reps: 2, marketers: 2, others: 1 });
  const [r1, r2] = w.reps;
  const [m1, m2] = w.mks;
  const [oli] = w.others;
  const a = w.admin;
  const everyone = [a, r1, r2, m1, m2, oli];
  expectError(await req(r1, 'round.run'), 'forbidden');
  expectError(await req(m1, 'round.run'), 'forbidden');
  const hand = (await ok(a, 'pair.create', { rep: r1.user.id, marketer: m2.user.id })).pair;

  let from = everyone.map((u) => u.client.events.length);
  const { round: one } = await ok(a, 'round.run');
  assert.ok(one.id > 0 && one.created_at >= T0);
  assert.equal(one.created_by, a.user.id);
  assert.deepEqual(one.unpaired, [], 'oli (team other) is neither paired nor unpaired');
  assert.deepEqual(one.pairs.map(key), [`${r1.user.id}:${m1.user.id}:0`, `${r2.user.id}:${m2.user.id}:0`],
    'the pair made by hand is not repeated');
  for (const p of one.pairs) {
    assert.equal(p.round, one.id);
    assert.equal(p.ended_at, 0);
    assert.equal(p.created_by, a.user.id);
  }
  // The hand-made pair ended; its members were told.
  for (const u of [r1, m2]) {
    const ev = await u.client.waitEvent((x) => x.event === 'pair.end' && x.data.pair.id === hand.id);
    assert.ok(ev.data.pair.ended_at > 0);
  }
  for (const [u, p] of [[r1, one.pairs[0]], [m1, one.pairs[0]], [r2, one.pairs[1]], [m2, one.pairs[1]]]) {
    const ev = await u.client.waitEvent((x) => x.event === 'pair.new' && x.data.pair.id === p.id);
    assert.deepEqual(ev.data.pair, p);
    assert.equal((await ok(u, 'buddy.get')).pair.id, p.id);
  }
  const doneEv = await a.client.waitEvent((x) => x.event === 'round.done' && x.data.round.id === one.id);
  assert.deepEqual(doneEv.data.round, one);
  for (const u of everyone.slice(1)) {
    await flush(u.client);
    assert.deepEqual(named(u, 'round.done', from[everyone.indexOf(u)]), [], 'round.done goes to admins only');
  }
  assert.deepEqual(named(oli, 'pair.new', from[5]), []);
  // Each pair talks in the dm of its two people, opened with a starter.
  for (const p of one.pairs) {
    const rep = [r1, r2].find((u) => u.user.id === p.rep);
    assert.equal((await ok(rep, 'dm.open', { user: p.marketer })).conversation.id, p.conv);
    const h = await ok(rep, 'msg.history', { conv: p.conv });
    assert.ok(h.messages.some((m) => m.system && m.author === a.user.id && /New buddy pair/.test(m.body)));
  }

  // Round two pairs them the other way.
  const { round: two } = await ok(a, 'round.run');
  assert.ok(two.id > one.id);
  assert.deepEqual(two.pairs.map(key), [`${r1.user.id}:${m2.user.id}:0`, `${r2.user.id}:${m1.user.id}:0`]);
  const { pairs: listed } = await ok(a, 'pair.list');
  assert.deepEqual(listed, two.pairs, 'admins list the active pairs');
  assert.deepEqual((await ok(r1, 'pair.list')).pairs, [two.pairs[0]], 'others list only their own');
  assert.deepEqual((await ok(oli, 'pair.list')).pairs, []);
  const ended = (await ok(a, 'pair.end', { pair: two.pairs[0].id })).pair;
  assert.deepEqual((await ok(a, 'pair.list')).pairs, [ended, two.pairs[1]], 'and the ended pairs of the last round');
  assert.deepEqual((await ok(r1, 'pair.list')).pairs, [ended]);
  assert.deepEqual(await ok(r1, 'buddy.get'), { pair: null });

  // round.get: newest first; a non-admin sees only its own pairs.
  const g = await ok(a, 'round.get');
  assert.deepEqual(g.config, { cadence: 'off', next_at: 0, set_by: 0 });
  assert.deepEqual(g.rounds.map((r) => r.id), [two.id, one.id]);
  assert.deepEqual(g.rounds[1], { ...one, pairs: one.pairs.map((p) => ({ ...p, ended_at: g.rounds[1].pairs.find((q) => q.id === p.id).ended_at })) });
  assert.ok(g.rounds[1].pairs.every((p) => p.ended_at > 0), 'round two ended round one\'s pairs');
  const mine = await ok(r2, 'round.get');
  assert.deepEqual(mine.rounds.map((r) => r.pairs.map((p) => p.id)), [[two.pairs[1].id], [one.pairs[1].id]]);
  assert.deepEqual((await ok(oli, 'round.get')).rounds.map((r) => r.pairs), [[], []]);

  // Round three: every pairing is recent now; a repeat is allowed, still
  // cross-team, everyone paired once.
  const { round: three } = await ok(a, 'round.run');
  assert.equal(three.pairs.length, 2);
  const reps = new Set([r1.user.id, r2.user.id]);
  const mks = new Set([m1.user.id, m2.user.id]);
  for (const p of three.pairs) {
    assert.ok(reps.has(p.rep) && mks.has(p.marketer) && p.third === 0);
  }
  assert.deepEqual(new Set(three.pairs.flatMap((p) => [p.rep, p.marketer])).size, 4);
  await done(w);
});

fx.test('round.run with one rep and one marketer repeats the pair: a repeat is allowed when unavoidable', async () => {
  const w = await world({ reps: 1, marketers: 1 });
  const [r] = w.reps;
  const [m] = w.mks;
  const one = (await ok(w.admin, 'round.run')).round;
  const two = (await ok(w.admin, 'round.run')).round;
  assert.deepEqual(one.pairs.map(key), [`${r.user.id}:${m.user.id}:0`]);
  assert.deepEqual(two.pairs.map(key), [`${r.user.id}:${m.user.id}:0`]);
  assert.notEqual(one.pairs[0].id, two.pairs[0].id);
  assert.equal(one.pairs[0].conv, two.pairs[0].conv, 'the same dm');
  await done(w);
});

fx.test('round.run with numbers that do not divide: a trio, then the unpaired', async () => {
  // 3 reps, 2 marketers: the third rep joins the first pair.
  let w = await world({ reps: 3, marketers: 2 });
  let [r1, r2, r3] = w.reps;
  let [m1, m2] = w.mks;
  let { round } = await ok(w.admin, 'round.run');
  assert.deepEqual(round.pairs.map(key), [`${r1.user.id}:${m1.user.id}:${r3.user.id}`, `${r2.user.id}:${m2.user.id}:0`]);
  assert.deepEqual(round.unpaired, []);
  const t = round.pairs[0];
  const ev = await r3.client.waitEvent((x) => x.event === 'pair.new' && x.data.pair.id === t.id);
  assert.deepEqual(ev.data.pair, t);
  const cn = await r3.client.waitEvent((x) => x.event === 'conv.new' && x.data.conversation.id === t.conv);
  assert.equal(cn.data.conversation.kind, 'group');
  assert.deepEqual(cn.data.members.sort((a, b) => a - b), trio(t).sort((a, b) => a - b), 'the admin is not a member');
  const b = await ok(r3, 'buddy.get');
  assert.equal(b.pair.id, t.id);
  assert.equal(b.conv, t.conv);
  assert.deepEqual(b.buddies.map((u) => u.id), [r1.user.id, m1.user.id]);
  assert.deepEqual(b.buddies.map((u) => u.team), ['sales', 'marketing']);
  const h = await ok(r3, 'msg.history', { conv: t.conv });
  assert.match(h.messages.at(-1).body, new RegExp(`New buddy trio: ${r1.user.display_name}, ${m1.user.display_name} and ${r3.user.display_name}`));
  await done(w);

  // 4 reps, 1 marketer: one trio; the others wait for the next round.
  w = await world({ reps: 4, marketers: 1 });
  [r1, r2] = w.reps;
  [m1] = w.mks;
  ({ round } = await ok(w.admin, 'round.run'));
  assert.deepEqual(round.pairs.map(key), [`${r1.user.id}:${m1.user.id}:${r2.user.id}`]);
  assert.deepEqual(round.unpaired, [w.reps[2].user.id, w.reps[3].user.id]);
  assert.deepEqual(await ok(w.reps[3], 'buddy.get'), { pair: null });
  const mine = await ok(w.reps[3], 'round.get');
  assert.deepEqual(mine.rounds.map((r) => [r.pairs, r.unpaired]), [[[], [w.reps[3].user.id]]]);
  // Next round: who was left out gets paired first.
  ({ round } = await ok(w.admin, 'round.run'));
  assert.deepEqual(round.pairs.map(key), [`${w.reps[2].user.id}:${m1.user.id}:${w.reps[3].user.id}`]);
  await done(w);

  // 1 rep, 3 marketers: a trio of two marketers and the rep.
  w = await world({ reps: 1, marketers: 3 });
  [r1] = w.reps;
  [m1, m2] = w.mks;
  ({ round } = await ok(w.admin, 'round.run'));
  assert.deepEqual(round.pairs.map(key), [`${r1.user.id}:${m1.user.id}:${m2.user.id}`]);
  assert.deepEqual(round.unpaired, [w.mks[2].user.id]);
  await done(w);
});

fx.test('pair.prefs: opt-out and snooze keep people out of rounds; bad input', async () => {
  const w = await world({ reps: 2, marketers: 2 });
  const [r1, r2] = w.reps;
  const [m1, m2] = w.mks;
  assert.deepEqual(await ok(r1, 'pair.prefs'), { prefs: { opt_out: false, snooze: 0 } });
  assert.deepEqual(await ok(m1, 'pair.prefs', { opt_out: true }), { prefs: { opt_out: true, snooze: 0 } });
  const until = at(2, 9);
  assert.deepEqual(await ok(r2, 'pair.prefs', { snooze: until }), { prefs: { opt_out: false, snooze: until } });
  assert.deepEqual(await ok(r2, 'pair.prefs'), { prefs: { opt_out: false, snooze: until } }, 'reads back');
  assert.deepEqual(await ok(m1, 'pair.prefs'), { prefs: { opt_out: true, snooze: 0 } }, 'each user has their own');
  let e = expectError(await req(r1, 'pair.prefs', { snooze: T0 - HOUR }), 'bad_request', 'past');
  assert.match(e.message, /future/);
  expectError(await req(r1, 'pair.prefs', { snooze: T0 + 400 * DAY }), 'bad_request', 'too far');
  expectError(await req(r1, 'pair.prefs', { snooze: -1 }), 'bad_request');
  expectError(await req(r1, 'pair.prefs', { snooze: 'soon' }), 'bad_request');
  expectError(await req(r1, 'pair.prefs', { opt_out: 1 }), 'bad_request');
  expectError(await req(r1, 'pair.prefs', { opt_out: 'yes' }), 'bad_request');
  assert.deepEqual(await ok(r1, 'pair.prefs'), { prefs: { opt_out: false, snooze: 0 } }, 'nothing changed');

  let { round } = await ok(w.admin, 'round.run');
  assert.deepEqual(round.pairs.map(key), [`${r1.user.id}:${m2.user.id}:0`], 'm1 opted out, r2 snoozed');
  assert.deepEqual(round.unpaired, [], 'who opted out or is snoozed is not "unpaired"');

  // The snooze runs out: r2 is back.
  await w.clock(at(2, 10));
  assert.deepEqual(await ok(r2, 'pair.prefs'), { prefs: { opt_out: false, snooze: 0 } });
  ({ round } = await ok(w.admin, 'round.run'));
  assert.deepEqual(round.pairs.map(key), [`${r2.user.id}:${m2.user.id}:${r1.user.id}`]);

  // Everyone in marketing out: the reps stay unpaired.
  await ok(m2, 'pair.prefs', { opt_out: true });
  ({ round } = await ok(w.admin, 'round.run'));
  assert.deepEqual(round.pairs, []);
  assert.deepEqual(round.unpaired, [r1.user.id, r2.user.id]);
  assert.deepEqual((await ok(w.admin, 'pair.list')).pairs.filter((p) => p.ended_at === 0), []);

  // Back in; a snooze cleared with 0; opting out keeps the snooze.
  await ok(m1, 'pair.prefs', { opt_out: false });
  await ok(r1, 'pair.prefs', { snooze: at(9, 0) });
  assert.deepEqual(await ok(r1, 'pair.prefs', { opt_out: true }), { prefs: { opt_out: true, snooze: at(9, 0) } });
  assert.deepEqual(await ok(r1, 'pair.prefs', { opt_out: false, snooze: 0 }), { prefs: { opt_out: false, snooze: 0 } });
  ({ round } = await ok(w.admin, 'round.run'));
  assert.equal(round.pairs.length, 1);
  assert.deepEqual(new Set(trio(round.pairs[0])), new Set([r1.user.id, r2.user.id, m1.user.id]));
  await done(w);
});

fx.test('buddy.get: buddies, conversation, today, and the streak over working days', async () => {
  const w = await world({ reps: 1, marketers: 1, others: 1 });
  const [ana] = w.reps;
  const [mia] = w.mks;
  assert.deepEqual(await ok(ana, 'buddy.get'), { pair: null });
  const { pair } = await ok(w.admin, 'pair.create', { rep: ana.user.id, marketer: mia.user.id });
  let b = await ok(ana, 'buddy.get');
  assert.deepEqual(b.pair, pair);
  assert.equal(b.conv, pair.conv);
  assert.deepEqual(b.buddies, [{ id: mia.user.id, handle: mia.user.handle, display_name: mia.user.display_name, team: 'marketing', role: 'member' }]);
  assert.equal(b.streak, 0, 'the starter (a system line) does not count');
  assert.equal(b.today, false);
  assert.deepEqual((await ok(mia, 'buddy.get')).buddies.map((u) => u.id), [ana.user.id]);
  assert.deepEqual(await ok(w.others[0], 'buddy.get'), { pair: null });

  const streak = async (u = ana) => {
    const r = await ok(u, 'buddy.get');
    return [r.streak, r.today];
  };
  await send(ana, pair.conv, 'monday');
  assert.deepEqual(await streak(), [1, true]);
  assert.deepEqual(await streak(mia), [1, true], 'the same for both');
  await w.clock(at(1, 10));
  assert.deepEqual(await streak(), [1, false], 'today counts once it has a message');
  await send(mia, pair.conv, 'tuesday');
  assert.deepEqual(await streak(), [2, true]);
  for (let d = 2; d <= 4; d++) {
    await w.clock(at(d, 10));
    await send(d % 2 ? mia : ana, pair.conv, `day ${d}`);
  }
  assert.deepEqual(await streak(), [5, true], 'Monday to Friday');
  await w.clock(at(5, 10));
  assert.deepEqual(await streak(), [5, false], 'Saturday: the weekend does not break it');
  await send(ana, pair.conv, 'saturday');
  assert.deepEqual(await streak(), [5, true], 'nor add to it');
  await w.clock(at(7, 10));
  assert.deepEqual(await streak(), [5, false]);
  await send(mia, pair.conv, 'monday again');
  assert.deepEqual(await streak(), [6, true]);
  await w.clock(at(9, 10));
  assert.deepEqual(await streak(), [0, false], 'a silent Tuesday breaks it');
  await done(w);
});

fx.test('pair.health: messages per week, median response time, last message, streak, silent pairs (admins only)', async () => {
  const w = await world({ reps: 2, marketers: 2 });
  const [r1, r2] = w.reps;
  const [m1, m2] = w.mks;
  expectError(await req(r1, 'pair.health'), 'forbidden');
  expectError(await req(m1, 'pair.health'), 'forbidden');
  assert.deepEqual(await ok(w.admin, 'pair.health'), { pairs: [], silent_pairs: 0 });
  const a = (await ok(w.admin, 'pair.create', { rep: r1.user.id, marketer: m1.user.id })).pair;
  const b = (await ok(w.admin, 'pair.create', { rep: r2.user.id, marketer: m2.user.id })).pair;
  await w.clock(at(0, 10));
  const a1 = await send(r1, a.conv);
  await w.clock(at(0, 10, 10));
  const a2 = await send(m1, a.conv);
  await w.clock(at(0, 10, 11));
  await send(m1, a.conv);
  await w.clock(at(0, 11));
  const a4 = await send(r1, a.conv);
  await w.clock(at(2, 9));
  const a5 = await send(m1, a.conv);
  const responses = [a2.created_at - a1.created_at, a4.created_at - a2.created_at, a5.created_at - a4.created_at];
  assert.ok(responses[0] < responses[1] && responses[1] < responses[2]);

  await w.clock(at(3, 10)); // Thursday: the last 3 working days are Tue, Wed, Thu
  let h = await ok(w.admin, 'pair.health');
  assert.deepEqual(h, {
    pairs: [
      { pair: a, messages_7d: 5, median_response_ms: responses[1], last_message_at: a5.created_at, streak: 1, silent: false },
      { pair: b, messages_7d: 0, median_response_ms: null, last_message_at: null, streak: 0, silent: true },
    ],
    silent_pairs: 1,
  });

  // A week later pair a has gone quiet too; responses still count (28 days).
  await w.clock(at(10, 10));
  h = await ok(w.admin, 'pair.health');
  assert.deepEqual(h.pairs[0], { pair: a, messages_7d: 0, median_response_ms: responses[1], last_message_at: a5.created_at, streak: 0, silent: true });
  assert.equal(h.silent_pairs, 2);
  // Ended pairs are not listed.
  await ok(w.admin, 'pair.end', { pair: b.id });
  h = await ok(w.admin, 'pair.health');
  assert.deepEqual(h.pairs.map((x) => x.pair.id), [a.id]);
  assert.equal(h.silent_pairs, 1);
  // A new pair is not silent before it has had three working days.
  const c = (await ok(w.admin, 'pair.create', { rep: r2.user.id, marketer: m2.user.id })).pair;
  h = await ok(w.admin, 'pair.health');
  assert.deepEqual(h.pairs[1], { pair: c, messages_7d: 0, median_response_ms: null, last_message_at: null, streak: 0, silent: false });
  await done(w);
});

fx.test('nudges: at 16:00 UTC on working days, to pairs that have not talked that day, once per pair and day', async () => {
  const w = await world({ reps: 3, marketers: 3 });
  const [r1, r2, r3] = w.reps;
  const [m1, m2, m3] = w.mks;
  const all = [w.admin, r1, r2, r3, m1, m2, m3];
  const nudges = () => all.map((u) => named(u, 'pair.nudge').map((e) => e.data.pair.id));
  const settle = async () => { for (const u of all) await flush(u.client); };
  const a = (await ok(w.admin, 'pair.create', { rep: r1.user.id, marketer: m1.user.id })).pair;
  const b = (await ok(w.admin, 'pair.create', { rep: r2.user.id, marketer: m2.user.id })).pair;
  await w.clock(at(0, 10));
  await send(r1, a.conv, 'pair a talks on Monday');
  await w.clock(at(0, 15, 59));
  await settle();
  assert.deepEqual(nudges(), [[], [], [], [], [], [], []], 'not before 16:00');
  await w.clock(at(0, 16, 1));
  await settle();
  assert.deepEqual(nudges(), [[], [], [b.id], [], [], [b.id], []], 'only the silent pair, each member');
  const ev = named(r2, 'pair.nudge')[0];
  assert.deepEqual(ev.data, { pair: b, conv: b.conv });

  // A pair made after 16:00 is not nudged that day.
  const c = (await ok(w.admin, 'pair.create', { rep: r3.user.id, marketer: m3.user.id })).pair;
  await w.clock(at(0, 23));
  await settle();
  assert.deepEqual(nudges(), [[], [], [b.id], [], [], [b.id], []]);

  // Tuesday 17:00 (the 16:00 passed on the way): everyone silent today.
  await w.clock(at(1, 17));
  await settle();
  assert.deepEqual(nudges(), [[], [a.id], [b.id, b.id], [c.id], [a.id], [b.id, b.id], [c.id]]);
  // Wednesday: c talks (the rep's message is enough).
  await w.clock(at(2, 12));
  await send(r3, c.conv, 'pair c talks on Wednesday');
  await w.clock(at(2, 16, 1));
  await settle();
  assert.deepEqual(nudges(), [[], [a.id, a.id], [b.id, b.id, b.id], [c.id], [a.id, a.id], [b.id, b.id, b.id], [c.id]]);
  // Saturday, Sunday: no nudges; neither for the Thursday and Friday the clock jumped over.
  await w.clock(at(5, 16, 30));
  await w.clock(at(6, 16, 30));
  await settle();
  assert.equal(nudges()[1].length, 2);
  // Ended pairs get none.
  await ok(w.admin, 'pair.end', { pair: a.id });
  await w.clock(at(7, 16, 30));
  await settle();
  assert.deepEqual(nudges(), [[], [a.id, a.id], [b.id, b.id, b.id, b.id], [c.id, c.id], [a.id, a.id], [b.id, b.id, b.id, b.id], [c.id, c.id]]);
  await done(w);
});

// Reconnect u to srv, replaying the events since its last seq.
async function back(srv, u) {
  const since = u.client.lastSeq;
  const r = await resume(srv, u.token, since);
  fx.track(r.client);
  assert.ok(r.reply.result, JSON.stringify(r.reply));
  return { ...u, client: r.client };
}

fx.test('nudges across restarts: never twice a day; one missed while down fires at start-up only on the same day', { timeout: 90000 }, async () => {
  let w = await world({ reps: 1, marketers: 1 });
  let [r] = w.reps;
  const [m] = w.mks;
  const a = (await ok(w.admin, 'pair.create', { rep: r.user.id, marketer: m.user.id })).pair;
  await w.clock(at(0, 16, 1));
  await r.client.waitEvent('pair.nudge');
  const dataDir = w.srv.dataDir;
  const restart = async (t) => {
    await done(w);
    const srv = await fx.start({ args: args(t), dataDir });
    const admin = await back(srv, w.admin);
    r = await back(srv, r);
    w = { ...w, srv, admin, clock: (x) => admin.client.ok('test.clock', { at: x }) };
  };
  // The same evening: nothing more.
  await restart(at(0, 18));
  // Replayed events come before the reply to a later ping.
  const quiet = async () => {
    await flush(r.client);
    return named(r, 'pair.nudge').length;
  };
  assert.equal(await quiet(), 0, 'not nudged again after a restart the same day');
  // Down over Tuesday 16:00, back at 17:00: the nudge comes at start-up.
  await restart(at(1, 17));
  const ev = await r.client.waitEvent('pair.nudge');
  assert.equal(ev.data.pair.id, a.id);
  // Down over Wednesday 16:00, back on Thursday morning: Wednesday's is dropped.
  await restart(at(3, 9));
  assert.equal(await quiet(), 0);
  // The schedule goes on: Thursday 16:00 comes while running.
  await w.clock(at(3, 16, 1));
  await r.client.waitEvent('pair.nudge');
  await flush(r.client);
  assert.equal(named(r, 'pair.nudge').length, 1);
  await done(w);
});

fx.test('round.config: rounds on a cadence, run by the timer and once at start-up after missed periods', { timeout: 90000 }, async () => {
  let w = await world({ reps: 1, marketers: 1 });
  const [r] = w.reps;
  const [m] = w.mks;
  const a = w.admin;
  expectError(await req(r, 'round.config', { cadence: 'weekly' }), 'forbidden');
  expectError(await req(m, 'round.config', { cadence: 'off' }), 'forbidden');
  let e = expectError(await req(a, 'round.config', { cadence: 'daily' }), 'bad_request');
  assert.match(e.message, /weekly/, 'lists the names');
  expectError(await req(a, 'round.config', {}), 'bad_request', 'no cadence');
  expectError(await req(a, 'round.config', { cadence: 7 }), 'bad_request');
  e = expectError(await req(a, 'round.config', { cadence: 'weekly', at: T0 - HOUR }), 'bad_request', 'past');
  assert.match(e.message, /future/);
  expectError(await req(a, 'round.config', { cadence: 'weekly', at: T0 + 400 * DAY }), 'bad_request', 'too far');
  expectError(await req(a, 'round.config', { cadence: 'off', at: T0 + HOUR }), 'bad_request', 'at with off');

  const period = { weekly: 7 * DAY, biweekly: 14 * DAY, fourweekly: 28 * DAY };
  for (const cadence of Object.keys(period)) {
    const before = (await ok(a, 'ping')).time;
    const { config } = await ok(a, 'round.config', { cadence });
    const after = (await ok(a, 'ping')).time;
    assert.equal(config.cadence, cadence);
    assert.equal(config.set_by, a.user.id);
    assert.ok(config.next_at >= before + period[cadence] && config.next_at <= after + period[cadence], `${cadence}: now + period`);
  }
  assert.deepEqual((await ok(a, 'round.config', { cadence: 'off' })).config, { cadence: 'off', next_at: 0, set_by: a.user.id });
  await w.clock(at(0, 9, 30));
  assert.deepEqual((await ok(a, 'round.get')).rounds, [], 'off: nothing runs');

  const first = at(0, 12);
  assert.deepEqual((await ok(a, 'round.config', { cadence: 'weekly', at: first })).config, { cadence: 'weekly', next_at: first, set_by: a.user.id });
  assert.deepEqual((await ok(r, 'round.get')).config, { cadence: 'weekly', next_at: first, set_by: a.user.id }, 'anyone reads the schedule');
  await w.clock(first - MIN);
  assert.deepEqual((await ok(a, 'round.get')).rounds, []);
  await w.clock(first + MIN);
  const doneEv = await a.client.waitEvent('round.done');
  assert.equal(doneEv.data.round.created_by, a.user.id);
  assert.deepEqual(doneEv.data.round.pairs.map(key), [`${r.user.id}:${m.user.id}:0`]);
  const pn = await r.client.waitEvent((x) => x.event === 'pair.new' && x.data.pair.round === doneEv.data.round.id);
  assert.equal(pn.data.pair.created_by, a.user.id);
  let g = await ok(a, 'round.get');
  assert.deepEqual(g.config, { cadence: 'weekly', next_at: at(7, 12), set_by: a.user.id });
  assert.deepEqual(g.rounds.map((x) => x.id), [doneEv.data.round.id]);
  await w.clock(at(1, 12));
  assert.equal((await ok(a, 'round.get')).rounds.length, 1, 'not before the next period');

  // Down for three periods: one round at start-up, then the next period.
  const dataDir = w.srv.dataDir;
  await done(w);
  const srv = await fx.start({ args: args(at(22, 13)), dataDir });
  const admin = await back(srv, a);
  const rep = await back(srv, r);
  const ev = await admin.client.waitEvent('round.done');
  assert.ok(ev.data.round.created_at >= at(22, 13));
  g = await ok(admin, 'round.get');
  assert.equal(g.rounds.length, 2, 'one round, not one per missed period');
  assert.deepEqual(g.config, { cadence: 'weekly', next_at: at(28, 12), set_by: a.user.id });
  assert.equal((await ok(rep, 'buddy.get')).pair.round, ev.data.round.id, 'the new pair is live');
  w = { srv };
  await done(w);
});

cleanExitTest(fx);

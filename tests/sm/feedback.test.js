// Feedback items (feedback.create, .get, .list, .vote, .unvote, .status,
// .spikes) through the real protocol: the lifecycle and who may move it,
// "me too" votes and what they add up to, the marketing inbox's filters
// and orders, spikes under the test clock, the events and who gets them,
// and a restart.

import {
  serverFixture, cleanExitTest, expectError, expectResult, nonce, assert, connect, patient,
} from '../integration/util.js';

const DAY = 24 * 3600 * 1000;
const T0 = Date.UTC(2030, 0, 7, 9, 0, 0);
const ARGS = ['--open-registration', '--test-clock', String(T0)];
const fx = serverFixture({ args: ARGS });

const KINDS = ['pain_point', 'objection', 'lost_reason', 'product_fit', 'competitor',
  'testimonial', 'content_idea', 'missing_content'];
const STATUSES = ['new', 'acknowledged', 'planned', 'done', 'closed'];


async function user(opts = {}, srv = fx.srv) {
  return patient(await fx.user(opts, srv));
}

let admin;
async function adminUser() {
  if (!admin) admin = await user({ team: 'sales' }); // the first user: an admin
  return admin;
}

// File feedback; returns the item.
async function file(u, fields = {}) {
  const f = { kind: 'pain_point', body: `the customer said ${nonce('b')}`, ...fields };
  return (await u.client.ok('feedback.create', f)).feedback;
}

async function setStatus(u, id, status) {
  return (await u.client.ok('feedback.status', { feedback: id, status })).feedback;
}

// Move the server's clock forward by ms; returns the new time.
// Move the clock at least ms past the server's time read first. On a loaded
// machine wall time may already have passed now + ms by the time test.clock
// arrives (conflict: the clock only moves forward): then it has moved enough.
async function advance(u, ms) {
  const now = (await u.client.ok('ping')).time;
  const r = await u.client.request('test.clock', { at: now + ms });
  if (r.error && r.error.code === 'conflict') return (await u.client.ok('ping')).time;
  assert.ok(r.result, `test.clock: ${JSON.stringify(r.error)}`);
  return r.result.time;
}

// The events named `name` a client got from index `from` on.
function events(u, from, name) {
  return u.client.events.slice(from).filter((e) => e.event === name);
}

// Stop a server this file started and check it exits 0 (no sanitizer
// report); the fixture then leaves it alone.
async function stopChecked(srv) {
  srv.stoppedAndChecked = true;
  const { code, signal } = await srv.stop();
  assert.equal(signal, null, srv.stderr().slice(-4000));
  assert.equal(code, 0, srv.stderr().slice(-4000));
}

// After `u` has answered a ping, every event queued before it has arrived.
async function settle(...users) {
  for (const u of users) await u.client.ok('ping');
}

fx.test('feedback.create: anyone files; the item owns an open conversation; everyone hears of it', async () => {
  await adminUser();
  const [rep, other, mk] = [await user(), await user({ team: 'other' }), await user({ team: 'marketing' })];
  const before = other.client.events.length;
  const n = nonce('f');
  const r = await rep.client.ok('feedback.create', {
    kind: 'objection', body: 'Too expensive for a team of five.\nThey compared us with Globex.',
    title: 'Price objection at small teams', account: 'Acme Corp', competitor: 'Globex',
    stage: 'proposal', value: 48000, nonce: n,
  });
  const f = r.feedback;
  assert.ok(f.id > 0 && f.conv > 0);
  assert.deepEqual({ ...f, id: 0, conv: 0, created_at: 0, updated_at: 0 }, {
    id: 0, conv: 0, kind: 'objection', title: 'Price objection at small teams',
    body: 'Too expensive for a team of five.\nThey compared us with Globex.',
    account: 'Acme Corp', competitor: 'Globex', stage: 'proposal', value: 48000,
    status: 'new', author: rep.user.id, created_at: 0, updated_at: 0, votes: 0,
    weights: { nice_to_have: 0, important: 0, deal_blocker: 0 }, accounts: ['Acme Corp'],
    value_total: 48000, voted: false, requests: [],
  });
  assert.equal(f.updated_at, f.created_at);
  assert.ok(Math.abs(f.created_at - (await rep.client.ok('ping')).time) < 5000, 'created on the server clock');

  // The conversation: kind feedback, the title as topic, the author a member.
  const convNew = await rep.client.waitEvent((e) => e.event === 'conv.new' && e.data.conversation.id === f.conv);
  assert.equal(convNew.data.conversation.kind, 'feedback');
  assert.equal(convNew.data.conversation.topic, 'Price objection at small teams');
  assert.deepEqual(convNew.data.members, [rep.user.id]);
  const cg = await other.client.ok('conv.get', { conv: f.conv });
  assert.equal(cg.conversation.kind, 'feedback');
  assert.equal(cg.conversation.private, false);
  // Anyone may join the discussion; the author cannot leave it.
  await mk.client.ok('conv.join', { conv: f.conv });
  await mk.client.ok('msg.send', { conv: f.conv, body: 'which plan were they on?', nonce: nonce() });
  expectError(await rep.client.request('conv.leave', { conv: f.conv }), 'conflict', 'the author watches for good');

  // feedback.update to everyone, the outsider included.
  for (const u of [rep, other, mk]) {
    const ev = await u.client.waitEvent((e) => e.event === 'feedback.update' && e.data.feedback.id === f.id);
    assert.equal(ev.data.change, 'created');
    assert.equal(ev.data.by, rep.user.id);
    assert.equal(ev.data.feedback.title, f.title);
    assert.equal(ev.data.feedback.value_total, 48000);
    assert.ok(!('voted' in ev.data.feedback), 'broadcast items carry no per-viewer voted');
    assert.ok(typeof ev.seq === 'number', 'stored for resume');
  }
  assert.equal(events(other, before, 'feedback.update').length, 1);

  // Retry: same nonce and content answers the same item and stores nothing.
  const updatesBefore = rep.client.events.length;
  const again = await rep.client.ok('feedback.create', {
    kind: 'objection', body: 'Too expensive for a team of five.\nThey compared us with Globex.',
    title: 'Price objection at small teams', account: 'Acme Corp', competitor: 'Globex',
    stage: 'proposal', value: 48000, nonce: n,
  });
  assert.equal(again.feedback.id, f.id);
  assert.equal(again.feedback.conv, f.conv);
  expectError(await rep.client.request('feedback.create', { kind: 'objection', body: 'something else', nonce: n }), 'nonce_conflict');
  expectError(await rep.client.request('feedback.create', {
    kind: 'objection', body: 'Too expensive for a team of five.\nThey compared us with Globex.',
    title: 'Price objection at small teams', account: 'Acme Corp', competitor: 'Globex',
    stage: 'proposal', value: 48001, nonce: n,
  }), 'nonce_conflict', 'another value');
  await settle(rep);
  assert.equal(events(rep, updatesBefore, 'feedback.update').length, 0, 'a retry announces nothing');
  // Nonces are per author.
  const theirs = await file(other, { nonce: n });
  assert.notEqual(theirs.id, f.id);
  assert.equal(theirs.author, other.user.id);
});

fx.test('feedback.create: every kind, defaults, a competitor kind without a name', async () => {
  const rep = await user();
  for (const kind of KINDS) {
    const f = await file(rep, { kind });
    assert.equal(f.kind, kind);
    assert.equal(f.status, 'new');
    assert.equal(f.stage, 'none');
    assert.equal(f.value, 0);
    assert.equal(f.account, '');
    assert.equal(f.competitor, '');
    assert.deepEqual(f.accounts, []);
  }
  const named = await file(rep, { kind: 'testimonial', competitor: 'Initech', account: '' });
  assert.equal(named.competitor, 'Initech', 'any kind may name a competitor');
  assert.deepEqual(named.accounts, [], 'an empty account is not listed');
});

fx.test('feedback.create: the title defaults to the first line, cut at a word near 80 characters', async () => {
  const rep = await user();
  const t = async (body) => (await file(rep, { body })).title;
  assert.equal(await t('Short line\nsecond line'), 'Short line');
  assert.equal(await t('\n\n   Leading blank lines   \nrest'), 'Leading blank lines');
  assert.equal(await t('tab\tinside'), 'tab inside');
  const words = 'word '.repeat(30).trim(); // 149 characters
  const cut = await t(words);
  assert.equal(cut, `${'word '.repeat(16).trim()}…`, 'cut at the last space within 80 characters');
  const solid = 'x'.repeat(100);
  assert.equal(await t(solid), `${'x'.repeat(80)}…`, 'no space: cut at 80 characters');
  const wide = 'é'.repeat(79) + ' ' + 'ü'.repeat(30);
  assert.equal(await t(wide), `${'é'.repeat(79)}…`, 'characters, not bytes');
  assert.equal(await t(`${'x'.repeat(80)}`), 'x'.repeat(80), 'exactly 80: kept whole');
  assert.equal(await t('\u202Eevil\u202C name'), 'evil name', 'bidi controls dropped');
  const given = await file(rep, { body: 'long body', title: 'Given title' });
  assert.equal(given.title, 'Given title');
});

fx.test('feedback.create: bad input', async () => {
  const rep = await user();
  const bad = async (fields, code, what) => expectError(await rep.client.request('feedback.create', fields), code, what);
  await bad({ body: 'x' }, 'bad_request', 'no kind');
  await bad({ kind: 'pain_point' }, 'bad_request', 'no body');
  const e = await bad({ kind: 'rant', body: 'x' }, 'bad_request', 'unknown kind');
  assert.match(e.message, /pain_point/, 'the message lists the kinds');
  await bad({ kind: 'case_study', body: 'x' }, 'bad_request', 'a request kind');
  await bad({ kind: 'pain_point', body: '   \n ' }, 'bad_request', 'blank body');
  await bad({ kind: 'pain_point', body: 'x'.repeat(16385) }, 'too_large', 'body over 16384 bytes');
  await bad({ kind: 'pain_point', body: 'x', title: 't'.repeat(201) }, 'too_large', 'title over 200 characters');
  await bad({ kind: 'pain_point', body: 'x', title: '' }, 'bad_request', 'empty title');
  await bad({ kind: 'pain_point', body: 'x', title: 'a\u202Eb' }, 'bad_request', 'bidi in a title');
  await bad({ kind: 'pain_point', body: 'x', account: 'a'.repeat(121) }, 'too_large', 'account over 120 characters');
  await bad({ kind: 'pain_point', body: 'x', competitor: 'c'.repeat(121) }, 'too_large', 'competitor over 120 characters');
  await bad({ kind: 'pain_point', body: 'x', stage: 'won' }, 'bad_request', 'unknown stage');
  await bad({ kind: 'pain_point', body: 'x', value: -1 }, 'bad_request', 'negative value');
  await bad({ kind: 'pain_point', body: 'x', value: 1e12 + 1 }, 'bad_request', 'value over the limit');
  await bad({ kind: 'pain_point', body: 'x', value: 1.5 }, 'bad_request', 'fractional value');
  await bad({ kind: 'pain_point', body: 'x', status: 'done' }, 'bad_request', 'unknown field');
  await bad({ kind: 'pain_point', body: 'x', nonce: 'has space' }, 'bad_request', 'bad nonce');
  // Nothing was filed by any of those.
  const mine = await rep.client.ok('feedback.list', { limit: 100 });
  assert.equal(mine.feedback.filter((f) => f.author === rep.user.id).length, 0);
  // Unauthenticated connections get nothing.
  const anon = await fx.connect();
  expectError(await anon.request('feedback.create', { kind: 'pain_point', body: 'x' }), 'unauthenticated');
  expectError(await anon.request('feedback.list', {}), 'unauthenticated');
});

fx.test('feedback.vote: "me too" from others, never from the author; one vote each, replaced on revote', async () => {
  const [rep, ben, cy, outsider] = [await user(), await user(), await user({ team: 'marketing' }), await user()];
  const f = await file(rep, { account: 'Acme', value: 1000, stage: 'demo' });
  const e = expectError(await rep.client.request('feedback.vote', { feedback: f.id, weight: 'important' }), 'conflict', 'own item');
  assert.match(e.message, /filed/);
  expectError(await ben.client.request('feedback.vote', { feedback: 999999, weight: 'important' }), 'not_found');
  expectError(await ben.client.request('feedback.vote', { feedback: f.id }), 'bad_request', 'no weight');
  expectError(await ben.client.request('feedback.vote', { feedback: f.id, weight: 'critical' }), 'bad_request', 'unknown weight');
  expectError(await ben.client.request('feedback.vote', { weight: 'important' }), 'bad_request', 'no feedback');
  expectError(await ben.client.request('feedback.vote', { feedback: f.id, weight: 'important', stage: 'late' }), 'bad_request', 'unknown stage');

  const mark = outsider.client.events.length;
  const v1 = (await ben.client.ok('feedback.vote', { feedback: f.id, weight: 'deal_blocker', account: 'Initrode', value: 5000, stage: 'negotiation' })).feedback;
  assert.equal(v1.votes, 1);
  assert.equal(v1.voted, true);
  assert.deepEqual(v1.weights, { nice_to_have: 0, important: 0, deal_blocker: 1 });
  assert.deepEqual(v1.accounts, ['Acme', 'Initrode']);
  assert.equal(v1.value_total, 6000);
  assert.ok(v1.updated_at >= f.updated_at);
  // The voter now watches the conversation.
  const join = await rep.client.waitEvent((ev) => ev.event === 'member.join' && ev.data.conv === f.conv && ev.data.user.id === ben.user.id);
  assert.equal(join.data.by, ben.user.id);
  await ben.client.waitEvent((ev) => ev.event === 'conv.new' && ev.data.conversation.id === f.conv);
  assert.equal((await ben.client.ok('conv.get', { conv: f.conv })).conversation.member, true);
  await ben.client.ok('msg.send', { conv: f.conv, body: 'same at Initrode', nonce: nonce() });

  // Accounts are distinct, ASCII case-insensitively, in the spelling first used.
  const v2 = (await cy.client.ok('feedback.vote', { feedback: f.id, weight: 'nice_to_have', account: 'ACME', value: 250 })).feedback;
  assert.equal(v2.votes, 2);
  assert.deepEqual(v2.accounts, ['Acme', 'Initrode']);
  assert.equal(v2.value_total, 6250);
  assert.deepEqual(v2.weights, { nice_to_have: 1, important: 0, deal_blocker: 1 });

  // Voting again replaces the vote (and keeps when it was first cast).
  const g1 = (await ben.client.ok('feedback.get', { feedback: f.id })).feedback;
  const firstCast = g1.vote_list.find((v) => v.user === ben.user.id).created_at;
  await advance(ben, 1000);
  const v3 = (await ben.client.ok('feedback.vote', { feedback: f.id, weight: 'important', account: 'Umbrella', value: 100 })).feedback;
  assert.equal(v3.votes, 2, 'still one vote per user');
  assert.deepEqual(v3.weights, { nice_to_have: 1, important: 1, deal_blocker: 0 });
  assert.deepEqual(v3.accounts, ['Acme', 'Umbrella']);
  assert.equal(v3.value_total, 1350);
  assert.ok(v3.updated_at > v2.updated_at, 'updated_at moves with a vote');
  const g = (await cy.client.ok('feedback.get', { feedback: f.id })).feedback;
  assert.equal(g.voted, true);
  assert.deepEqual(g.vote_list, [
    { user: ben.user.id, account: 'Umbrella', weight: 'important', value: 100, stage: 'none', created_at: firstCast },
    { user: cy.user.id, account: 'ACME', weight: 'nice_to_have', value: 250, stage: 'none', created_at: g.vote_list[1].created_at },
  ]);
  assert.equal((await outsider.client.ok('feedback.get', { feedback: f.id })).feedback.voted, false, 'voted is per viewer');
  assert.equal((await rep.client.ok('feedback.get', { feedback: f.id })).feedback.voted, false);

  // Everyone saw each vote as a feedback.update.
  await settle(outsider);
  const ups = events(outsider, mark, 'feedback.update').filter((ev) => ev.data.feedback.id === f.id);
  assert.deepEqual(ups.map((ev) => [ev.data.change, ev.data.by, ev.data.feedback.votes]),
    [['vote', ben.user.id, 1], ['vote', cy.user.id, 2], ['vote', ben.user.id, 2]]);
});

fx.test('feedback.unvote: removes only your own vote; not_found without one', async () => {
  const [rep, ben, cy] = [await user(), await user(), await user()];
  const f = await file(rep, { value: 10 });
  await ben.client.ok('feedback.vote', { feedback: f.id, weight: 'important', value: 5, account: 'Ben Co' });
  await cy.client.ok('feedback.vote', { feedback: f.id, weight: 'nice_to_have', value: 7 });
  expectError(await rep.client.request('feedback.unvote', { feedback: f.id }), 'not_found', 'the author has no vote');
  expectError(await ben.client.request('feedback.unvote', { feedback: 999999 }), 'not_found', 'no such item');
  expectError(await ben.client.request('feedback.unvote', {}), 'bad_request', 'no feedback');
  const mark = rep.client.events.length;
  const u = (await ben.client.ok('feedback.unvote', { feedback: f.id })).feedback;
  assert.equal(u.votes, 1);
  assert.equal(u.voted, false);
  assert.equal(u.value_total, 17);
  assert.deepEqual(u.accounts, []);
  assert.deepEqual(u.weights, { nice_to_have: 1, important: 0, deal_blocker: 0 });
  const ev = await rep.client.waitEvent((e) => e.event === 'feedback.update' && e.data.change === 'unvote', 5000, mark);
  assert.equal(ev.data.by, ben.user.id);
  assert.equal(ev.data.feedback.votes, 1);
  expectError(await ben.client.request('feedback.unvote', { feedback: f.id }), 'not_found', 'already removed');
  // The unvoter keeps watching until it leaves; it may vote again.
  assert.equal((await ben.client.ok('conv.get', { conv: f.conv })).conversation.member, true);
  assert.equal((await ben.client.ok('feedback.vote', { feedback: f.id, weight: 'deal_blocker' })).feedback.votes, 2);
});

fx.test('feedback.status: marketers and admins only; forward only, skipping allowed, closed from anywhere', async () => {
  const adm = await adminUser();
  const [rep, mk, other] = [await user(), await user({ team: 'marketing' }), await user({ team: 'other' })];
  const f = await file(rep);
  for (const [u, what] of [[rep, 'the sales author'], [other, 'team other']]) {
    const e = expectError(await u.client.request('feedback.status', { feedback: f.id, status: 'acknowledged' }), 'forbidden', what);
    assert.match(e.message, /marketing/);
  }
  expectError(await mk.client.request('feedback.status', { feedback: 999999, status: 'planned' }), 'not_found');
  expectError(await mk.client.request('feedback.status', { feedback: f.id, status: 'shipped' }), 'bad_request', 'unknown status');
  expectError(await mk.client.request('feedback.status', { feedback: f.id, status: 'in_progress' }), 'bad_request', 'a request status');
  expectError(await mk.client.request('feedback.status', { feedback: f.id }), 'bad_request', 'no status');
  assert.equal((await adm.client.ok('feedback.get', { feedback: f.id })).feedback.status, 'new', 'refusals changed nothing');
  // An admin outside marketing may triage.
  assert.equal((await setStatus(adm, f.id, 'acknowledged')).status, 'acknowledged');

  // Every pair of statuses: later is allowed, the same or earlier is not.
  for (let from = 0; from < STATUSES.length; from++) {
    for (let to = 0; to < STATUSES.length; to++) {
      const item = await file(rep);
      if (from > 0) await setStatus(mk, item.id, STATUSES[from]);
      const r = await mk.client.request('feedback.status', { feedback: item.id, status: STATUSES[to] });
      if (to > from) {
        const got = expectResult(r, `${STATUSES[from]} -> ${STATUSES[to]}`).feedback;
        assert.equal(got.status, STATUSES[to]);
      } else {
        const e = expectError(r, 'conflict', `${STATUSES[from]} -> ${STATUSES[to]}`);
        assert.match(e.message, /later status/);
        assert.equal((await mk.client.ok('feedback.get', { feedback: item.id })).feedback.status, STATUSES[from]);
      }
    }
  }
  // The whole path, one step at a time.
  const walk = await file(rep);
  for (const s of STATUSES.slice(1)) assert.equal((await setStatus(mk, walk.id, s)).status, s);
});

fx.test('feedback.status: a system line, feedback.status to the author and each voter, feedback.update to everyone', async () => {
  const [rep, ben, cy, mk, outsider] = [await user(), await user(), await user(), await user({ team: 'marketing' }), await user()];
  const f = await file(rep, { account: 'Acme' });
  await ben.client.ok('feedback.vote', { feedback: f.id, weight: 'important' });
  await cy.client.ok('feedback.vote', { feedback: f.id, weight: 'deal_blocker' });
  await cy.client.ok('conv.leave', { conv: f.conv }); // stops watching, still a voter
  const marks = new Map([rep, ben, cy, mk, outsider].map((u) => [u, u.client.events.length]));
  await advance(mk, 1000);
  const r = (await mk.client.ok('feedback.status', { feedback: f.id, status: 'planned' })).feedback;
  assert.equal(r.status, 'planned');
  assert.ok(r.updated_at > f.updated_at);
  assert.equal(r.voted, false);
  await settle(rep, ben, cy, mk, outsider);

  for (const u of [rep, ben, cy]) {
    const st = events(u, marks.get(u), 'feedback.status');
    assert.equal(st.length, 1, 'one feedback.status each');
    assert.equal(st[0].data.feedback.id, f.id);
    assert.equal(st[0].data.feedback.status, 'planned');
    assert.equal(st[0].data.from, 'new');
    assert.equal(st[0].data.to, 'planned');
    assert.equal(st[0].data.by, mk.user.id);
    assert.equal(st[0].data.feedback.voted, u !== rep, 'voted as that user sees it');
  }
  for (const u of [mk, outsider]) {
    assert.equal(events(u, marks.get(u), 'feedback.status').length, 0, 'not for who neither filed nor voted');
  }
  for (const u of [rep, ben, cy, mk, outsider]) {
    const up = events(u, marks.get(u), 'feedback.update');
    assert.equal(up.length, 1);
    assert.equal(up[0].data.change, 'status');
    assert.equal(up[0].data.by, mk.user.id);
    assert.equal(up[0].data.feedback.status, 'planned');
  }
  // The system line: in the conversation, by the marketer, seen by watchers.
  const line = events(rep, marks.get(rep), 'message.new').map((e) => e.data.message).find((m) => m.conv === f.conv);
  assert.ok(line, 'the author (a member) gets the line');
  assert.equal(line.system, true);
  assert.equal(line.author, mk.user.id);
  assert.equal(line.body, 'changed the status from new to planned');
  assert.ok(events(ben, marks.get(ben), 'message.new').some((e) => e.data.message.id === line.id));
  assert.ok(!events(cy, marks.get(cy), 'message.new').some((e) => e.data.message.id === line.id), 'cy left the conversation');
  const h = await outsider.client.ok('msg.history', { conv: f.conv });
  assert.deepEqual(h.messages.map((m) => m.body), ['changed the status from new to planned']);

  // A closed item takes no more votes, and keeps the ones it has.
  await setStatus(mk, f.id, 'closed');
  expectError(await outsider.client.request('feedback.vote', { feedback: f.id, weight: 'important' }), 'conflict', 'vote on closed');
  expectError(await ben.client.request('feedback.unvote', { feedback: f.id }), 'conflict', 'unvote on closed');
  assert.equal((await rep.client.ok('feedback.get', { feedback: f.id })).feedback.votes, 2);
});

fx.test('feedback.get: the item with its votes; not_found for no such id', async () => {
  const [rep, ben] = [await user(), await user()];
  const f = await file(rep, { account: 'Acme', value: 3 });
  const g = (await ben.client.ok('feedback.get', { feedback: f.id })).feedback;
  assert.deepEqual({ ...g, vote_list: undefined }, { ...f, vote_list: undefined });
  assert.deepEqual(g.vote_list, []);
  expectError(await ben.client.request('feedback.get', { feedback: 999999 }), 'not_found');
  expectError(await ben.client.request('feedback.get', {}), 'bad_request');
  expectError(await ben.client.request('feedback.get', { feedback: 0 }), 'bad_request');
  expectError(await ben.client.request('feedback.get', { feedback: 'x' }), 'bad_request');
});

fx.test('feedback.list: filters by kind, status, account, competitor and date', async () => {
  const [rep, ben, mk] = [await user(), await user(), await user({ team: 'marketing' })];
  const tag = nonce('acct');
  const comp = nonce('Comp');
  const t0 = await advance(rep, 1000);
  const a = await file(rep, { kind: 'objection', account: `${tag}-one`, competitor: comp });
  await advance(rep, 1000);
  const b = await file(rep, { kind: 'competitor', account: `${tag}-two`, competitor: comp.toUpperCase() });
  await advance(rep, 1000);
  const c = await file(ben, { kind: 'objection', account: 'elsewhere' });
  await ben.client.ok('feedback.vote', { feedback: a.id, weight: 'important', account: 'Voter Inc' });
  await rep.client.ok('feedback.vote', { feedback: c.id, weight: 'important', account: `${tag}-ONE` });
  await setStatus(mk, b.id, 'planned');
  const ids = async (fields) => (await mk.client.ok('feedback.list', { limit: 100, ...fields })).feedback.map((f) => f.id);

  assert.deepEqual(new Set(await ids({ account: `${tag}-one` })), new Set([a.id, c.id]), 'the author\'s account or a vote\'s, any case');
  assert.deepEqual(await ids({ account: `${tag}-TWO` }), [b.id]);
  assert.deepEqual(await ids({ account: 'voter inc', kind: 'objection', created_after: t0 - 1 }), [a.id]);
  assert.deepEqual(new Set(await ids({ competitor: comp.toLowerCase() })), new Set([a.id, b.id]), 'competitor, any case');
  assert.deepEqual(await ids({ competitor: comp, kind: 'competitor' }), [b.id]);
  assert.deepEqual(await ids({ competitor: comp, status: 'planned' }), [b.id]);
  assert.deepEqual(await ids({ competitor: comp, status: 'new' }), [a.id]);
  assert.deepEqual(await ids({ competitor: comp, status: 'done' }), []);
  assert.deepEqual(await ids({ competitor: comp, created_after: a.created_at }), [b.id], 'created_after is exclusive');
  assert.deepEqual(await ids({ competitor: comp, created_before: b.created_at }), [a.id], 'created_before is exclusive');
  assert.deepEqual(await ids({ competitor: comp, created_after: a.created_at - 1, created_before: b.created_at + 1, sort: 'newest' }), [b.id, a.id]);
  assert.deepEqual(await ids({ competitor: comp, created_after: b.created_at }), []);
  const all = await ids({ created_after: t0 - 1, sort: 'newest' });
  assert.deepEqual(all.slice(0, 3), [c.id, b.id, a.id]);
  const listed = (await ben.client.ok('feedback.list', { account: `${tag}-one`, sort: 'newest' })).feedback;
  assert.deepEqual(listed.map((f) => [f.id, f.voted]), [[c.id, false], [a.id, true]], 'voted as the caller sees it');

  const bad = async (fields, what) => expectError(await mk.client.request('feedback.list', fields), 'bad_request', what);
  await bad({ kind: 'rant' }, 'unknown kind');
  await bad({ status: 'accepted' }, 'a request status');
  await bad({ sort: 'due' }, 'unknown sort');
  await bad({ limit: 101 }, 'limit over 100');
  await bad({ limit: 0 }, 'limit 0');
  await bad({ offset: -1 }, 'negative offset');
  await bad({ created_after: -5 }, 'negative created_after');
  expectError(await mk.client.request('feedback.list', { account: 'x'.repeat(121) }), 'too_large', 'long account');
});

fx.test('feedback.list: sorts by votes, value or newest; pages with limit, offset and more', async () => {
  const [rep, v1, v2, v3] = [await user(), await user(), await user(), await user()];
  const tag = nonce('sort');
  const mk = async (value) => { const f = await file(rep, { account: tag, value }); await advance(rep, 10); return f; };
  const a = await mk(100); // 2 votes, total 100
  const b = await mk(900); // 1 vote, total 900 + 50
  const c = await mk(10);  // 2 votes, total 10 + 500
  const d = await mk(0);   // no votes
  const e = await mk(0);   // no votes, newer than d
  for (const u of [v1, v2]) await u.client.ok('feedback.vote', { feedback: a.id, weight: 'nice_to_have' });
  await v3.client.ok('feedback.vote', { feedback: b.id, weight: 'important', value: 50 });
  await v1.client.ok('feedback.vote', { feedback: c.id, weight: 'important', value: 200 });
  await v2.client.ok('feedback.vote', { feedback: c.id, weight: 'deal_blocker', value: 300 });
  const list = async (fields) => (await rep.client.ok('feedback.list', { account: tag, ...fields }));
  const ids = async (fields) => (await list(fields)).feedback.map((f) => f.id);

  assert.deepEqual(await ids({}), [c.id, a.id, b.id, e.id, d.id], 'default: votes, then value_total, then newest');
  assert.deepEqual(await ids({ sort: 'votes' }), [c.id, a.id, b.id, e.id, d.id]);
  assert.deepEqual(await ids({ sort: 'value' }), [b.id, c.id, a.id, e.id, d.id]);
  assert.deepEqual(await ids({ sort: 'newest' }), [e.id, d.id, c.id, b.id, a.id]);
  const byId = new Map((await list({})).feedback.map((f) => [f.id, f]));
  assert.equal(byId.get(c.id).value_total, 510);
  assert.equal(byId.get(c.id).votes, 2);
  assert.equal(byId.get(b.id).value_total, 950);

  const p1 = await list({ sort: 'newest', limit: 2 });
  assert.deepEqual(p1.feedback.map((f) => f.id), [e.id, d.id]);
  assert.equal(p1.more, true);
  const p2 = await list({ sort: 'newest', limit: 2, offset: 2 });
  assert.deepEqual(p2.feedback.map((f) => f.id), [c.id, b.id]);
  assert.equal(p2.more, true);
  const p3 = await list({ sort: 'newest', limit: 2, offset: 4 });
  assert.deepEqual(p3.feedback.map((f) => f.id), [a.id]);
  assert.equal(p3.more, false);
  const exact = await list({ limit: 5 });
  assert.equal(exact.feedback.length, 5);
  assert.equal(exact.more, false, 'no more when the page ends exactly');
  assert.equal((await list({ offset: 50 })).feedback.length, 0);
  // The default page holds 50.
  const busy = nonce('many');
  for (let i = 0; i < 52; i++) await file(rep, { account: busy });
  const dflt = await rep.client.ok('feedback.list', { account: busy });
  assert.equal(dflt.feedback.length, 50);
  assert.equal(dflt.more, true);
});

// Spikes need a workspace of their own: every item counts.
fx.test('feedback.spikes: kinds and competitors rising in the last 7 days against the 4 weeks before', async () => {
  const srv = await fx.start({ args: ARGS });
  const [ana, ben, cy, dan] = [await user({}, srv), await user({}, srv), await user({}, srv), await user({}, srv)];
  const spikes = async () => (await ana.client.ok('feedback.spikes')).spikes;
  assert.deepEqual(await spikes(), [], 'nothing filed, nothing rising');

  // The prior weeks (T0): the baselines.
  const old = [];
  for (let i = 0; i < 4; i++) old.push(await file(ana, { kind: 'objection' }));
  for (let i = 0; i < 8; i++) await file(ana, { kind: 'pain_point' });
  const g0 = await file(ana, { kind: 'competitor', competitor: 'Globex' });
  // Without history, 3 or more in a week are a spike.
  let s = await spikes();
  assert.ok(s.some((x) => x.dimension === 'kind' && x.key === 'pain_point' && x.last_7_days === 8));

  // 30 days later: the recent week.
  await advance(ana, 30 * DAY);
  for (const competitor of ['Initech', 'initech', 'INITECH']) await file(ana, { kind: 'lost_reason', competitor });
  for (let i = 0; i < 3; i++) await file(ana, { kind: 'pain_point' });
  await file(ana, { kind: 'objection' });
  for (const u of [ben, cy]) await u.client.ok('feedback.vote', { feedback: old[0].id, weight: 'important' });
  for (let i = 0; i < 2; i++) await file(ana, { kind: 'competitor', competitor: 'Globex' });
  for (const u of [ben, cy, dan]) await u.client.ok('feedback.vote', { feedback: g0.id, weight: 'deal_blocker' });
  for (let i = 0; i < 2; i++) await file(ana, { kind: 'testimonial' });

  await advance(ana, 4 * DAY); // now T0 + 34 days: T0 lies in the prior weeks
  s = await spikes();
  const norm = s.map((x) => ({ ...x, key: x.dimension === 'competitor' ? x.key.toLowerCase() : x.key }));
  assert.deepEqual(norm, [
    { dimension: 'kind', key: 'competitor', last_7_days: 5, prior_4_weeks: 1, weekly_baseline: 0.25, ratio: 5 },
    { dimension: 'competitor', key: 'globex', last_7_days: 5, prior_4_weeks: 1, weekly_baseline: 0.25, ratio: 5 },
    { dimension: 'kind', key: 'lost_reason', last_7_days: 3, prior_4_weeks: 0, weekly_baseline: 0, ratio: 3 },
    { dimension: 'kind', key: 'objection', last_7_days: 3, prior_4_weeks: 4, weekly_baseline: 1, ratio: 3 },
    { dimension: 'competitor', key: 'initech', last_7_days: 3, prior_4_weeks: 0, weekly_baseline: 0, ratio: 3 },
  ], 'pain_point (3 against 2 a week) and testimonial (2) do not spike');
  assert.ok(['Initech', 'initech', 'INITECH'].includes(s[4].key), 'one of the spellings used');
  assert.equal(s[1].key, 'Globex');

  // One more week: the recent activity becomes the baseline.
  await advance(ana, 5 * DAY);
  assert.deepEqual(await spikes(), []);
  // Now (T0 + 39 days) the prior weeks hold what was filed at T0 + 30 days;
  // what was filed at T0 is older than both windows.
  for (let i = 0; i < 7; i++) await file(ana, { kind: 'pain_point' });
  s = await spikes();
  assert.deepEqual(s, [{ dimension: 'kind', key: 'pain_point', last_7_days: 7, prior_4_weeks: 3, weekly_baseline: 0.75, ratio: 7 }]);
  // Globex had 2 items and 3 votes in the prior weeks: a baseline of 1.25.
  for (let i = 0; i < 3; i++) await file(ana, { kind: 'product_fit', competitor: 'GLOBEX' });
  s = await spikes();
  assert.deepEqual(s.find((x) => x.dimension === 'competitor'),
    { dimension: 'competitor', key: 'GLOBEX', last_7_days: 3, prior_4_weeks: 5, weekly_baseline: 1.25, ratio: 2.4 });
  assert.deepEqual(s.map((x) => x.key.toLowerCase()), ['pain_point', 'product_fit', 'globex']);
  // Spikes are the same for everyone.
  assert.deepEqual((await dan.client.ok('feedback.spikes')).spikes, s);
  await stopChecked(srv);
});

fx.test('feedback survives a restart: items, votes, status, links to conversations, nonce retries', async () => {
  const srv = await fx.start({ args: ARGS });
  const [ana, ben] = [await user({}, srv), await user({ team: 'marketing' }, srv)];
  const n = nonce('r');
  const f = (await ana.client.ok('feedback.create', { kind: 'content_idea', body: 'a one-pager for banks', account: 'Bank', value: 7, nonce: n })).feedback;
  await ben.client.ok('feedback.vote', { feedback: f.id, weight: 'important', account: 'Other Bank', value: 3 });
  const before = (await setStatus(ben, f.id, 'acknowledged'));
  const full = (await ana.client.ok('feedback.get', { feedback: f.id })).feedback;
  await stopChecked(srv);

  const srv2 = await fx.start({ dataDir: srv.dataDir, args: ['--open-registration', '--test-clock', String(before.updated_at + 1000)] });
  const c = fx.track(await connect(srv2));
  await c.ok('login', { handle: ana.user.handle, password: ana.password });
  const after = (await c.ok('feedback.get', { feedback: f.id })).feedback;
  assert.deepEqual(after, full);
  assert.equal(after.status, 'acknowledged');
  const retry = (await c.ok('feedback.create', { kind: 'content_idea', body: 'a one-pager for banks', account: 'Bank', value: 7, nonce: n })).feedback;
  assert.equal(retry.id, f.id, 'the nonce is remembered');
  const list = (await c.ok('feedback.list', { account: 'other bank' })).feedback;
  assert.deepEqual(list.map((x) => x.id), [f.id]);
  const h = await c.ok('msg.history', { conv: f.conv });
  assert.equal(h.messages[0].body, 'changed the status from new to acknowledged');
  await stopChecked(srv2);
});

cleanExitTest(fx);

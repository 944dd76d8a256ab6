// The glossary (glossary.create, .edit, .get, .list, .ack) and its
// approvers (approver.set): versions with history, agreement by an approver
// of each team, glossary.update and user.update to everyone, every
// permission and bad input, and a restart that keeps it all.

import { serverFixture, cleanExitTest, expectError, expectResult, assert } from '../integration/util.js';
import { resume } from '../lib/server.js';

const fx = serverFixture({ args: ['--open-registration'] });

let adminP = null;
// The workspace's admin (the first user registered), on team sales.
function admin() {
  if (!adminP) adminP = fx.user({ team: 'sales', prefix: 'adm' });
  return adminP;
}

let nameCounter = 0;
// A term name no other test uses.
function termName(base = 'MQL') {
  nameCounter += 1;
  return `${base} ${process.pid % 1000}-${nameCounter}`;
}

// Users of the given teams, after the admin.
async function people(...teams) {
  await admin();
  const out = [];
  for (const team of teams) out.push(await fx.user({ team }));
  return out;
}

// Make users approvers (as the admin).
async function approvers(...users) {
  const a = await admin();
  for (const u of users) await a.client.ok('approver.set', { user: u.user.id, approver: true });
}

const updateOf = (u, id, change) => u.client.waitEvent((e) => e.event === 'glossary.update' && e.data.term.id === id && e.data.change === change, 5000);
// The n-th glossary.update of that term and change (1-based).
const nthUpdate = (u, id, change, n) => u.client.waitEvent(() => updatesOf(u, id, change).length >= n, 5000).then(() => updatesOf(u, id, change)[n - 1]);
const updatesOf = (u, id, change) => u.client.events.filter((e) => e.event === 'glossary.update' && e.data.term.id === id && (change === undefined || e.data.change === change));
const userUpdate = (u, id, pred = () => true) => u.client.waitEvent((e) => e.event === 'user.update' && e.data.user.id === id && pred(e.data.user), 5000);

async function create(u, name, body) {
  return (await u.client.ok('glossary.create', { title: name, body })).term;
}

fx.test('glossary.create: a pending version 1, announced to everyone', async () => {
  const a = await admin();
  const [rep, marketer, outsider] = await people('sales', 'marketing', 'other');
  const name = termName('MQL');
  const before = Date.now();
  const t = await create(rep, name, 'A lead marketing has qualified.');
  assert.ok(t.id > 0);
  assert.deepEqual(t, {
    id: t.id,
    name,
    definition: 'A lead marketing has qualified.',
    version: 1,
    agreed_version: 0,
    agreed_definition: '',
    status: 'pending',
    acks: { sales: [], marketing: [] },
    created_by: rep.user.id,
    created_at: t.created_at,
    updated_at: t.created_at,
  });
  assert.ok(t.created_at >= before - 1000 && t.created_at <= Date.now() + 1000);
  for (const u of [a, rep, marketer, outsider]) {
    const ev = await updateOf(u, t.id, 'created');
    assert.deepEqual(ev.data.term, t, 'the event carries the term');
    assert.ok(ev.seq > 0, 'a stored event');
  }
  const g = (await outsider.client.ok('glossary.get', { term: t.id })).term;
  assert.deepEqual(g, { ...t, history: [{ version: 1, definition: 'A lead marketing has qualified.', author: rep.user.id, created_at: t.created_at, agreed_at: 0 }] });
  const l = (await marketer.client.ok('glossary.list', {})).terms;
  assert.deepEqual(l.find((x) => x.id === t.id), t);
});

fx.test('glossary.create: names are unique without regard to case, spaces around them dropped', async () => {
  const [rep, marketer] = await people('sales', 'marketing');
  const name = termName('Icp');
  const t = await create(rep, `  ${name} `, 'Ideal customer profile.');
  assert.equal(t.name, name, 'surrounding spaces are not part of the name');
  for (const other of [name, name.toUpperCase(), name.toLowerCase(), ` ${name.toLowerCase()}`]) {
    const e = expectError(await marketer.client.request('glossary.create', { title: other, body: 'Another text.' }), 'conflict', other);
    assert.match(e.message, /edit/);
  }
  const l = (await rep.client.ok('glossary.list', {})).terms;
  assert.equal(l.filter((x) => x.name.toLowerCase() === name.toLowerCase()).length, 1);
  // A name that differs in more than case is another term.
  const t2 = await create(marketer, `${name}s`, 'Plural.');
  assert.notEqual(t2.id, t.id);
});

fx.test('bad input: missing, empty, blank and oversize fields, wrong types, unknown ids', async () => {
  const [rep] = await people('sales');
  const a = await admin();
  const c = rep.client;
  const t = await create(rep, termName('SQL'), 'Sales qualified lead.');
  const cases = [
    ['glossary.create', { body: 'x' }, 'bad_request', 'no title'],
    ['glossary.create', { title: 'x' }, 'bad_request', 'no body'],
    ['glossary.create', { title: '', body: 'x' }, 'bad_request', 'empty title'],
    ['glossary.create', { title: '    ', body: 'x' }, 'bad_request', 'blank title'],
    ['glossary.create', { title: 'a\u0007b', body: 'x' }, 'bad_request', 'control in title'],
    ['glossary.create', { title: 'x'.repeat(201), body: 'x' }, 'too_large', 'title of 201 characters'],
    ['glossary.create', { title: termName(), body: '' }, 'bad_request', 'empty body'],
    ['glossary.create', { title: termName(), body: ' \n\t ' }, 'bad_request', 'blank body'],
    ['glossary.create', { title: termName(), body: 'x'.repeat(16385) }, 'too_large', 'body over 16384 bytes'],
    ['glossary.create', { title: 7, body: 'x' }, 'bad_request', 'title not a string'],
    ['glossary.create', { title: termName(), body: 'x', term: 1 }, 'bad_request', 'unknown field'],
    ['glossary.edit', { term: t.id }, 'bad_request', 'edit without body'],
    ['glossary.edit', { body: 'x' }, 'bad_request', 'edit without term'],
    ['glossary.edit', { term: t.id, body: '' }, 'bad_request', 'edit empty body'],
    ['glossary.edit', { term: t.id, body: 'y'.repeat(16385) }, 'too_large', 'edit oversize body'],
    ['glossary.edit', { term: 'one', body: 'x' }, 'bad_request', 'term not an integer'],
    ['glossary.edit', { term: 0, body: 'x' }, 'bad_request', 'term 0'],
    ['glossary.get', {}, 'bad_request', 'get without term'],
    ['glossary.get', { term: -3 }, 'bad_request', 'negative term'],
    ['glossary.ack', { term: t.id }, 'bad_request', 'ack without version'],
    ['glossary.ack', { version: 1 }, 'bad_request', 'ack without term'],
    ['glossary.ack', { term: t.id, version: 0 }, 'bad_request', 'version 0'],
    ['glossary.ack', { term: t.id, version: '1' }, 'bad_request', 'version a string'],
    ['glossary.list', { limit: 5 }, 'bad_request', 'list takes no fields'],
    ['glossary.get', { term: 99999999 }, 'not_found', 'get unknown'],
    ['glossary.edit', { term: 99999999, body: 'x' }, 'not_found', 'edit unknown'],
    ['glossary.ack', { term: 99999999, version: 1 }, 'not_found', 'ack unknown'],
  ];
  for (const [op, fields, code, what] of cases) expectError(await c.request(op, fields), code, what);
  for (const [fields, code, what] of [
    [{ user: rep.user.id }, 'bad_request', 'no approver'],
    [{ approver: true }, 'bad_request', 'no user'],
    [{ user: rep.user.id, approver: 'yes' }, 'bad_request', 'approver not a bool'],
    [{ user: 99999999, approver: true }, 'not_found', 'unknown user'],
  ]) expectError(await a.client.request('approver.set', fields), code, what);
  // A title of 200 characters of several bytes each is fine.
  const long = 'é'.repeat(196) + String(nameCounter++ % 10000).padStart(4, '0');
  assert.equal((await create(rep, long, 'x'.repeat(16384))).name, long);
  // Nothing failed was stored: the term is still at version 1.
  assert.equal((await c.ok('glossary.get', { term: t.id })).term.version, 1);
});

fx.test('approver.set: admins only; sales or marketing only; user.update to everyone', async () => {
  const a = await admin();
  const [rep, marketer, outsider] = await people('sales', 'marketing', 'other');
  for (const who of [rep, marketer]) {
    const e = expectError(await who.client.request('approver.set', { user: who.user.id, approver: true }), 'forbidden', 'member');
    assert.match(e.message, /admin/);
  }
  const e = expectError(await a.client.request('approver.set', { user: outsider.user.id, approver: true }), 'bad_request', 'team other');
  assert.match(e.message, /sales or marketing/);
  const r = await a.client.ok('approver.set', { user: marketer.user.id, approver: true });
  assert.deepEqual(r.user, { ...marketer.user, approver: true });
  for (const u of [a, rep, marketer, outsider]) {
    const ev = await userUpdate(u, marketer.user.id);
    assert.deepEqual(ev.data.user, r.user);
  }
  const listed = (await outsider.client.ok('user.list', {})).users.find((x) => x.id === marketer.user.id);
  assert.equal(listed.approver, true, 'user.list shows approvers');
  // Setting what is already set changes nothing and announces nothing.
  assert.deepEqual((await a.client.ok('approver.set', { user: marketer.user.id, approver: true })).user, r.user);
  // Revoking: the flag disappears from the User object.
  const off = await a.client.ok('approver.set', { user: marketer.user.id, approver: false });
  assert.equal(off.user.approver, undefined);
  const ev = await userUpdate(outsider, marketer.user.id, (u) => u.approver === undefined);
  assert.deepEqual(ev.data.user, off.user);
  assert.equal(outsider.client.events.filter((x) => x.event === 'user.update' && x.data.user.id === marketer.user.id).length, 2, 'the repeated set sent no event');
  // Taking the flag from someone who cannot have it is allowed (and a no-op).
  assert.equal((await a.client.ok('approver.set', { user: outsider.user.id, approver: false })).user.approver, undefined);
  // An admin may make itself an approver.
  assert.equal((await a.client.ok('approver.set', { user: a.user.id, approver: true })).user.approver, true);
  await a.client.ok('approver.set', { user: a.user.id, approver: false });
});

fx.test('glossary.ack: approvers only; one team is not enough; both teams agree it', async () => {
  const a = await admin();
  const [rep, rep2, marketer, mkApprover, outsider] = await people('sales', 'sales', 'marketing', 'marketing', 'other');
  await approvers(rep, rep2, mkApprover);
  const t = await create(marketer, termName('SAL'), 'Sales accepted lead.');
  // Members who are not approvers, the admin included, may not acknowledge.
  for (const who of [marketer, outsider, a]) {
    const e = expectError(await who.client.request('glossary.ack', { term: t.id, version: 1 }), 'forbidden', 'not an approver');
    assert.match(e.message, /approver/);
  }
  // A sales approver: acked, still pending.
  const r1 = (await rep.client.ok('glossary.ack', { term: t.id, version: 1 })).term;
  assert.equal(r1.status, 'pending');
  assert.equal(r1.agreed_version, 0);
  assert.deepEqual(r1.acks, { sales: [rep.user.id], marketing: [] });
  for (const u of [a, marketer, outsider]) assert.deepEqual((await updateOf(u, t.id, 'acked')).data.term, r1);
  // Acking twice is idempotent: the same term back, no event.
  const again = (await rep.client.ok('glossary.ack', { term: t.id, version: 1 })).term;
  assert.deepEqual(again, r1);
  // A second sales approver: still pending.
  const r2 = (await rep2.client.ok('glossary.ack', { term: t.id, version: 1 })).term;
  assert.equal(r2.status, 'pending');
  assert.deepEqual(r2.acks.sales, [rep.user.id, rep2.user.id].sort((x, y) => x - y));
  assert.deepEqual((await nthUpdate(outsider, t.id, 'acked', 2)).data.term, r2, 'the repeat sent no event');
  // A marketing approver: agreed.
  const r3 = (await mkApprover.client.ok('glossary.ack', { term: t.id, version: 1 })).term;
  assert.equal(r3.status, 'agreed');
  assert.equal(r3.agreed_version, 1);
  assert.equal(r3.agreed_definition, 'Sales accepted lead.');
  assert.deepEqual(r3.acks.marketing, [mkApprover.user.id]);
  for (const u of [a, rep, marketer, outsider]) assert.deepEqual((await updateOf(u, t.id, 'agreed')).data.term, r3);
  assert.equal(updatesOf(outsider, t.id, 'acked').length, 2, 'agreement is announced as agreed only');
  const g = (await outsider.client.ok('glossary.get', { term: t.id })).term;
  assert.ok(g.history[0].agreed_at > 0);
  assert.ok(g.updated_at >= t.updated_at);
  // An approver acknowledging an agreed version: recorded, stays agreed.
  const [mk2] = await people('marketing');
  await approvers(mk2);
  const r4 = (await mk2.client.ok('glossary.ack', { term: t.id, version: 1 })).term;
  assert.equal(r4.status, 'agreed');
  assert.equal(r4.acks.marketing.length, 2);
  assert.deepEqual((await nthUpdate(outsider, t.id, 'acked', 3)).data.term, r4);
  assert.equal(updatesOf(outsider, t.id, 'agreed').length, 1, 'agreed once');
});

fx.test('two approvers of the same team never agree a term; nor does one approver twice', async () => {
  const [s1, s2, m1, m2, author] = await people('sales', 'sales', 'marketing', 'marketing', 'sales');
  await approvers(s1, s2, m1, m2);
  const t1 = await create(author, termName('Stage'), 'Discovery: first call booked.');
  await s1.client.ok('glossary.ack', { term: t1.id, version: 1 });
  const r = (await s2.client.ok('glossary.ack', { term: t1.id, version: 1 })).term;
  assert.equal(r.status, 'pending');
  const t2 = await create(author, termName('Stage'), 'Demo: product shown.');
  await m1.client.ok('glossary.ack', { term: t2.id, version: 1 });
  await m1.client.ok('glossary.ack', { term: t2.id, version: 1 });
  const r2 = (await m2.client.ok('glossary.ack', { term: t2.id, version: 1 })).term;
  assert.equal(r2.status, 'pending');
  assert.equal(r2.agreed_version, 0);
});

fx.test('edit: a new pending version, the agreed text kept; old versions refused; history', async () => {
  const [s, m, editor, outsider] = await people('sales', 'marketing', 'marketing', 'other');
  await approvers(s, m);
  const t = await create(editor, termName('MQL'), 'Downloaded a whitepaper.');
  await s.client.ok('glossary.ack', { term: t.id, version: 1 });
  await m.client.ok('glossary.ack', { term: t.id, version: 1 });
  // Identical text is not a new version.
  const same = expectError(await editor.client.request('glossary.edit', { term: t.id, body: 'Downloaded a whitepaper.' }), 'conflict', 'unchanged');
  assert.match(same.message, /unchanged/);
  // Anyone may edit, the outsider too.
  const e = (await outsider.client.ok('glossary.edit', { term: t.id, body: 'Downloaded two whitepapers and visited pricing.' })).term;
  assert.equal(e.version, 2);
  assert.equal(e.definition, 'Downloaded two whitepapers and visited pricing.');
  assert.equal(e.status, 'pending');
  assert.equal(e.agreed_version, 1);
  assert.equal(e.agreed_definition, 'Downloaded a whitepaper.', 'the agreed text stays visible');
  assert.deepEqual(e.acks, { sales: [], marketing: [] }, 'acks are per version');
  assert.equal(e.created_by, editor.user.id);
  for (const u of [s, m, editor, outsider]) assert.deepEqual((await updateOf(u, t.id, 'edited')).data.term, e);
  // An ack of an older version is refused; a version that does not exist
  // is not found.
  const old = expectError(await s.client.request('glossary.ack', { term: t.id, version: 1 }), 'conflict', 'old version');
  assert.match(old.message, /current/);
  expectError(await s.client.request('glossary.ack', { term: t.id, version: 3 }), 'not_found', 'future version');
  // Half acknowledged, the term is pending with the old agreed text.
  const half = (await m.client.ok('glossary.ack', { term: t.id, version: 2 })).term;
  assert.equal(half.status, 'pending');
  assert.equal(half.agreed_definition, 'Downloaded a whitepaper.');
  // A third version before agreement: the agreed text is still version 1.
  const v3 = (await editor.client.ok('glossary.edit', { term: t.id, body: 'Scored 50 or more.' })).term;
  assert.equal(v3.version, 3);
  assert.equal(v3.agreed_version, 1);
  expectError(await s.client.request('glossary.ack', { term: t.id, version: 2 }), 'conflict', 'superseded before agreement');
  await s.client.ok('glossary.ack', { term: t.id, version: 3 });
  const done = (await m.client.ok('glossary.ack', { term: t.id, version: 3 })).term;
  assert.equal(done.status, 'agreed');
  assert.equal(done.agreed_version, 3);
  assert.equal(done.agreed_definition, 'Scored 50 or more.');
  const g = (await outsider.client.ok('glossary.get', { term: t.id })).term;
  assert.deepEqual(g.history.map((h) => [h.version, h.definition, h.author, h.agreed_at > 0]), [
    [3, 'Scored 50 or more.', editor.user.id, true],
    [2, 'Downloaded two whitepapers and visited pricing.', outsider.user.id, false],
    [1, 'Downloaded a whitepaper.', editor.user.id, true],
  ]);
  assert.ok(g.history[0].created_at >= g.history[1].created_at && g.history[1].created_at >= g.history[2].created_at);
  // Going back to an earlier text is a new version like any other.
  const back = (await editor.client.ok('glossary.edit', { term: t.id, body: 'Downloaded a whitepaper.' })).term;
  assert.equal(back.version, 4);
  assert.equal(back.status, 'pending');
});

fx.test('approver.set takes effect on live connections at once', async () => {
  const a = await admin();
  const [s, m] = await people('sales', 'marketing');
  const t = await create(s, termName('ICP'), 'Mid-market banks in the EU.');
  expectError(await s.client.request('glossary.ack', { term: t.id, version: 1 }), 'forbidden', 'before');
  await approvers(s);
  expectResult(await s.client.request('glossary.ack', { term: t.id, version: 1 }), 'after being made an approver');
  await approvers(m);
  await a.client.ok('approver.set', { user: m.user.id, approver: false });
  expectError(await m.client.request('glossary.ack', { term: t.id, version: 1 }), 'forbidden', 'after being revoked');
  // The ack already recorded stays: revoking does not undo past acks.
  assert.deepEqual((await m.client.ok('glossary.get', { term: t.id })).term.acks.sales, [s.user.id]);
});

fx.test('glossary.list: every term, by name without regard to case', async () => {
  const [u] = await people('marketing');
  const tag = `L${process.pid % 1000}x${nameCounter++}`;
  const names = [`${tag} zeta`, `${tag} Alpha`, `${tag} beta`, `${tag} Gamma`];
  for (const n of names) await create(u, n, `Definition of ${n}.`);
  const terms = (await u.client.ok('glossary.list', {})).terms;
  const mine = terms.filter((t) => t.name.startsWith(tag)).map((t) => t.name);
  assert.deepEqual(mine, [`${tag} Alpha`, `${tag} beta`, `${tag} Gamma`, `${tag} zeta`]);
  // The whole list is in that order too.
  const all = terms.map((t) => t.name.toLowerCase());
  assert.deepEqual(all, [...all].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  for (const t of terms) {
    assert.equal(typeof t.definition, 'string');
    assert.ok(t.acks && Array.isArray(t.acks.sales) && Array.isArray(t.acks.marketing));
    assert.equal(t.history, undefined, 'history only in glossary.get');
  }
});

fx.test('glossary.get returns at most 100 versions, newest first', async () => {
  // Rate limits are per connection: spread the edits over several users.
  const editors = await people('sales', 'marketing', 'sales', 'marketing');
  const t = await create(editors[0], termName('Pipeline'), 'edit 1');
  for (let v = 2; v <= 105; v++) {
    await editors[v % editors.length].client.ok('glossary.edit', { term: t.id, body: `edit ${v}` });
  }
  const g = (await editors[1].client.ok('glossary.get', { term: t.id })).term;
  assert.equal(g.version, 105);
  assert.equal(g.definition, 'edit 105');
  assert.equal(g.history.length, 100);
  assert.deepEqual(g.history.map((h) => h.version), Array.from({ length: 100 }, (_, i) => 105 - i));
  assert.equal(g.history[99].definition, 'edit 6');
});

fx.test('glossary.update events are replayed on resume', async () => {
  const [u, watcher] = await people('sales', 'other');
  const since = watcher.client.lastSeq;
  await watcher.client.close();
  const t = await create(u, termName('ARR'), 'Annual recurring revenue.');
  const r = await resume(fx.srv, watcher.token, since);
  fx.track(r.client);
  expectResult(r.reply);
  const ev = await updateOf({ client: r.client }, t.id, 'created');
  assert.deepEqual(ev.data.term, t);
});

fx.test('terms, versions, acks, agreement and approvers survive a crash (kill -9)', async () => {
  const a = await admin();
  const [s, m] = await people('sales', 'marketing');
  await approvers(s, m);
  const t = await create(s, termName('NRR'), 'Net revenue retention.');
  await s.client.ok('glossary.ack', { term: t.id, version: 1 });
  await m.client.ok('glossary.ack', { term: t.id, version: 1 });
  await m.client.ok('glossary.edit', { term: t.id, body: 'Net revenue retention, 12 months.' });
  const halfway = (await s.client.ok('glossary.ack', { term: t.id, version: 2 })).term;
  const before = (await s.client.ok('glossary.get', { term: t.id })).term;
  const list = (await s.client.ok('glossary.list', {})).terms;
  const srv = fx.srv;
  srv.killedOnPurpose = true;
  await srv.kill9();
  const srv2 = await fx.start({ dataDir: srv.dataDir, args: ['--open-registration'] });
  fx.srv = srv2;
  const rs = await resume(srv2, s.token);
  const rm = await resume(srv2, m.token);
  const ra = await resume(srv2, a.token);
  for (const r of [rs, rm, ra]) { fx.track(r.client); expectResult(r.reply); }
  assert.deepEqual((await rs.client.ok('glossary.get', { term: t.id })).term, before);
  assert.deepEqual((await rs.client.ok('glossary.list', {})).terms, list);
  assert.equal(halfway.status, 'pending');
  // The approvers are still approvers: the marketing ack agrees version 2.
  const users = (await ra.client.ok('user.list', {})).users;
  assert.equal(users.find((x) => x.id === m.user.id).approver, true);
  const done = (await rm.client.ok('glossary.ack', { term: t.id, version: 2 })).term;
  assert.equal(done.status, 'agreed');
  assert.equal(done.agreed_definition, 'Net revenue retention, 12 months.');
  // Names stay unique after the restart.
  expectError(await rs.client.request('glossary.create', { title: t.name.toUpperCase(), body: 'x' }), 'conflict');
});

cleanExitTest(fx);

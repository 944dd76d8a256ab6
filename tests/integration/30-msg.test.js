// Messages: msg.send (events, idempotent retry, nonce_conflict, limits),
// msg.edit, msg.delete (tombstones), msg.history paging, typing.

import {
  serverFixture, cleanExitTest, assert, expectError, expectResult, nonce,
  barrier, eventsSince,
} from './util.js';

const fx = serverFixture({ args: ['--open-registration'] });

let chanCounter = 0;
const chanName = (p = 'm') => `${p}-${process.pid % 1000}-${++chanCounter}`;

// A public channel made by owner with the given member users.
async function channel(owner, members = [], fields = {}) {
  const f = { kind: 'channel', name: chanName(), ...fields };
  if (members.length) f.members = members.map((u) => u.user.id);
  return (await owner.client.ok('conv.create', f)).conversation;
}

function assertMessage(m, what) {
  for (const k of ['id', 'conv', 'author', 'created_at', 'edited_at']) {
    assert.equal(typeof m[k], 'number', `${what}: message.${k} in ${JSON.stringify(m)}`);
  }
  assert.equal(typeof m.body, 'string', `${what}: message.body`);
  assert.equal(typeof m.deleted, 'boolean', `${what}: message.deleted`);
}

fx.test('msg.send: the message, and message.new to every member', async () => {
  const [ana, ben, carl] = await fx.users(3);
  const c = await channel(ana, [ben]);
  const froms = [ana, ben].map((u) => u.client.events.length);
  const n = nonce('send');
  const m = expectResult(await ana.client.request('msg.send', { conv: c.id, body: 'hello, team', nonce: n })).message;
  assertMessage(m, 'msg.send');
  assert.equal(m.conv, c.id);
  assert.equal(m.author, ana.user.id);
  assert.equal(m.body, 'hello, team');
  assert.equal(m.nonce, n);
  assert.equal(m.edited_at, 0);
  assert.equal(m.deleted, false);
  assert.ok(Math.abs(m.created_at - Date.now()) < 60000, 'created_at is now, in ms');
  for (const [i, u] of [ana, ben].entries()) {
    const ev = await u.client.waitEvent((e) => e.event === 'message.new' && e.data.message.id === m.id, 5000, froms[i]);
    assert.equal(typeof ev.seq, 'number');
    assert.deepEqual(ev.data.message, m, 'the event carries the stored message');
  }
  // Carl, not a member, is not told (checked with a barrier in a conversation he is in).
  const fromC = carl.client.events.length;
  const carls = await channel(carl, [ana]);
  await barrier(ana, carls.id, carl.client);
  assert.equal(eventsSince(carl.client, fromC, 'message.new').filter((e) => e.data.message.id === m.id).length, 0, 'no message.new for non-members');
  // The conversation's last_message_id follows.
  assert.equal(expectResult(await ben.client.request('conv.get', { conv: c.id })).conversation.last_message_id, m.id);
  // Ids ascend across the workspace.
  const c2 = await channel(carl);
  const m2 = (await carl.client.ok('msg.send', { conv: c2.id, body: 'elsewhere', nonce: nonce() })).message;
  const m3 = (await ben.client.ok('msg.send', { conv: c.id, body: 'again', nonce: nonce() })).message;
  assert.ok(m2.id > m.id && m3.id > m2.id, 'message ids ascend');
  // Newlines and tabs are allowed; the body is stored verbatim.
  const body = 'line one\n\tline two\n😀 ünïcode — “quotes” <b>not html</b> &amp;';
  assert.equal((await ana.client.ok('msg.send', { conv: c.id, body, nonce: nonce() })).message.body, body);
});

fx.test('every connection of a member gets the event, the sender\'s other tabs included', async () => {
  const [ana, ben] = await fx.users(2);
  const c = await channel(ana, [ben]);
  const benTab = await fx.connect();
  await benTab.ok('hello', { token: ben.token });
  const anaTab = await fx.connect();
  await anaTab.ok('hello', { token: ana.token });
  const m = (await ana.client.ok('msg.send', { conv: c.id, body: 'to every tab', nonce: nonce() })).message;
  for (const [what, cl] of [['ben', ben.client], ['ben tab 2', benTab], ['ana tab 2', anaTab], ['ana', ana.client]]) {
    const ev = await cl.waitEvent((e) => e.event === 'message.new' && e.data.message.id === m.id);
    assert.equal(ev.data.message.body, 'to every tab', what);
  }
});

fx.test('msg.send retry: same nonce gives the same message, stored and announced once', async () => {
  const [ana, ben] = await fx.users(2);
  const c = await channel(ana, [ben]);
  const fromB = ben.client.events.length;
  const n = nonce('retry');
  const m1 = (await ana.client.ok('msg.send', { conv: c.id, body: 'only once', nonce: n })).message;
  const m2 = (await ana.client.ok('msg.send', { conv: c.id, body: 'only once', nonce: n })).message;
  assert.deepEqual(m2, m1, 'the retry returns the original message');
  // The same retry on another connection of the same user.
  const other = await fx.connect();
  await other.ok('hello', { token: ana.token });
  const m3 = (await other.ok('msg.send', { conv: c.id, body: 'only once', nonce: n })).message;
  assert.deepEqual(m3, m1);
  // Two copies in flight at once.
  const n2 = nonce('race');
  const [r1, r2] = await Promise.all([
    ana.client.request('msg.send', { conv: c.id, body: 'racing', nonce: n2 }),
    ana.client.request('msg.send', { conv: c.id, body: 'racing', nonce: n2 }),
  ]);
  assert.equal(expectResult(r1).message.id, expectResult(r2).message.id, 'concurrent retries');

  const h = expectResult(await ben.client.request('msg.history', { conv: c.id }));
  assert.equal(h.messages.filter((x) => x.id === m1.id).length, 1);
  assert.equal(h.messages.filter((x) => x.body === 'only once').length, 1, 'history has one copy');
  assert.equal(h.messages.filter((x) => x.body === 'racing').length, 1, 'history has one copy of the raced one');
  await barrier(ana, c.id, ben.client);
  const news = eventsSince(ben.client, fromB, 'message.new');
  assert.equal(news.filter((e) => e.data.message.id === m1.id).length, 1, 'one message.new for a retried send');
  assert.equal(news.filter((e) => e.data.message.body === 'racing').length, 1);
  // A different user may use the same nonce: it is per user.
  const mb = (await ben.client.ok('msg.send', { conv: c.id, body: 'only once', nonce: n })).message;
  assert.notEqual(mb.id, m1.id);
  assert.equal(mb.author, ben.user.id);
});

fx.test('msg.send: same nonce with another body or conversation answers nonce_conflict', async () => {
  const [ana] = await fx.users(1);
  const c = await channel(ana);
  const c2 = await channel(ana);
  const n = nonce('nc');
  await ana.client.ok('msg.send', { conv: c.id, body: 'first', nonce: n });
  expectError(await ana.client.request('msg.send', { conv: c.id, body: 'second', nonce: n }), 'nonce_conflict', 'other body');
  expectError(await ana.client.request('msg.send', { conv: c2.id, body: 'first', nonce: n }), 'nonce_conflict', 'other conversation');
  const h = expectResult(await ana.client.request('msg.history', { conv: c.id }));
  assert.deepEqual(h.messages.map((m) => m.body), ['first']);
  assert.deepEqual(expectResult(await ana.client.request('msg.history', { conv: c2.id })).messages, []);
});

fx.test('msg.send errors: not_found, bad bodies and nonces, too_large', async () => {
  const [ana] = await fx.users(1);
  const c = await channel(ana);
  expectError(await ana.client.request('msg.send', { conv: 987654321, body: 'x', nonce: nonce() }), 'not_found');
  // A public channel one has not joined: visible, so forbidden.
  const [bob] = await fx.users(1);
  expectError(await bob.client.request('msg.send', { conv: c.id, body: 'drive-by', nonce: nonce() }), 'forbidden', 'public channel not joined');
  for (const [what, fields] of [
    ['empty body', { body: '' }],
    ['whitespace only', { body: ' \n\t  ' }],
    ['BEL', { body: 'ding\u0007' }],
    ['ESC sequence', { body: '\u001b[31mred' }],
    ['carriage return', { body: 'a\rb' }],
    ['DEL', { body: 'a\u007fb' }],
    ['C1 CSI', { body: 'a\u009bb' }],
    ['body not a string', { body: 42 }],
    ['no body', { body: undefined }],
    ['no nonce', { nonce: undefined }],
    ['empty nonce', { nonce: '' }],
    ['non-ASCII nonce', { nonce: 'nonce-é' }],
    ['control character in nonce', { nonce: 'a\u0001b' }],
    ['conv as a string', { conv: String(c.id) }],
    ['unknown field', { reply_to: 1 }],
  ]) {
    const fields2 = { conv: c.id, body: 'ok', nonce: nonce(), ...fields };
    for (const k of Object.keys(fields2)) if (fields2[k] === undefined) delete fields2[k];
    expectError(await ana.client.request('msg.send', fields2), 'bad_request', what);
  }
  expectError(await ana.client.request('msg.send', { conv: c.id, body: 'ok', nonce: 'n'.repeat(65) }), 'too_large', '65-character nonce');
  // 16384 bytes is the limit, counted in bytes of UTF-8.
  expectResult(await ana.client.request('msg.send', { conv: c.id, body: 'x'.repeat(16384), nonce: nonce() }));
  expectResult(await ana.client.request('msg.send', { conv: c.id, body: 'é'.repeat(8192), nonce: nonce() }));
  expectError(await ana.client.request('msg.send', { conv: c.id, body: 'x'.repeat(16385), nonce: nonce() }), 'too_large', '16385 bytes');
  expectError(await ana.client.request('msg.send', { conv: c.id, body: 'é'.repeat(8193), nonce: nonce() }), 'too_large', '8193 two-byte characters');
  // 64 printable ASCII characters, punctuation included, make a nonce.
  const n64 = `!"#$%&'()*+,-./0123456789:;<=>?@[\\]^_\`{|}~${'z'.repeat(64)}`.slice(0, 64);
  assert.equal(n64.length, 64);
  expectResult(await ana.client.request('msg.send', { conv: c.id, body: 'punctuated nonce', nonce: n64 }));
  // Nothing of the refused ones was stored.
  const h = expectResult(await ana.client.request('msg.history', { conv: c.id }));
  assert.equal(h.messages.length, 3);
});

fx.test('msg.send: SQL metacharacters are just text', async () => {
  const [ana] = await fx.users(1);
  const c = await channel(ana);
  const bodies = [
    "Robert'); DROP TABLE messages;--",
    '" OR 1=1 --',
    "'; DELETE FROM users WHERE ''='",
    '%_\\%\\_ LIKE wildcards',
    '\\0 \\x00 \\n',
    '/* comment */ ; BEGIN; COMMIT;',
  ];
  const sent = [];
  for (const body of bodies) {
    sent.push((await ana.client.ok('msg.send', { conv: c.id, body, nonce: `${nonce()}'"%;` })).message);
  }
  const h = expectResult(await ana.client.request('msg.history', { conv: c.id }));
  assert.deepEqual(h.messages.map((m) => m.body), bodies);
  assert.deepEqual(h.messages.map((m) => m.id), sent.map((m) => m.id));
  // The store still works and nothing else was touched.
  expectResult(await ana.client.request('user.list'));
  expectResult(await ana.client.request('conv.list'));
});

fx.test('msg.edit: own messages only; message.edit to members; conflict on a tombstone', async () => {
  const [ana, ben] = await fx.users(2);
  const c = await channel(ana, [ben]);
  const m = (await ana.client.ok('msg.send', { conv: c.id, body: 'draft', nonce: nonce() })).message;
  const fromB = ben.client.events.length;
  const e = expectResult(await ana.client.request('msg.edit', { message: m.id, body: 'final' })).message;
  assert.equal(e.id, m.id);
  assert.equal(e.body, 'final');
  assert.equal(e.created_at, m.created_at);
  assert.ok(e.edited_at >= m.created_at && e.edited_at > 0, 'edited_at is set');
  const ev = await ben.client.waitEvent((x) => x.event === 'message.edit' && x.data.message.id === m.id, 5000, fromB);
  assert.equal(ev.data.message.body, 'final');
  assert.equal(typeof ev.seq, 'number');
  const h = expectResult(await ben.client.request('msg.history', { conv: c.id }));
  assert.equal(h.messages.find((x) => x.id === m.id).body, 'final');

  expectError(await ben.client.request('msg.edit', { message: m.id, body: 'hijack' }), 'forbidden', "someone else's");
  expectError(await ana.client.request('msg.edit', { message: 987654321, body: 'x' }), 'not_found');
  expectError(await ana.client.request('msg.edit', { message: m.id, body: '' }), 'bad_request', 'empty body');
  expectError(await ana.client.request('msg.edit', { message: m.id, body: 'x'.repeat(16385) }), 'too_large', 'too long');
  expectError(await ana.client.request('msg.edit', { message: m.id }), 'bad_request', 'no body');
  await ana.client.ok('msg.delete', { message: m.id });
  expectError(await ana.client.request('msg.edit', { message: m.id, body: 'resurrect' }), 'conflict', 'a deleted message');
});

fx.test('msg.delete: tombstones in place; own messages or an admin; message.delete to members', async () => {
  const admin = fx.admin;
  const [ana, ben] = await fx.users(2);
  const c = await channel(ana, [ben]);
  const ms = [];
  for (const body of ['one', 'two', 'three']) ms.push((await ana.client.ok('msg.send', { conv: c.id, body, nonce: nonce() })).message);
  expectError(await ben.client.request('msg.delete', { message: ms[1].id }), 'forbidden', "someone else's");
  const fromB = ben.client.events.length;
  const t = expectResult(await ana.client.request('msg.delete', { message: ms[1].id })).message;
  assert.equal(t.id, ms[1].id);
  assert.equal(t.deleted, true);
  assert.equal(t.body, '');
  assert.equal(t.conv, c.id);
  assert.equal(t.author, ana.user.id);
  const ev = await ben.client.waitEvent((x) => x.event === 'message.delete' && x.data.message.id === ms[1].id, 5000, fromB);
  assert.equal(ev.data.message.deleted, true);
  assert.equal(ev.data.message.body, '');
  const h = expectResult(await ben.client.request('msg.history', { conv: c.id }));
  assert.deepEqual(h.messages.map((x) => [x.id, x.deleted, x.body]),
    [[ms[0].id, false, 'one'], [ms[1].id, true, ''], [ms[2].id, false, 'three']], 'the tombstone keeps its place');
  // An admin may delete anyone's message (the admin is not even a member of this public channel).
  const t2 = expectResult(await admin.client.request('msg.delete', { message: ms[2].id })).message;
  assert.equal(t2.deleted, true);
  expectError(await ana.client.request('msg.delete', { message: 987654321 }), 'not_found');
  expectError(await ana.client.request('msg.delete', {}), 'bad_request');
  // The retry of a deleted message's nonce still returns the message as it now is, not a new one.
  const again = await ana.client.request('msg.send', { conv: c.id, body: 'two', nonce: ms[1].nonce });
  if (again.result) assert.equal(again.result.message.id, ms[1].id, 'a retry never stores a duplicate');
  else expectError(again, ['nonce_conflict', 'conflict']);
});

fx.test('msg.history: newest page, before/after paging with more, limits', async () => {
  const [ana, ben] = await fx.users(2);
  const c = await channel(ana, [ben]);
  // Two senders so that neither connection nears its rate limit.
  const ids = [];
  for (let i = 0; i < 30; i++) {
    const who = i % 2 === 0 ? ana : ben;
    ids.push((await who.client.ok('msg.send', { conv: c.id, body: `m${i}`, nonce: nonce() })).message.id);
  }
  const page = async (fields) => expectResult(await ben.client.request('msg.history', { conv: c.id, ...fields }), JSON.stringify(fields));
  const idsOf = (p) => p.messages.map((m) => m.id);

  let p = await page({});
  assert.deepEqual(idsOf(p), ids, 'default page (50) holds all 30, ascending');
  assert.equal(p.more, false);
  for (const m of p.messages) assertMessage(m, 'history');
  assert.deepEqual(p.messages.map((m) => m.body), ids.map((_, i) => `m${i}`));

  p = await page({ limit: 10 });
  assert.deepEqual(idsOf(p), ids.slice(20), 'newest 10');
  assert.equal(p.more, true);
  p = await page({ before: ids[20], limit: 10 });
  assert.deepEqual(idsOf(p), ids.slice(10, 20));
  assert.equal(p.more, true);
  p = await page({ before: ids[10], limit: 10 });
  assert.deepEqual(idsOf(p), ids.slice(0, 10));
  assert.equal(p.more, false, 'nothing older than the first page');
  p = await page({ before: ids[5], limit: 10 });
  assert.deepEqual(idsOf(p), ids.slice(0, 5));
  assert.equal(p.more, false);
  p = await page({ before: ids[0] });
  assert.deepEqual(idsOf(p), []);
  assert.equal(p.more, false);

  p = await page({ after: ids[9], limit: 10 });
  assert.deepEqual(idsOf(p), ids.slice(10, 20));
  assert.equal(p.more, true, 'newer messages exist after this page');
  p = await page({ after: ids[19], limit: 10 });
  assert.deepEqual(idsOf(p), ids.slice(20));
  assert.equal(p.more, false);
  p = await page({ after: ids[29] });
  assert.deepEqual(idsOf(p), []);
  assert.equal(p.more, false);
  p = await page({ after: 0, limit: 3 });
  assert.deepEqual(idsOf(p), ids.slice(0, 3), 'after 0 starts at the oldest');
  assert.equal(p.more, true);

  p = await page({ limit: 200 });
  assert.equal(p.messages.length, 30);
  p = await page({ limit: 1 });
  assert.deepEqual(idsOf(p), [ids[29]]);
  assert.equal(p.more, true);

  for (const bad of [{ limit: 0 }, { limit: 201 }, { limit: -1 }, { limit: 'ten' }, { before: ids[20], after: ids[5] }, { before: 'x' }, { page: 2 }]) {
    expectError(await ben.client.request('msg.history', { conv: c.id, ...bad }), 'bad_request', JSON.stringify(bad));
  }
  expectError(await ben.client.request('msg.history', { conv: 987654321 }), 'not_found');
  expectError(await ben.client.request('msg.history', {}), 'bad_request');

  // An empty conversation.
  const empty = await channel(ana);
  p = expectResult(await ana.client.request('msg.history', { conv: empty.id }));
  assert.deepEqual(p.messages, []);
  assert.equal(p.more, false);
});

fx.test('msg.history pages only the asked conversation', async () => {
  const [ana] = await fx.users(1);
  const a = await channel(ana);
  const b = await channel(ana);
  const ids = [];
  for (let i = 0; i < 6; i++) {
    const conv = i % 2 === 0 ? a : b;
    ids.push((await ana.client.ok('msg.send', { conv: conv.id, body: `x${i}`, nonce: nonce() })).message.id);
  }
  const p = expectResult(await ana.client.request('msg.history', { conv: a.id, limit: 2 }));
  assert.deepEqual(p.messages.map((m) => m.id), [ids[2], ids[4]]);
  assert.equal(p.more, true);
  const q = expectResult(await ana.client.request('msg.history', { conv: a.id, before: ids[2] }));
  assert.deepEqual(q.messages.map((m) => m.id), [ids[0]]);
  assert.equal(q.more, false);
});

fx.test('a full history page of maximum-size messages arrives whole', async () => {
  const [ana] = await fx.users(1);
  const c = await channel(ana);
  // 200 bodies of 16384 bytes (about 3.3 MB in one reply), sent over four
  // connections to stay within the rate limit.
  const tabs = [];
  for (let i = 0; i < 4; i++) {
    const t = await fx.connect();
    await t.ok('hello', { token: ana.token });
    tabs.push(t);
  }
  const bodies = Array.from({ length: 200 }, (_, i) => `${String(i).padStart(3, '0')}:${'é'.repeat(8190)}`);
  const sent = await Promise.all(bodies.map((body, i) => tabs[i % 4].ok('msg.send', { conv: c.id, body, nonce: `big-${i}` })));
  for (const r of sent) assert.equal(Buffer.byteLength(r.message.body), 16384);
  const p = expectResult(await ana.client.request('msg.history', { conv: c.id, limit: 200 }));
  assert.equal(p.messages.length, 200);
  assert.equal(p.more, false);
  const byId = new Map(sent.map((r) => [r.message.id, r.message.body]));
  for (const m of p.messages) assert.equal(m.body, byId.get(m.id), `message ${m.id} intact`);
});

fx.test('typing: {} and an ephemeral typing event to the other members only', async () => {
  const [ana, ben, carl] = await fx.users(3);
  const c = await channel(ana, [ben]);
  const fromA = ana.client.events.length;
  const fromB = ben.client.events.length;
  assert.deepEqual(expectResult(await ana.client.request('typing', { conv: c.id })), {});
  const ev = await ben.client.waitEvent((e) => e.event === 'typing' && e.data.conv === c.id, 5000, fromB);
  assert.equal(ev.data.user, ana.user.id);
  assert.equal(ev.seq, undefined, 'typing is ephemeral: no seq');
  await barrier(ben, c.id, ana.client);
  assert.equal(eventsSince(ana.client, fromA, 'typing').length, 0, 'the typist is not told');
  const fromC = carl.client.events.length;
  const own = await channel(ana, [carl]);
  await barrier(ana, own.id, carl.client);
  assert.equal(eventsSince(carl.client, fromC, 'typing').length, 0, 'non-members are not told');
  expectError(await carl.client.request('typing', { conv: 987654321 }), 'not_found');
  expectError(await carl.client.request('typing', {}), 'bad_request');
});

cleanExitTest(fx);

// Read markers and unread counts: conv.read only moves forwards,
// conv.unread moves back, read.update reaches the same user's other
// connections only, unread.counts answers for every conversation at once.

import { serverFixture, cleanExitTest, expectError, assert, send, channel } from './util.js';
import { connect } from '../lib/server.js';

const fx = serverFixture({ args: ['--open-registration'] });

fx.test('counts, conv.read, conv.unread and read.update on the other connection', async () => {
  const [ana, ben] = await fx.users(2);
  const conv = await channel(ana, [ben]);
  const m1 = await send(ana, conv.id, 'one');
  const m2 = await send(ana, conv.id, `two @${ben.user.handle}`);
  await send(ana, conv.id, 'reply', { thread: m1.id });
  await send(ben, conv.id, 'mine');
  const second = fx.track(await connect(fx.srv));
  await second.ok('hello', { token: ben.token });
  let c = (await ben.client.ok('unread.counts', {})).counts.find((x) => x.conv === conv.id);
  assert.deepEqual(c, { conv: conv.id, thread: 0, last_read: 0, unread: 2, mentions: 1, notify: 'all' });
  const r = await ben.client.ok('conv.read', { conv: conv.id, message: m2.id });
  assert.deepEqual(r, { conv: conv.id, thread: 0, last_read: m2.id, unread: 0, mentions: 0, notify: 'all' });
  const ev = await second.waitEvent('read.update');
  assert.deepEqual(ev.data, r);
  // Never backwards through conv.read...
  const r2 = await ben.client.ok('conv.read', { conv: conv.id, message: m1.id });
  assert.equal(r2.last_read, m2.id);
  // ...but conv.unread marks from that message on unread.
  const u = await ben.client.ok('conv.unread', { conv: conv.id, message: m1.id });
  assert.equal(u.unread, 2);
  assert.equal(u.mentions, 1);
  c = (await ben.client.ok('unread.counts', {})).counts.find((x) => x.conv === conv.id);
  assert.equal(c.last_read, m1.id - 1);
  assert.equal(ana.client.events.filter((e) => e.event === 'read.update').length, 0);
});

fx.test('conv.read errors and authorization', async () => {
  const [ana, ben, eve] = await fx.users(3);
  const priv = await channel(ana, [ben], { private: true });
  const pub = await channel(ana, []);
  const other = await channel(ana, [ben]);
  const m = await send(ana, priv.id, 'hidden');
  const p = await send(ana, pub.id, 'public');
  const o = await send(ana, other.id, 'elsewhere');
  expectError(await eve.client.request('conv.read', { conv: priv.id, message: m.id }), 'not_found');
  expectError(await eve.client.request('conv.read', { conv: pub.id, message: p.id }), 'forbidden');
  expectError(await ben.client.request('conv.read', { conv: priv.id, message: o.id }), 'not_found');
  expectError(await ben.client.request('conv.read', { conv: priv.id }), 'bad_request');
  const reply = await send(ana, priv.id, 'r', { thread: m.id });
  expectError(await ben.client.request('conv.read', { conv: priv.id, message: reply.id }), 'bad_request');
  const counts = (await eve.client.ok('unread.counts', {})).counts;
  assert.ok(!counts.some((x) => x.conv === priv.id || x.conv === pub.id));
});

fx.test('unread.counts answers every conversation in one call', async () => {
  const [u, v] = await fx.users(2);
  const ids = [];
  for (let i = 0; i < 15; i++) {
    const c = await channel(v, [u]);
    await send(v, c.id, `hello ${i}`);
    ids.push(c.id);
  }
  const counts = (await u.client.ok('unread.counts', {})).counts;
  assert.deepEqual(counts.map((x) => x.conv), ids);
  assert.ok(counts.every((x) => x.unread === 1 && x.mentions === 0 && x.last_read === 0));
});

cleanExitTest(fx);

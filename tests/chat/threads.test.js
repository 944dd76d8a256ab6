// Threads: replies, the root's counts, paging, follow/unfollow, thread.list
// and thread read markers, and what a non-member cannot learn.

import { serverFixture, cleanExitTest, expectError, assert, send, channel, nonce } from './util.js';

const fx = serverFixture({ args: ['--open-registration'] });

fx.test('a reply carries its root; the root counts replies and participants', async () => {
  const [ana, ben, cy] = await fx.users(3);
  const conv = await channel(ana, [ben, cy]);
  const root = await send(ana, conv.id, 'root message');
  assert.equal(root.thread, 0);
  assert.equal(root.reply_count, 0);
  assert.deepEqual(root.participants, []);
  assert.deepEqual(root.reactions, []);
  const r1 = await send(ben, conv.id, 'first reply', { thread: root.id });
  assert.equal(r1.thread, root.id);
  // A reply to a reply joins the root's thread.
  const r2 = await send(cy, conv.id, 'reply to reply', { thread: r1.id });
  assert.equal(r2.thread, root.id);
  const ev = await ana.client.waitEvent((e) => e.event === 'thread.update' && e.data.message.reply_count === 2);
  assert.equal(ev.data.message.id, root.id);
  assert.equal(ev.data.message.last_reply_at, r2.created_at);
  assert.deepEqual(ev.data.message.participants, [ben.user.id, cy.user.id].sort((a, b) => a - b));
  // Replies stay out of the channel's history.
  const h = await ana.client.ok('msg.history', { conv: conv.id });
  assert.deepEqual(h.messages.map((m) => m.id), [root.id]);
  assert.equal(h.messages[0].reply_count, 2);
  // Fetched by page through thread.replies (by the root or by a reply).
  const t = await ben.client.ok('thread.replies', { message: r1.id, limit: 1 });
  assert.equal(t.message.id, root.id);
  assert.deepEqual(t.messages.map((m) => m.id), [r2.id]);
  assert.equal(t.more, true);
  const t2 = await ben.client.ok('thread.replies', { message: root.id, before: r2.id });
  assert.deepEqual(t2.messages.map((m) => m.id), [r1.id]);
  assert.equal(t2.more, false);
});

fx.test('thread errors: another conversation, a deleted root, bad fields', async () => {
  const [ana, ben] = await fx.users(2);
  const c1 = await channel(ana, [ben]);
  const c2 = await channel(ana, [ben]);
  const root = await send(ana, c1.id, 'root');
  expectError(await ana.client.request('msg.send', { conv: c2.id, body: 'x', nonce: nonce(), thread: root.id }), 'not_found');
  expectError(await ana.client.request('msg.send', { conv: c1.id, body: 'x', nonce: nonce(), thread: 99999999 }), 'not_found');
  expectError(await ana.client.request('msg.send', { conv: c1.id, body: 'x', nonce: nonce(), thread: 0 }), 'bad_request');
  await ana.client.ok('msg.delete', { message: root.id });
  expectError(await ana.client.request('msg.send', { conv: c1.id, body: 'x', nonce: nonce(), thread: root.id }), 'conflict');
  expectError(await ana.client.request('thread.follow', { message: root.id }), 'bad_request');
  expectError(await ana.client.request('thread.list', { limit: 101 }), 'bad_request');
});

fx.test('follow: starter, repliers and mentioned users follow; unfollow sticks', async () => {
  const [ana, ben, cy, dee] = await fx.users(4);
  const conv = await channel(ana, [ben, cy, dee]);
  const root = await send(ana, conv.id, 'plan for Q3');
  await send(ben, conv.id, `agree, cc @${dee.user.handle}`, { thread: root.id });
  for (const u of [ana, ben, dee]) {
    const l = await u.client.ok('thread.list', {});
    assert.deepEqual(l.threads.map((t) => t.message.id), [root.id], `${u.user.handle} follows`);
  }
  assert.deepEqual((await cy.client.ok('thread.list', {})).threads, []);
  // ana has one unread reply (ben's); ben has none (his own).
  const la = await ana.client.ok('thread.list', {});
  assert.equal(la.threads[0].unread, 1);
  assert.equal((await ben.client.ok('thread.list', {})).threads[0].unread, 0);
  // Unfollow sticks across later replies; follow brings it back.
  const uf = await ana.client.ok('thread.follow', { message: root.id, follow: false });
  assert.equal(uf.following, false);
  await send(ben, conv.id, 'another', { thread: root.id });
  assert.deepEqual((await ana.client.ok('thread.list', {})).threads, []);
  await ana.client.ok('thread.follow', { message: root.id, follow: true });
  assert.equal((await ana.client.ok('thread.list', {})).threads.length, 1);
});

fx.test('thread.list puts unread threads first; thread.read moves the marker', async () => {
  const [ana, ben] = await fx.users(2);
  const conv = await channel(ana, [ben]);
  const t1 = await send(ana, conv.id, 'thread one');
  const t2 = await send(ana, conv.id, 'thread two');
  const a1 = await send(ana, conv.id, 'mine', { thread: t1.id });
  const b2 = await send(ben, conv.id, 'news', { thread: t2.id });
  await send(ana, conv.id, 'mine again', { thread: t1.id });
  let l = await ana.client.ok('thread.list', {});
  assert.deepEqual(l.threads.map((t) => [t.message.id, t.unread]), [[t2.id, 1], [t1.id, 0]]);
  const r = await ana.client.ok('thread.read', { message: b2.id });
  assert.equal(r.thread, t2.id);
  assert.equal(r.unread, 0);
  assert.equal(r.last_read, b2.id);
  l = await ana.client.ok('thread.list', {});
  assert.deepEqual(l.threads.map((t) => [t.message.id, t.unread]), [[t1.id, 0], [t2.id, 0]]);
  // Naming the root marks the whole thread unread again.
  const back = await ana.client.ok('thread.read', { message: t2.id });
  assert.equal(back.unread, 1);
  assert.ok(a1.id > 0);
});

fx.test('a non-member learns nothing of a private thread', async () => {
  const [ana, ben, eve] = await fx.users(3);
  const conv = await channel(ana, [ben], { private: true });
  const root = await send(ana, conv.id, 'secret');
  const reply = await send(ben, conv.id, `secret reply @${eve.user.handle}`, { thread: root.id });
  for (const [op, f] of [['thread.replies', { message: root.id }], ['thread.replies', { message: reply.id }],
    ['thread.follow', { message: root.id, follow: true }], ['thread.read', { message: reply.id }]]) {
    expectError(await eve.client.request(op, f), 'not_found', op);
  }
  assert.deepEqual((await eve.client.ok('thread.list', {})).threads, []);
  expectError(await eve.client.request('msg.send', { conv: conv.id, body: 'x', nonce: nonce(), thread: root.id }), 'not_found');
  assert.equal(eve.client.events.filter((e) => e.event.startsWith('thread') || e.event === 'mention').length, 0);
});

cleanExitTest(fx);

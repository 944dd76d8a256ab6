// Notification preferences (conv.prefs): all / mentions / muted per user and
// conversation. Muted conversations still count unread but produce no
// mention events beyond direct @handle mentions.

import { serverFixture, cleanExitTest, expectError, assert, send, channel } from './util.js';

const fx = serverFixture({ args: ['--open-registration'] });

const mentionIds = (u) => u.client.events.filter((e) => e.event === 'mention').map((e) => e.data.message.id);

fx.test('conv.prefs sets the preference; prefs.update reaches only my connections', async () => {
  const [ana, ben] = await fx.users(2);
  const conv = await channel(ana, [ben]);
  const ben2 = fx.track(await fx.connect());
  await ben2.ok('hello', { token: ben.token });
  const before = (await ben.client.ok('unread.counts', {})).counts.find((c) => c.conv === conv.id);
  assert.equal(before.notify, 'all', 'the default is all');
  const r = await ben.client.ok('conv.prefs', { conv: conv.id, notify: 'muted' });
  assert.deepEqual(r, { conv: conv.id, notify: 'muted' });
  const ev = await ben2.waitEvent('prefs.update');
  assert.deepEqual(ev.data, { conv: conv.id, notify: 'muted' });
  await ben.client.waitEvent('prefs.update');
  const after = (await ben.client.ok('unread.counts', {})).counts.find((c) => c.conv === conv.id);
  assert.equal(after.notify, 'muted');
  assert.equal((await ben.client.ok('conv.get', { conv: conv.id })).notify, 'muted');
  assert.equal((await ana.client.ok('conv.get', { conv: conv.id })).notify, 'all', 'the preference is per user');
  await send(ana, conv.id, 'sentinel');
  await ana.client.waitEvent((e) => e.event === 'message.new' && e.data.message.body === 'sentinel');
  assert.ok(!ana.client.events.some((e) => e.event === 'prefs.update'), 'nobody else learns of it');
  await ben.client.ok('conv.prefs', { conv: conv.id, notify: 'mentions' });
  assert.equal((await ben.client.ok('unread.counts', {})).counts.find((c) => c.conv === conv.id).notify, 'mentions');
});

fx.test('muted: unread still counts, only direct mentions notify', async () => {
  const ana = await fx.user({ team: 'sales' });
  const ben = await fx.user({ team: 'sales' });
  const cy = await fx.user({ team: 'sales' });
  const conv = await channel(ana, [ben, cy]);
  await ben.client.ok('conv.prefs', { conv: conv.id, notify: 'muted' });
  await cy.client.ok('conv.prefs', { conv: conv.id, notify: 'mentions' });
  const plain = await send(ana, conv.id, 'just talking');
  const all = await send(ana, conv.id, '@channel standup');
  const team = await send(ana, conv.id, '@team-sales numbers');
  const direct = await send(ana, conv.id, `@${ben.user.handle} and @channel, look`);
  await ben.client.waitEvent((e) => e.event === 'mention' && e.data.message.id === direct.id);
  await cy.client.waitEvent((e) => e.event === 'mention' && e.data.message.id === direct.id);
  assert.deepEqual(mentionIds(ben), [direct.id], 'muted: only the direct mention');
  assert.deepEqual(mentionIds(cy), [all.id, team.id, direct.id], 'mentions mode: every mention notifies');
  const c = (await ben.client.ok('unread.counts', {})).counts.find((x) => x.conv === conv.id);
  assert.equal(c.unread, 4, 'muted conversations still count unread');
  assert.equal(c.mentions, 1);
  assert.deepEqual((await ben.client.ok('mention.list', {})).messages.map((m) => m.id), [direct.id]);
  assert.ok(plain.id < all.id);
  // Unmuting brings group mentions back.
  await ben.client.ok('conv.prefs', { conv: conv.id, notify: 'all' });
  const again = await send(ana, conv.id, '@channel again');
  await ben.client.waitEvent((e) => e.event === 'mention' && e.data.message.id === again.id);
});

fx.test('a muted thread reply: @channel does not make the muted member follow', async () => {
  const [ana, ben] = await fx.users(2);
  const conv = await channel(ana, [ben]);
  await ben.client.ok('conv.prefs', { conv: conv.id, notify: 'muted' });
  const root = await send(ana, conv.id, 'root');
  await send(ana, conv.id, '@channel in a thread', { thread: root.id });
  await send(ana, conv.id, 'sentinel');
  await ben.client.waitEvent((e) => e.event === 'message.new' && e.data.message.body === 'sentinel');
  assert.ok(!ben.client.events.some((e) => e.event === 'thread.follow'));
  assert.deepEqual((await ben.client.ok('thread.list', {})).threads, []);
});

fx.test('conv.prefs: members only, bad values refused', async () => {
  const [ana, ben] = await fx.users(2);
  const pub = await channel(ana, []);
  const priv = await channel(ana, [], { private: true });
  expectError(await ben.client.request('conv.prefs', { conv: pub.id, notify: 'muted' }), 'not_found', 'public channel not joined');
  expectError(await ben.client.request('conv.prefs', { conv: priv.id, notify: 'muted' }), 'not_found', 'private');
  expectError(await ben.client.request('conv.prefs', { conv: 999999, notify: 'muted' }), 'not_found', 'missing');
  expectError(await ana.client.request('conv.prefs', { conv: pub.id, notify: 'loud' }), 'bad_request');
  expectError(await ana.client.request('conv.prefs', { conv: pub.id }), 'bad_request');
  expectError(await ana.client.request('conv.prefs', { conv: pub.id, notify: 1 }), 'bad_request');
  assert.equal((await ben.client.ok('conv.get', { conv: pub.id })).notify, undefined, 'no preference for a non-member');
  await ben.client.ok('conv.join', { conv: pub.id });
  await ben.client.ok('conv.prefs', { conv: pub.id, notify: 'muted' });
});

cleanExitTest(fx);

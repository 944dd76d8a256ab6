// Mentions: @handle, @channel, @team-sales, @team-marketing parsed by the
// server; mention events only to users who may read the conversation.

import { serverFixture, cleanExitTest, assert, send, channel } from './util.js';

const fx = serverFixture({ args: ['--open-registration'] });

const mentionsOf = (u) => u.client.events.filter((e) => e.event === 'mention');

fx.test('@handle, @team and @channel reach members; e-mail addresses do not', async () => {
  const ana = await fx.user({ team: 'sales' });
  const ben = await fx.user({ team: 'marketing' });
  const cy = await fx.user({ team: 'sales' });
  const conv = await channel(ana, [ben, cy]);
  const m1 = await send(ana, conv.id, `hey @${ben.user.handle.toUpperCase()}, mail ${cy.user.handle}@example.com`);
  const ev = await ben.client.waitEvent('mention');
  assert.equal(ev.data.message.id, m1.id);
  const m2 = await send(ben, conv.id, 'ping @team-sales.');
  await cy.client.waitEvent((e) => e.event === 'mention' && e.data.message.id === m2.id);
  await ana.client.waitEvent((e) => e.event === 'mention' && e.data.message.id === m2.id);
  const m3 = await send(cy, conv.id, '@channel standup');
  await ben.client.waitEvent((e) => e.event === 'mention' && e.data.message.id === m3.id);
  await send(cy, conv.id, 'sentinel');
  assert.ok(!mentionsOf(cy).some((e) => e.data.message.id === m1.id), 'the e-mail is not a mention');
  assert.ok(!mentionsOf(cy).some((e) => e.data.message.id === m3.id), 'no mention of yourself');
  assert.ok(!mentionsOf(ben).some((e) => e.data.message.id === m2.id), 'marketing is not in @team-sales');
  const l = await ben.client.ok('mention.list', {});
  assert.deepEqual(l.messages.map((m) => m.id), [m3.id, m1.id]);
  const l2 = await ben.client.ok('mention.list', { before: m3.id, limit: 1 });
  assert.deepEqual(l2.messages.map((m) => m.id), [m1.id]);
});

fx.test('nobody learns of a private conversation through a mention', async () => {
  const [ana, ben, eve] = await fx.users(3);
  const priv = await channel(ana, [ben], { private: true });
  await send(ana, priv.id, `@${eve.user.handle} @channel secret`);
  await ben.client.waitEvent('mention');
  await send(ana, (await channel(ana, [eve])).id, 'sentinel');
  assert.equal(mentionsOf(eve).length, 0);
  assert.deepEqual((await eve.client.ok('mention.list', {})).messages, []);
});

fx.test('a mention in a public channel reaches a non-member; leaving hides the list entry', async () => {
  const [ana, ben] = await fx.users(2);
  const conv = await channel(ana, []);
  const m = await send(ana, conv.id, `@${ben.user.handle} look`);
  const ev = await ben.client.waitEvent('mention');
  assert.equal(ev.data.message.id, m.id);
  const priv = await channel(ana, [ben], { private: true });
  await send(ana, priv.id, `@${ben.user.handle} private`);
  assert.equal((await ben.client.ok('mention.list', {})).messages.length, 2);
  await ben.client.ok('conv.leave', { conv: priv.id });
  assert.deepEqual((await ben.client.ok('mention.list', {})).messages.map((x) => x.id), [m.id]);
});

cleanExitTest(fx);

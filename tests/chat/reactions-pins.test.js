// Reactions, pins and saved items, with their errors, their events and
// what happens to them when a message is deleted.

import { serverFixture, cleanExitTest, expectError, assert, send, channel } from './util.js';

const fx = serverFixture({ args: ['--open-registration'] });

fx.test('reactions: counts and who, events, errors', async () => {
  const [ana, ben, eve] = await fx.users(3);
  const conv = await channel(ana, [ben]);
  const m = await send(ana, conv.id, 'ship it');
  await ana.client.ok('react.add', { message: m.id, emoji: 'rocket' });
  const r = await ben.client.ok('react.add', { message: m.id, emoji: 'rocket' });
  await ben.client.ok('react.add', { message: m.id, emoji: '+1' });
  const ids = [ana.user.id, ben.user.id].sort((a, b) => a - b);
  assert.deepEqual(r.message.reactions, [{ emoji: 'rocket', count: 2, users: ids }]);
  const ev = await ana.client.waitEvent((e) => e.event === 'reaction.update' && e.data.emoji === '+1');
  assert.deepEqual(ev.data.message.reactions, [{ emoji: '+1', count: 1, users: [ben.user.id] },
    { emoji: 'rocket', count: 2, users: ids }]);
  assert.equal(ev.data.added, true);
  expectError(await ben.client.request('react.add', { message: m.id, emoji: 'rocket' }), 'conflict');
  expectError(await ben.client.request('react.add', { message: m.id, emoji: 'Rocket' }), 'bad_request');
  expectError(await ben.client.request('react.add', { message: m.id, emoji: 'a'.repeat(33) }), 'too_large');
  expectError(await eve.client.request('react.add', { message: m.id, emoji: 'eyes' }), 'forbidden');
  const rm = await ben.client.ok('react.remove', { message: m.id, emoji: '+1' });
  assert.equal(rm.message.reactions.length, 1);
  expectError(await ben.client.request('react.remove', { message: m.id, emoji: '+1' }), 'not_found');
  const h = await ana.client.ok('msg.history', { conv: conv.id });
  assert.deepEqual(h.messages[0].reactions, [{ emoji: 'rocket', count: 2, users: ids }]);
});

fx.test('pins and saved items; deleting a message drops its reactions and pin', async () => {
  const [ana, ben] = await fx.users(2);
  const conv = await channel(ana, [ben]);
  const m1 = await send(ana, conv.id, 'the plan');
  const m2 = await send(ana, conv.id, 'the other plan');
  await ben.client.ok('pin.add', { message: m1.id });
  const ev = await ana.client.waitEvent('pin.update');
  assert.equal(ev.data.pinned, true);
  assert.equal(ev.data.pinned_by, ben.user.id);
  await ben.client.ok('pin.add', { message: m2.id });
  expectError(await ben.client.request('pin.add', { message: m2.id }), 'conflict');
  let pins = (await ana.client.ok('pin.list', { conv: conv.id })).pins;
  assert.deepEqual(pins.map((p) => p.message.id).sort(), [m1.id, m2.id].sort());
  await ana.client.ok('pin.remove', { message: m2.id });
  expectError(await ana.client.request('pin.remove', { message: m2.id }), 'not_found');
  await ben.client.ok('save.add', { message: m1.id });
  expectError(await ben.client.request('save.add', { message: m1.id }), 'conflict');
  assert.deepEqual((await ben.client.ok('save.list', {})).saved.map((s) => s.message.id), [m1.id]);
  assert.deepEqual((await ana.client.ok('save.list', {})).saved, []);
  await ben.client.ok('react.add', { message: m1.id, emoji: 'tada' });
  const del = await ana.client.ok('msg.delete', { message: m1.id });
  assert.deepEqual(del.message.reactions, []);
  assert.deepEqual((await ana.client.ok('pin.list', { conv: conv.id })).pins, []);
  assert.deepEqual((await ben.client.ok('save.list', {})).saved, []);
  expectError(await ben.client.request('react.add', { message: m1.id, emoji: 'tada' }), 'conflict');
  expectError(await ben.client.request('pin.add', { message: m1.id }), 'conflict');
  await ben.client.ok('save.remove', { message: m1.id });
});

fx.test('a non-member learns nothing through reactions, pins or saves', async () => {
  const [ana, ben, eve] = await fx.users(3);
  const conv = await channel(ana, [ben], { private: true });
  const m = await send(ana, conv.id, 'private');
  await ana.client.ok('pin.add', { message: m.id });
  for (const [op, f] of [['react.add', { message: m.id, emoji: 'x' }], ['react.remove', { message: m.id, emoji: 'x' }],
    ['pin.add', { message: m.id }], ['pin.remove', { message: m.id }], ['pin.list', { conv: conv.id }],
    ['save.add', { message: m.id }], ['save.remove', { message: m.id }]]) {
    expectError(await eve.client.request(op, f), 'not_found', op);
  }
  await ben.client.ok('save.add', { message: m.id });
  await ana.client.ok('conv.remove', { conv: conv.id, user: ben.user.id });
  assert.deepEqual((await ben.client.ok('save.list', {})).saved, []);
  assert.equal(eve.client.events.filter((e) => /^(pin|reaction|save)/.test(e.event)).length, 0);
});

cleanExitTest(fx);

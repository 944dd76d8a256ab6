// Authorization: a user who is not in a private conversation learns
// nothing about it. Every op answers exactly what it answers for an id that
// does not exist (the whole error object is compared), no event reaches
// the outsider live, and none on resume.

import {
  serverFixture, cleanExitTest, assert, expectError, expectResult, nonce, barrier,
} from './util.js';
import { resume } from '../lib/server.js';

const fx = serverFixture({ args: ['--open-registration'] });

const ABSENT_CONV = 987654321;
const ABSENT_MSG = 987654322;
let chanCounter = 0;
const chanName = () => `authz-${process.pid % 1000}-${++chanCounter}`;

// The op on the hidden thing and on an absent one must give the same error.
async function sameAsAbsent(client, op, hidden, absent) {
  const a = await client.request(op, hidden);
  const b = await client.request(op, absent);
  expectError(a, 'not_found', `${op} on a hidden thing`);
  expectError(b, 'not_found', `${op} on an absent thing`);
  assert.deepEqual(a.error, b.error, `${op}: hidden and absent must look the same`);
}

// Does this event say anything about conversation convId?
function mentions(e, convId) {
  const d = e.data || {};
  return d.conv === convId
    || (d.message && d.message.conv === convId)
    || (d.conversation && d.conversation.id === convId);
}

// Every conv- and msg- op on a conversation the outsider is not in.
async function probeAll(outsider, convId, msgId, someUser) {
  const c = outsider.client;
  await sameAsAbsent(c, 'conv.get', { conv: convId }, { conv: ABSENT_CONV });
  await sameAsAbsent(c, 'msg.history', { conv: convId }, { conv: ABSENT_CONV });
  await sameAsAbsent(c, 'msg.history', { conv: convId, before: msgId + 1, limit: 5 }, { conv: ABSENT_CONV, before: msgId + 1, limit: 5 });
  await sameAsAbsent(c, 'msg.send', { conv: convId, body: 'let me in', nonce: nonce() }, { conv: ABSENT_CONV, body: 'let me in', nonce: nonce() });
  await sameAsAbsent(c, 'conv.join', { conv: convId }, { conv: ABSENT_CONV });
  await sameAsAbsent(c, 'conv.leave', { conv: convId }, { conv: ABSENT_CONV });
  await sameAsAbsent(c, 'conv.invite', { conv: convId, user: outsider.user.id }, { conv: ABSENT_CONV, user: outsider.user.id });
  await sameAsAbsent(c, 'conv.remove', { conv: convId, user: someUser }, { conv: ABSENT_CONV, user: someUser });
  await sameAsAbsent(c, 'conv.update', { conv: convId, topic: 'mine now' }, { conv: ABSENT_CONV, topic: 'mine now' });
  await sameAsAbsent(c, 'conv.archive', { conv: convId }, { conv: ABSENT_CONV });
  await sameAsAbsent(c, 'typing', { conv: convId }, { conv: ABSENT_CONV });
  await sameAsAbsent(c, 'msg.edit', { message: msgId, body: 'defaced' }, { message: ABSENT_MSG, body: 'defaced' });
  await sameAsAbsent(c, 'msg.delete', { message: msgId }, { message: ABSENT_MSG });
  const list = expectResult(await c.request('conv.list')).conversations;
  assert.ok(!list.some((x) => x.id === convId), 'conv.list does not show it');
}

fx.test('a private channel is invisible to a non-member, exactly like a nonexistent one', async () => {
  const [ana, ben, eve] = await fx.users(3);
  const p = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName(), private: true, members: [ben.user.id] })).conversation;
  const m = (await ben.client.ok('msg.send', { conv: p.id, body: 'secret plan', nonce: nonce() })).message;
  await probeAll(eve, p.id, m.id, ben.user.id);
  // Nothing was changed by the probes.
  const h = expectResult(await ana.client.request('msg.history', { conv: p.id }));
  assert.deepEqual(h.messages.map((x) => [x.id, x.body, x.deleted]), [[m.id, 'secret plan', false]]);
  const g = expectResult(await ana.client.request('conv.get', { conv: p.id }));
  assert.equal(g.conversation.topic, '');
  assert.equal(g.conversation.archived, false);
  assert.equal(g.members.length, 2);
});

fx.test('a dm and a group are invisible to outsiders too', async () => {
  const [ana, ben, carl, eve] = await fx.users(4);
  const dm = (await ana.client.ok('dm.open', { user: ben.user.id })).conversation;
  const dmMsg = (await ana.client.ok('msg.send', { conv: dm.id, body: 'just us', nonce: nonce() })).message;
  await probeAll(eve, dm.id, dmMsg.id, ben.user.id);
  const g = (await ana.client.ok('conv.create', { kind: 'group', members: [ben.user.id, carl.user.id] })).conversation;
  const gMsg = (await carl.client.ok('msg.send', { conv: g.id, body: 'group chat', nonce: nonce() })).message;
  await probeAll(eve, g.id, gMsg.id, ben.user.id);
});

fx.test('a member who left a private channel is an outsider again', async () => {
  const [ana, ben] = await fx.users(2);
  const p = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName(), private: true, members: [ben.user.id] })).conversation;
  const m = (await ana.client.ok('msg.send', { conv: p.id, body: 'before you left', nonce: nonce() })).message;
  await ben.client.ok('conv.leave', { conv: p.id });
  await probeAll(ben, p.id, m.id, ana.user.id);
});

fx.test('no event about a private channel reaches a non-member, live or on resume', async () => {
  const [ana, ben, carl, eve] = await fx.users(4);
  // A public channel eve shares with ana, for barriers.
  const pub = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName(), members: [eve.user.id] })).conversation;
  await barrier(ana, pub.id, eve.client);
  const sinceEve = eve.client.lastSeq;
  const fromEve = eve.client.events.length;

  // Everything that can happen in a private channel.
  const p = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName(), private: true, members: [ben.user.id] })).conversation;
  const m = (await ben.client.ok('msg.send', { conv: p.id, body: 'secret', nonce: nonce() })).message;
  await ben.client.ok('msg.edit', { message: m.id, body: 'secret, edited' });
  await ana.client.ok('typing', { conv: p.id });
  await ana.client.ok('conv.update', { conv: p.id, topic: 'hush' });
  await ana.client.ok('conv.invite', { conv: p.id, user: carl.user.id });
  await carl.client.ok('conv.leave', { conv: p.id });
  await ben.client.ok('msg.delete', { message: m.id });
  const dm = (await ana.client.ok('dm.open', { user: ben.user.id })).conversation;
  await ben.client.ok('msg.send', { conv: dm.id, body: 'psst', nonce: nonce() });

  // Ben (a member) saw it all; eve (not a member) saw nothing.
  await ben.client.waitEvent((e) => e.event === 'message.delete' && e.data.message.id === m.id);
  await barrier(ana, pub.id, eve.client);
  const leaked = eve.client.events.slice(fromEve).filter((e) => mentions(e, p.id) || mentions(e, dm.id));
  assert.deepEqual(leaked, [], 'no live event about the private channel or the dm');

  // Resume from before all of it, and from 0.
  for (const since of [sinceEve, 0]) {
    const r = await resume(fx.srv, eve.token, since);
    fx.track(r.client);
    expectResult(r.reply);
    const last = await barrier(ana, pub.id, r.client);
    const replayed = r.client.events.filter((e) => e.seq !== undefined);
    assert.ok(replayed.some((e) => e.event === 'message.new' && e.data.message.id === last.id));
    const bad = replayed.filter((e) => mentions(e, p.id) || mentions(e, dm.id));
    assert.deepEqual(bad, [], `no replayed event about the private channel or the dm (since ${since})`);
  }
});

fx.test('after leaving, nothing further about the private channel arrives, live or on resume', async () => {
  const [ana, ben] = await fx.users(2);
  const p = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName(), private: true, members: [ben.user.id] })).conversation;
  const shared = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName(), members: [ben.user.id] })).conversation;
  await ben.client.ok('conv.leave', { conv: p.id });
  await ben.client.waitEvent((e) => e.event === 'member.leave' && e.data.conv === p.id);
  await barrier(ana, shared.id, ben.client);
  const since = ben.client.lastSeq;
  const from = ben.client.events.length;
  await ana.client.ok('msg.send', { conv: p.id, body: 'after ben left', nonce: nonce() });
  await ana.client.ok('conv.update', { conv: p.id, topic: 'ben is gone' });
  await barrier(ana, shared.id, ben.client);
  assert.deepEqual(ben.client.events.slice(from).filter((e) => mentions(e, p.id)), [], 'live');
  const r = await resume(fx.srv, ben.token, since);
  fx.track(r.client);
  expectResult(r.reply);
  await barrier(ana, shared.id, r.client);
  assert.deepEqual(r.client.events.filter((e) => mentions(e, p.id)), [], 'on resume');
});

fx.test('members only: a non-admin cannot archive, rename or remove in someone else\'s channel', async () => {
  const [ana, ben, carl] = await fx.users(3);
  const c = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName(), members: [ben.user.id, carl.user.id] })).conversation;
  expectError(await ben.client.request('conv.archive', { conv: c.id }), 'forbidden');
  expectError(await ben.client.request('conv.update', { conv: c.id, name: chanName() }), 'forbidden');
  expectError(await ben.client.request('conv.remove', { conv: c.id, user: carl.user.id }), 'forbidden');
  expectError(await ben.client.request('invite.create', {}), 'forbidden');
  const m = (await carl.client.ok('msg.send', { conv: c.id, body: 'mine', nonce: nonce() })).message;
  expectError(await ben.client.request('msg.edit', { message: m.id, body: 'yours' }), 'forbidden');
  expectError(await ben.client.request('msg.delete', { message: m.id }), 'forbidden');
  const g = expectResult(await ana.client.request('conv.get', { conv: c.id }));
  assert.equal(g.members.length, 3);
  assert.equal(g.conversation.archived, false);
});

cleanExitTest(fx);

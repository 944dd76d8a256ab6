// Conversations: conv.create (channels, groups), conv.list, conv.get,
// conv.join, conv.leave, conv.invite, conv.remove, conv.update,
// conv.archive, dm.open, and the events each one sends.

import {
  serverFixture, cleanExitTest, assert, expectError, expectResult, nonce,
  barrier, eventsSince,
} from './util.js';

const fx = serverFixture({ args: ['--open-registration'] });

let chanCounter = 0;
const chanName = (p = 'chan') => `${p}-${process.pid % 1000}-${++chanCounter}`;

function assertConv(c, what) {
  for (const k of ['id', 'created_by', 'created_at', 'last_message_id', 'member_count']) {
    assert.equal(typeof c[k], 'number', `${what}: conversation.${k} ${JSON.stringify(c)}`);
  }
  for (const k of ['kind', 'name', 'topic']) assert.equal(typeof c[k], 'string', `${what}: conversation.${k}`);
  for (const k of ['private', 'archived', 'member']) assert.equal(typeof c[k], 'boolean', `${what}: conversation.${k}`);
}

async function channel(owner, fields = {}) {
  return (await owner.client.ok('conv.create', { kind: 'channel', name: chanName(), ...fields })).conversation;
}

fx.test('conv.create channel: the conversation, and conv.new to its members', async () => {
  const [ana, ben] = await fx.users(2);
  const name = chanName('general');
  const from = ana.client.events.length;
  const r = expectResult(await ana.client.request('conv.create', { kind: 'channel', name, topic: 'all hands' }));
  const c = r.conversation;
  assertConv(c, 'conv.create');
  assert.equal(c.kind, 'channel');
  assert.equal(c.name, name);
  assert.equal(c.topic, 'all hands');
  assert.equal(c.private, false);
  assert.equal(c.archived, false);
  assert.equal(c.created_by, ana.user.id);
  assert.ok(Math.abs(c.created_at - Date.now()) < 60000, 'created_at is now, in ms');
  assert.equal(c.member, true);
  assert.equal(c.member_count, 1);
  assert.equal(c.last_message_id, 0);
  const ev = await ana.client.waitEvent((e) => e.event === 'conv.new' && e.data.conversation.id === c.id, 5000, from);
  assert.equal(typeof ev.seq, 'number');
  // A public channel is announced to everyone; "members" says who is in.
  assert.equal(ev.data.conversation.member, false);
  assert.deepEqual(ev.data.members, [ana.user.id]);

  // With members: they get conv.new too.
  const fromB = ben.client.events.length;
  const c2 = expectResult(await ana.client.request('conv.create', {
    kind: 'channel', name: chanName('team'), private: true, members: [ben.user.id],
  })).conversation;
  assert.equal(c2.private, true);
  assert.equal(c2.member_count, 2);
  const evb = await ben.client.waitEvent((e) => e.event === 'conv.new' && e.data.conversation.id === c2.id, 5000, fromB);
  assert.equal(evb.data.conversation.member, true);
  assert.equal(evb.data.conversation.name, c2.name);
  assert.deepEqual([...evb.data.members].sort((x, y) => x - y), [ana.user.id, ben.user.id].sort((x, y) => x - y));
});

fx.test('conv.new and conv.update: public channels to everyone (member false), others to members only (member true)', async () => {
  const [ana, ben, carl] = await fx.users(3);
  const shared = await channel(ana, { members: [ben.user.id] });
  const from = ben.client.events.length;
  const pub = await channel(ana, { members: [carl.user.id] });
  const priv = await channel(ana, { private: true, members: [carl.user.id] });
  const g = (await ana.client.ok('conv.create', { kind: 'group', members: [carl.user.id, ben.user.id] })).conversation;
  await ana.client.ok('conv.update', { conv: pub.id, topic: 'public news' });
  await ana.client.ok('conv.update', { conv: priv.id, topic: 'private news' });
  await barrier(ana, shared.id, ben.client);
  const news = eventsSince(ben.client, from).filter((e) => e.event === 'conv.new' || e.event === 'conv.update');
  const about = (id, name) => news.filter((e) => e.data.conversation.id === id && e.event === name);
  // Ben is not in pub, but hears of it; he hears nothing of priv.
  const pn = about(pub.id, 'conv.new');
  assert.equal(pn.length, 1, 'conv.new of a public channel reaches a non-member');
  assert.equal(pn[0].data.conversation.member, false);
  assert.deepEqual([...pn[0].data.members].sort((a, b) => a - b), [ana.user.id, carl.user.id].sort((a, b) => a - b));
  const pu = about(pub.id, 'conv.update');
  assert.equal(pu.length, 1, 'conv.update of a public channel reaches a non-member');
  assert.equal(pu[0].data.conversation.topic, 'public news');
  assert.equal(pu[0].data.conversation.member, false);
  assert.ok(Array.isArray(pu[0].data.members));
  assert.deepEqual(news.filter((e) => e.data.conversation.id === priv.id), [], 'nothing about a private channel he is not in');
  const gn = about(g.id, 'conv.new');
  assert.equal(gn.length, 1);
  assert.equal(gn[0].data.conversation.member, true, 'a group he is in: member true');
  assert.ok(gn[0].data.members.includes(ben.user.id));
  // Carl, a member of priv, gets its conv.update with member true.
  const cu = await carl.client.waitEvent((e) => e.event === 'conv.update' && e.data.conversation.id === priv.id);
  assert.equal(cu.data.conversation.member, true);
});

fx.test('conv.create errors: conflict on a taken name, not_found member, bad_request', async () => {
  const [ana, ben] = await fx.users(2);
  const name = chanName('taken');
  await channel(ana, { name });
  expectError(await ben.client.request('conv.create', { kind: 'channel', name }), 'conflict', 'same name');
  expectError(await ben.client.request('conv.create', { kind: 'channel', name, private: true }), 'conflict', 'same name, private');
  expectError(await ana.client.request('conv.create', { kind: 'channel', name: chanName(), members: [999999] }), 'not_found', 'unknown member');
  for (const [what, fields] of [
    ['no name', { kind: 'channel' }],
    ['empty name', { kind: 'channel', name: '' }],
    ['uppercase name', { kind: 'channel', name: 'General' }],
    ['name with a space', { kind: 'channel', name: 'sales team' }],
    ['name starting with -', { kind: 'channel', name: '-x' }],

    ['SQL in the name', { kind: 'channel', name: "x'; drop table conversations;--" }],
    ['kind dm', { kind: 'dm', members: [ben.user.id] }],
    ['kind unknown', { kind: 'forum', name: chanName() }],
    ['no kind', { name: chanName() }],
    ['private not a bool', { kind: 'channel', name: chanName(), private: 'yes' }],
    ['members not an array', { kind: 'channel', name: chanName(), members: ben.user.id }],
    ['unknown field', { kind: 'channel', name: chanName(), colour: 'red' }],
  ]) {
    expectError(await ana.client.request('conv.create', fields), 'bad_request', what);
  }
  // Text over its length limit: too_large.
  expectError(await ana.client.request('conv.create', { kind: 'channel', name: 'a'.repeat(65) }), 'too_large', '65-byte name');
  // 64 bytes is fine.
  const long = `a${'b'.repeat(50)}${String(Date.now()).slice(-13)}`;
  assert.equal(long.length, 64);
  expectResult(await ana.client.request('conv.create', { kind: 'channel', name: long }));
});

fx.test('conv.create members: 1-16 ids, duplicates and the caller ignored; groups take no name', async () => {
  const [ana, ben, carl] = await fx.users(3);
  // members: [] is allowed (just the creator); see 'conv.create channel with an empty members array'.
  const c = expectResult(await ana.client.request('conv.create', {
    kind: 'channel', name: chanName(), members: [ben.user.id, ben.user.id, ana.user.id],
  })).conversation;
  assert.equal(c.member_count, 2, 'duplicates and the caller are ignored');
  const g = expectResult(await ana.client.request('conv.create', {
    kind: 'group', members: [ben.user.id, carl.user.id, carl.user.id, ana.user.id],
  })).conversation;
  assert.equal(g.member_count, 3);
  expectError(await ana.client.request('conv.create', { kind: 'group', members: [ben.user.id, ana.user.id] }), 'bad_request', 'a group of 2 once the caller is ignored');
  expectError(await ana.client.request('conv.create', { kind: 'group', name: 'crew', members: [ben.user.id, carl.user.id] }), 'bad_request', 'a group with a name');
  expectError(await ana.client.request('conv.create', { kind: 'group', private: true, members: [ben.user.id, carl.user.id] }), 'bad_request', 'private is for channels only');
  expectError(await ana.client.request('conv.create', { kind: 'channel', name: chanName(), members: Array.from({ length: 17 }, () => ben.user.id) }), 'bad_request', '17 member ids');
});

fx.test('conv.create group: 2-8 others, private, no name, conv.new to all', async () => {
  const users = await fx.users(10);
  const [ana, ...others] = users;
  const froms = others.map((u) => u.client.events.length);
  const g = expectResult(await ana.client.request('conv.create', {
    kind: 'group', members: [others[0].user.id, others[1].user.id],
  })).conversation;
  assert.equal(g.kind, 'group');
  assert.equal(g.name, '');
  assert.equal(g.member_count, 3);
  for (let i = 0; i < 2; i++) {
    await others[i].client.waitEvent((e) => e.event === 'conv.new' && e.data.conversation.id === g.id, 5000, froms[i]);
  }
  // A group is private: outsiders do not see it and cannot join.
  const outsider = others[5];
  expectError(await outsider.client.request('conv.get', { conv: g.id }), 'not_found');
  expectError(await outsider.client.request('conv.join', { conv: g.id }), 'not_found');
  const list = expectResult(await outsider.client.request('conv.list')).conversations;
  assert.ok(!list.some((c) => c.id === g.id), 'outsiders do not list the group');

  // 8 others (9 people) is the maximum.
  expectResult(await ana.client.request('conv.create', { kind: 'group', members: others.slice(0, 8).map((u) => u.user.id) }));
  expectError(await ana.client.request('conv.create', { kind: 'group', members: others.slice(0, 9).map((u) => u.user.id) }), 'bad_request', '10 people');
  expectError(await ana.client.request('conv.create', { kind: 'group', members: [others[0].user.id] }), 'bad_request', '2 people');
  expectError(await ana.client.request('conv.create', { kind: 'group' }), 'bad_request', 'no members');
  expectError(await ana.client.request('conv.create', { kind: 'group', members: [others[0].user.id, 999999] }), 'not_found', 'unknown member');
});

fx.test('conv.list: own conversations and every public channel, with member', async () => {
  const [ana, ben] = await fx.users(2);
  const pub = await channel(ana);
  const priv = await channel(ana, { private: true });
  const mine = await channel(ben);
  const list = expectResult(await ben.client.request('conv.list')).conversations;
  assert.ok(Array.isArray(list));
  const byId = new Map(list.map((c) => [c.id, c]));
  assert.ok(byId.has(pub.id), 'a public channel is listed');
  assert.equal(byId.get(pub.id).member, false);
  assert.ok(!byId.has(priv.id), 'a private channel of others is not listed');
  assert.equal(byId.get(mine.id).member, true);
  for (const c of list) assertConv(c, 'conv.list');
  const alist = expectResult(await ana.client.request('conv.list')).conversations;
  assert.equal(alist.find((c) => c.id === priv.id).member, true);
});

fx.test('conv.get: conversation and member ids; not_found for absent ids', async () => {
  const [ana, ben] = await fx.users(2);
  const c = await channel(ana, { members: [ben.user.id] });
  const r = expectResult(await ben.client.request('conv.get', { conv: c.id }));
  assertConv(r.conversation, 'conv.get');
  assert.equal(r.conversation.id, c.id);
  assert.deepEqual([...r.members].sort((a, b) => a - b), [ana.user.id, ben.user.id].sort((a, b) => a - b));
  expectError(await ana.client.request('conv.get', { conv: 987654321 }), 'not_found');
  expectError(await ana.client.request('conv.get', {}), 'bad_request');
  expectError(await ana.client.request('conv.get', { conv: 'general' }), 'bad_request');
  expectError(await ana.client.request('conv.get', { conv: -1 }), ['bad_request', 'not_found']);
  // A public channel can be read by a non-member.
  const carl = (await fx.users(1))[0];
  const r2 = expectResult(await carl.client.request('conv.get', { conv: c.id }));
  assert.equal(r2.conversation.member, false);
});

fx.test('conv.join: public channels only; member.join to members including the joiner', async () => {
  const [ana, ben, carl] = await fx.users(3);
  const c = await channel(ana);
  const fromA = ana.client.events.length;
  const fromB = ben.client.events.length;
  const r = expectResult(await ben.client.request('conv.join', { conv: c.id }));
  assert.equal(r.conversation.id, c.id);
  assert.equal(r.conversation.member, true);
  assert.equal(r.conversation.member_count, 2);
  for (const [u, from] of [[ana, fromA], [ben, fromB]]) {
    const ev = await u.client.waitEvent((e) => e.event === 'member.join' && e.data.conv === c.id, 5000, from);
    assert.equal(typeof ev.seq, 'number');
    assert.equal(ev.data.user.id, ben.user.id);
    assert.equal(ev.data.user.handle, ben.user.handle);
    assert.equal(ev.data.by, ben.user.id);
  }
  expectError(await ben.client.request('conv.join', { conv: c.id }), 'conflict', 'already a member');
  const priv = await channel(ana, { private: true });
  const e1 = expectError(await carl.client.request('conv.join', { conv: priv.id }), 'not_found', 'private channel');
  const e2 = expectError(await carl.client.request('conv.join', { conv: 987654321 }), 'not_found', 'absent');
  assert.deepEqual(e1, e2);
  const dm = (await ana.client.ok('dm.open', { user: ben.user.id })).conversation;
  expectError(await carl.client.request('conv.join', { conv: dm.id }), 'not_found', 'a dm');
  // Carl was not told about any of it.
  await barrier(ana, c.id, ben.client);
  assert.ok(!carl.client.events.some((e) => e.event === 'member.join' && e.data.conv === c.id));
});

fx.test('conv.leave: {} and member.leave to the remaining members and the leaver; dm cannot be left', async () => {
  const [ana, ben, carl] = await fx.users(3);
  const c = await channel(ana, { members: [ben.user.id, carl.user.id] });
  const froms = [ana, ben, carl].map((u) => u.client.events.length);
  assert.deepEqual(expectResult(await carl.client.request('conv.leave', { conv: c.id })), {});
  for (const [i, u] of [ana, ben, carl].entries()) {
    const ev = await u.client.waitEvent((e) => e.event === 'member.leave' && e.data.conv === c.id, 5000, froms[i]);
    assert.equal(ev.data.user, carl.user.id);
    assert.equal(ev.data.by, carl.user.id);
    assert.equal(typeof ev.seq, 'number');
  }
  const got = expectResult(await ana.client.request('conv.get', { conv: c.id }));
  assert.ok(!got.members.includes(carl.user.id));
  assert.equal(got.conversation.member_count, 2);

  // Carl no longer gets its messages.
  const fromC = carl.client.events.length;
  await barrier(ana, c.id, ben.client);
  const other = await channel(ana, { members: [carl.user.id] });
  await barrier(ana, other.id, carl.client);
  assert.equal(eventsSince(carl.client, fromC, 'message.new').filter((e) => e.data.message.conv === c.id).length, 0);

  // A private channel one has left is invisible.
  const priv = await channel(ana, { private: true, members: [carl.user.id] });
  expectResult(await carl.client.request('conv.leave', { conv: priv.id }));
  expectError(await carl.client.request('conv.get', { conv: priv.id }), 'not_found');
  expectError(await carl.client.request('conv.leave', { conv: priv.id }), 'not_found');
  expectError(await carl.client.request('conv.leave', { conv: 987654321 }), 'not_found');

  const dm = (await ana.client.ok('dm.open', { user: ben.user.id })).conversation;
  expectError(await ana.client.request('conv.leave', { conv: dm.id }), 'conflict', 'leaving a dm');
});

fx.test('conv.invite: member.join to members, conv.new to the invitee; conflict, forbidden (dm), not_found', async () => {
  const [ana, ben, carl, dave] = await fx.users(4);
  const c = await channel(ana, { private: true, members: [ben.user.id] });
  const fromA = ana.client.events.length;
  const fromC = carl.client.events.length;
  assert.deepEqual(expectResult(await ben.client.request('conv.invite', { conv: c.id, user: carl.user.id })), {});
  const ev = await ana.client.waitEvent((e) => e.event === 'member.join' && e.data.conv === c.id, 5000, fromA);
  assert.equal(ev.data.user.id, carl.user.id);
  assert.equal(ev.data.by, ben.user.id);
  const nv = await carl.client.waitEvent((e) => e.event === 'conv.new' && e.data.conversation.id === c.id, 5000, fromC);
  assert.equal(nv.data.conversation.member, true);
  assert.equal(nv.data.conversation.private, true);
  expectResult(await carl.client.request('conv.get', { conv: c.id }));

  expectError(await ana.client.request('conv.invite', { conv: c.id, user: carl.user.id }), 'conflict', 'already a member');
  expectError(await ana.client.request('conv.invite', { conv: c.id, user: 999999 }), 'not_found', 'unknown user');
  expectError(await dave.client.request('conv.invite', { conv: c.id, user: dave.user.id }), 'not_found', 'outsider of a private channel');
  const dm = (await ana.client.ok('dm.open', { user: ben.user.id })).conversation;
  expectError(await ana.client.request('conv.invite', { conv: dm.id, user: carl.user.id }), 'forbidden', 'inviting into a dm');
  // Groups take invites.
  const g = (await ana.client.ok('conv.create', { kind: 'group', members: [ben.user.id, carl.user.id] })).conversation;
  expectResult(await carl.client.request('conv.invite', { conv: g.id, user: dave.user.id }));
  // Members only, even for a public channel.
  const pub = await channel(ana);
  expectError(await dave.client.request('conv.invite', { conv: pub.id, user: ben.user.id }), 'forbidden', 'non-member inviting into a public channel');
});

fx.test('conv.remove: creator or admin only; member.leave to members and the removed user', async () => {
  // The admin is the first user on this server.
  const admin = fx.admin || (await fx.users(1))[0];
  const [ana, ben, carl] = await fx.users(3);
  const c = await channel(ana, { private: true, members: [ben.user.id, carl.user.id] });
  expectError(await ben.client.request('conv.remove', { conv: c.id, user: carl.user.id }), 'forbidden', 'a plain member');
  const froms = [ana, ben, carl].map((u) => u.client.events.length);
  assert.deepEqual(expectResult(await ana.client.request('conv.remove', { conv: c.id, user: carl.user.id })), {});
  for (const [i, u] of [ana, ben, carl].entries()) {
    const ev = await u.client.waitEvent((e) => e.event === 'member.leave' && e.data.conv === c.id, 5000, froms[i]);
    assert.equal(ev.data.user, carl.user.id);
    assert.equal(ev.data.by, ana.user.id);
  }
  expectError(await carl.client.request('conv.get', { conv: c.id }), 'not_found', 'removed from a private channel');
  expectError(await carl.client.request('conv.remove', { conv: c.id, user: ben.user.id }), 'not_found', 'a removed user');
  // An admin who is not the creator (nor a member of this public channel) may remove.
  const pub = await channel(ana, { members: [ben.user.id] });
  expectResult(await admin.client.request('conv.remove', { conv: pub.id, user: ben.user.id }));
  expectError(await ana.client.request('conv.remove', { conv: 987654321, user: ben.user.id }), 'not_found');
});

fx.test('conv.update: any member sets the topic; name is for the creator or an admin; conv.update events', async () => {
  const [ana, ben, carl] = await fx.users(3);
  const c = await channel(ana, { members: [ben.user.id] });
  const fromA = ana.client.events.length;
  const r = expectResult(await ben.client.request('conv.update', { conv: c.id, topic: 'Q3 pipeline' }));
  assert.equal(r.conversation.topic, 'Q3 pipeline');
  const ev = await ana.client.waitEvent((e) => e.event === 'conv.update' && e.data.conversation.id === c.id, 5000, fromA);
  assert.equal(ev.data.conversation.topic, 'Q3 pipeline');
  assert.equal(typeof ev.seq, 'number');
  expectError(await ben.client.request('conv.update', { conv: c.id, name: chanName('renamed') }), 'forbidden', 'rename by a plain member');
  const newName = chanName('renamed');
  const r2 = expectResult(await ana.client.request('conv.update', { conv: c.id, name: newName }));
  assert.equal(r2.conversation.name, newName);
  const taken = await channel(carl);
  expectError(await ana.client.request('conv.update', { conv: c.id, name: taken.name }), 'conflict', 'name taken');
  expectError(await ana.client.request('conv.update', { conv: c.id, name: 'Bad Name' }), 'bad_request');
  expectError(await carl.client.request('conv.update', { conv: c.id, topic: 'drive-by' }), 'forbidden', 'non-member of a public channel');
  expectError(await ana.client.request('conv.update', { conv: 987654321, topic: 'x' }), 'not_found');
  // Topic limits: 250 characters (not bytes), no control or bidi overrides.
  expectResult(await ana.client.request('conv.update', { conv: c.id, topic: 'é'.repeat(250) }));
  expectError(await ana.client.request('conv.update', { conv: c.id, topic: 'x'.repeat(251) }), 'too_large', '251 characters');
  expectError(await ana.client.request('conv.update', { conv: c.id, topic: 'evil \u202e txt' }), 'bad_request', 'bidi override');
  expectError(await ana.client.request('conv.update', { conv: c.id, topic: 'bell \u0007' }), 'bad_request', 'control character');
  const sql = "Robert'); DROP TABLE conversations;-- \"x\" %_ \\";
  assert.equal(expectResult(await ana.client.request('conv.update', { conv: c.id, topic: sql })).conversation.topic, sql);
  assert.equal(expectResult(await carl.client.request('conv.get', { conv: c.id })).conversation.topic, sql);
  // Empty topic is fine.
  assert.equal(expectResult(await ana.client.request('conv.update', { conv: c.id, topic: '' })).conversation.topic, '');
});

fx.test('conv.archive: creator or admin, channels only; archived channels keep history but take nothing new', async () => {
  const [ana, ben, carl, dave] = await fx.users(4);
  const c = await channel(ana, { members: [ben.user.id, carl.user.id] });
  const m = (await ben.client.ok('msg.send', { conv: c.id, body: 'before the archive', nonce: nonce() })).message;
  expectError(await ben.client.request('conv.archive', { conv: c.id }), 'forbidden', 'a plain member');
  const fromB = ben.client.events.length;
  const r = expectResult(await ana.client.request('conv.archive', { conv: c.id }));
  assert.equal(r.conversation.archived, true);
  const ev = await ben.client.waitEvent((e) => e.event === 'conv.update' && e.data.conversation.id === c.id, 5000, fromB);
  assert.equal(ev.data.conversation.archived, true);

  expectError(await ben.client.request('msg.send', { conv: c.id, body: 'after', nonce: nonce() }), 'archived');
  expectError(await ben.client.request('msg.edit', { message: m.id, body: 'edited' }), 'archived');
  expectError(await ben.client.request('msg.delete', { message: m.id }), 'archived');
  expectError(await dave.client.request('conv.join', { conv: c.id }), 'archived');
  expectError(await ana.client.request('conv.update', { conv: c.id, topic: 'x' }), 'archived');
  expectError(await ana.client.request('conv.invite', { conv: c.id, user: dave.user.id }), 'archived');
  const h = expectResult(await carl.client.request('msg.history', { conv: c.id }));
  assert.deepEqual(h.messages.map((x) => x.id), [m.id]);
  assert.equal(h.messages[0].body, 'before the archive');

  const g = (await ana.client.ok('conv.create', { kind: 'group', members: [ben.user.id, carl.user.id] })).conversation;
  expectError(await ana.client.request('conv.archive', { conv: g.id }), 'forbidden', 'a group');
  const dm = (await ana.client.ok('dm.open', { user: ben.user.id })).conversation;
  expectError(await ana.client.request('conv.archive', { conv: dm.id }), 'forbidden', 'a dm');
  expectError(await ana.client.request('conv.archive', { conv: 987654321 }), 'not_found');
  // An admin may archive someone else's channel.
  const admin = fx.admin;
  const c2 = await channel(ben);
  assert.equal(expectResult(await admin.client.request('conv.archive', { conv: c2.id })).conversation.archived, true);
});

fx.test('dm.open: the same conversation both ways, conv.new to both once, dm with self allowed', async () => {
  const [ana, ben, carl] = await fx.users(3);
  const fromA = ana.client.events.length;
  const fromB = ben.client.events.length;
  const d1 = expectResult(await ana.client.request('dm.open', { user: ben.user.id })).conversation;
  assert.equal(d1.kind, 'dm');
  assert.equal(d1.name, '');
  assert.equal(d1.member_count, 2);
  assert.equal(d1.member, true);
  const d2 = expectResult(await ben.client.request('dm.open', { user: ana.user.id })).conversation;
  assert.equal(d2.id, d1.id, 'the same dm both ways');
  const d3 = expectResult(await ana.client.request('dm.open', { user: ben.user.id })).conversation;
  assert.equal(d3.id, d1.id, 'and again');
  for (const [u, from] of [[ana, fromA], [ben, fromB]]) {
    await u.client.waitEvent((e) => e.event === 'conv.new' && e.data.conversation.id === d1.id, 5000, from);
  }
  await barrier(ana, d1.id, ben.client);
  await barrier(ben, d1.id, ana.client);
  for (const [u, from] of [[ana, fromA], [ben, fromB]]) {
    assert.equal(eventsSince(u.client, from, 'conv.new').filter((e) => e.data.conversation.id === d1.id).length, 1, 'conv.new only on creation');
  }
  const got = expectResult(await ben.client.request('conv.get', { conv: d1.id }));
  assert.deepEqual([...got.members].sort((a, b) => a - b), [ana.user.id, ben.user.id].sort((a, b) => a - b));
  // Carl cannot see it.
  expectError(await carl.client.request('conv.get', { conv: d1.id }), 'not_found');
  expectError(await carl.client.request('msg.history', { conv: d1.id }), 'not_found');
  // Note to self.
  const self = expectResult(await carl.client.request('dm.open', { user: carl.user.id })).conversation;
  assert.equal(self.kind, 'dm');
  assert.notEqual(self.id, d1.id);
  assert.equal(expectResult(await carl.client.request('dm.open', { user: carl.user.id })).conversation.id, self.id);
  expectResult(await carl.client.request('msg.send', { conv: self.id, body: 'remember the milk', nonce: nonce() }));
  expectError(await ana.client.request('dm.open', { user: 999999 }), 'not_found');
  expectError(await ana.client.request('dm.open', {}), 'bad_request');
});

// Zulip's verify_action: keep a client-side view of one's conversations
// from conv.list plus events, and compare it with a fresh conv.list after
// every action. Events that lie (or are missing) show up as a difference.
fx.test('events tell the truth: conv.list + events equals a fresh conv.list after each action', async () => {
  const [ana, ben, carl, dana] = await fx.users(4);
  const me = ben;
  const FIELDS = ['id', 'kind', 'name', 'topic', 'private', 'archived', 'member_count', 'last_message_id'];
  const pick = (c) => Object.fromEntries(FIELDS.map((k) => [k, c[k]]));
  const fresh = async () => {
    const l = expectResult(await me.client.request('conv.list')).conversations.filter((c) => c.member);
    return new Map(l.map((c) => [c.id, pick(c)]));
  };
  const state = await fresh();
  let applied = me.client.events.length;
  const apply = (e) => {
    const d = e.data;
    switch (e.event) {
      // conv.new and conv.update of public channels reach everyone;
      // `members` says whether one is in.
      case 'conv.new':
      case 'conv.update':
        if (d.members.includes(me.user.id)) state.set(d.conversation.id, pick(d.conversation));
        else state.delete(d.conversation.id);
        break;
      case 'member.join':
        // One's own joining is learnt from conv.new (or the reply).
        if (d.user.id !== me.user.id && state.has(d.conv)) state.get(d.conv).member_count += 1;
        break;
      case 'member.leave':
        if (d.user === me.user.id) state.delete(d.conv);
        else if (state.has(d.conv)) state.get(d.conv).member_count -= 1;
        break;
      case 'message.new': if (state.has(d.message.conv)) state.get(d.message.conv).last_message_id = d.message.id; break;
      default: break;
    }
  };
  // A conversation ben is always in, for barriers.
  const base = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName('base'), members: [me.user.id] })).conversation;
  const check = async (what) => {
    await barrier(ana, base.id, me.client);
    for (const e of me.client.events.slice(applied)) apply(e);
    applied = me.client.events.length;
    const now = await fresh();
    assert.deepEqual([...state.entries()].sort((a, b) => a[0] - b[0]), [...now.entries()].sort((a, b) => a[0] - b[0]), `after ${what}`);
  };
  await check('creating the base channel');
  const pub = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName('pub'), members: [me.user.id] })).conversation;
  await check('conv.create with ben');
  await ana.client.ok('msg.send', { conv: pub.id, body: 'one', nonce: nonce() });
  await check('msg.send');
  await carl.client.ok('conv.join', { conv: pub.id });
  await check('someone else joins');
  await ana.client.ok('conv.update', { conv: pub.id, topic: 'new topic' });
  await check('conv.update topic');
  await ana.client.ok('conv.update', { conv: pub.id, name: chanName('renamed') });
  await check('conv.update name');
  await carl.client.ok('conv.leave', { conv: pub.id });
  await check('someone else leaves');
  const priv = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName('priv'), private: true, members: [carl.user.id] })).conversation;
  await ana.client.ok('conv.invite', { conv: priv.id, user: me.user.id });
  await check('ben invited to a private channel');
  await carl.client.ok('conv.invite', { conv: priv.id, user: dana.user.id });
  await check('someone else invited');
  await ana.client.ok('conv.remove', { conv: priv.id, user: me.user.id });
  await check('ben removed');
  await carl.client.ok('dm.open', { user: me.user.id });
  await check('dm.open by someone else');
  const g = (await dana.client.ok('conv.create', { kind: 'group', members: [me.user.id, carl.user.id] })).conversation;
  await dana.client.ok('msg.send', { conv: g.id, body: 'group hello', nonce: nonce() });
  await check('a group with ben');
  const m = (await ana.client.ok('msg.send', { conv: pub.id, body: 'to delete', nonce: nonce() })).message;
  await ana.client.ok('msg.delete', { message: m.id });
  await check('msg.delete');
  await ana.client.ok('conv.archive', { conv: pub.id });
  await check('conv.archive');
});

cleanExitTest(fx);

// Resume: a client that lost its connection passes the last seq it
// processed and gets exactly the events it missed, in order, then live
// events; a gap beyond the event retention answers resync.

import {
  serverFixture, cleanExitTest, assert, expectResult, nonce, barrier, sleep,
} from './util.js';
import { resume, connect } from '../lib/server.js';

const fx = serverFixture({ args: ['--open-registration'] });

let chanCounter = 0;
const chanName = () => `resume-${process.pid % 1000}-${++chanCounter}`;

const seqd = (events) => events.filter((e) => e.seq !== undefined);
// An event without the fields that may differ between recipients
// (`member` inside a conversation is only meaningful in conv.new).
const brief = (e) => {
  const data = structuredClone(e.data);
  if (e.event !== 'conv.new' && data && data.conversation) delete data.conversation.member;
  return { event: e.event, seq: e.seq, data };
};

// Wait until client has a seq'd event with seq >= target.
async function waitSeq(client, target, ms = 5000) {
  await client.waitEvent((e) => e.seq !== undefined && e.seq >= target, ms);
}

function assertStrictlyIncreasing(events, what) {
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i].seq > events[i - 1].seq, `${what}: seq ${events[i].seq} after ${events[i - 1].seq} (duplicate or out of order)`);
  }
}

fx.test('resume after a dropped connection: exactly the missed events, in order, after the reply', async () => {
  const [ana, ben, carl] = await fx.users(3);
  const c = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName(), members: [ben.user.id] })).conversation;
  await barrier(ana, c.id, ben.client);
  const since = ben.client.lastSeq;
  assert.ok(since > 0, 'ben has seen events');
  const fromA = ana.client.events.length;
  await ben.client.terminate();

  // While ben is away: messages, an edit, a delete, a topic change, a join.
  const ms = [];
  for (let i = 0; i < 5; i++) ms.push((await ana.client.ok('msg.send', { conv: c.id, body: `missed ${i}`, nonce: nonce() })).message);
  await ana.client.ok('msg.edit', { message: ms[1].id, body: 'missed 1 (edited)' });
  await ana.client.ok('msg.delete', { message: ms[2].id });
  await ana.client.ok('conv.update', { conv: c.id, topic: 'while you were out' });
  await carl.client.ok('conv.join', { conv: c.id });
  // Ana is in exactly the same conversations as ben, so she saw what he must get.
  const lastEvent = await ana.client.waitEvent((e) => e.event === 'member.join' && e.data.conv === c.id, 5000, fromA);
  const expected = seqd(ana.client.events.slice(fromA)).filter((e) => e.seq > since && e.seq <= lastEvent.seq);
  assert.equal(expected.length, 9, `9 events in the gap: ${JSON.stringify(expected.map((e) => e.event))}`);

  const { client, reply } = await resume(fx.srv, ben.token, since);
  fx.track(client);
  const r = expectResult(reply);
  assert.equal(r.user.id, ben.user.id);
  assert.ok(!r.resync, 'no resync for a short gap');
  assert.ok(r.head >= lastEvent.seq, `head ${r.head} >= ${lastEvent.seq}`);
  await waitSeq(client, lastEvent.seq);
  // Then a live event, and nothing in between.
  const live = await barrier(ana, c.id, client);
  const got = seqd(client.events);
  const liveIdx = got.findIndex((e) => e.event === 'message.new' && e.data.message.id === live.id);
  assert.deepEqual(got.slice(0, liveIdx).map(brief), expected.map(brief), 'the replay is exactly the missed events');
  assert.equal(got.length, liveIdx + 1, 'nothing after the live event');
  assertStrictlyIncreasing(got, 'resumed stream');
  // The reply came before the replayed events.
  const replyIdx = client.frames.findIndex((f) => f.id !== undefined && f.event === undefined);
  const firstEv = client.frames.findIndex((f) => f.seq !== undefined);
  assert.ok(replyIdx >= 0 && replyIdx < firstEv, 'the reply precedes the replay');
});

fx.test('seq increases by exactly one per durable event', async () => {
  const [ana] = await fx.users(1);
  const c = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName() })).conversation;
  const from = ana.client.events.length;
  const m = (await ana.client.ok('msg.send', { conv: c.id, body: 'a', nonce: nonce() })).message;
  await ana.client.ok('msg.edit', { message: m.id, body: 'b' });
  await ana.client.ok('conv.update', { conv: c.id, topic: 't' });
  await ana.client.ok('msg.delete', { message: m.id });
  await ana.client.waitEvent((e) => e.event === 'message.delete', 5000, from);
  // Nobody else is active on the server, and ana sees all four events.
  const seqs = seqd(ana.client.events.slice(from)).map((e) => e.seq);
  assert.equal(seqs.length, 4, JSON.stringify(ana.client.events.slice(from)));
  assert.deepEqual(seqs, [seqs[0], seqs[0] + 1, seqs[0] + 2, seqs[0] + 3]);
  const { client, reply } = await resume(fx.srv, ana.token);
  fx.track(client);
  assert.equal(expectResult(reply).head, seqs[3], 'head is the last seq');
});

fx.test('resume while messages keep arriving: no gap, no duplicate at the replay/live boundary', async () => {
  const [ana, ben] = await fx.users(2);
  const helper = await fx.user({}, fx.srv);
  const c = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName(), members: [ben.user.id, helper.user.id] })).conversation;
  await barrier(ana, c.id, ben.client);
  const since = ben.client.lastSeq;
  await ben.client.terminate();
  const sent = [];
  const post = async (who, i) => sent.push((await who.client.ok('msg.send', { conv: c.id, body: `flow ${i}`, nonce: nonce() })).message.id);
  for (let i = 0; i < 10; i++) await post(ana, i);
  // Posts in flight while ben reconnects.
  const posting = (async () => {
    for (let i = 10; i < 40; i++) {
      await post(i % 2 ? ana : helper, i);
      if (i % 5 === 0) await sleep(5);
    }
  })();
  const { client, reply } = await resume(fx.srv, ben.token, since);
  fx.track(client);
  expectResult(reply);
  await posting;
  const live = await barrier(ana, c.id, client);
  const news = client.events.filter((e) => e.event === 'message.new').map((e) => e.data.message.id);
  assert.deepEqual(news, [...sent, live.id].sort((a, b) => a - b), 'every message exactly once, in order');
  assertStrictlyIncreasing(seqd(client.events), 'resumed stream');
});

fx.test('login and register take since too', async () => {
  const [ana] = await fx.users(1);
  const ben = await fx.user({ password: 'bens password' }, fx.srv);
  const c = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName(), members: [ben.user.id] })).conversation;
  await barrier(ana, c.id, ben.client);
  const since = ben.client.lastSeq;
  await ben.client.terminate();
  const m = (await ana.client.ok('msg.send', { conv: c.id, body: 'for ben', nonce: nonce() })).message;
  const d = fx.track(await connect(fx.srv));
  const r = expectResult(await d.request('login', { handle: ben.user.handle, password: 'bens password', since }));
  assert.ok(!r.resync);
  const ev = await d.waitEvent((e) => e.event === 'message.new' && e.data.message.id === m.id);
  assert.ok(ev.seq > since);
  const live = await barrier(ana, c.id, d);
  assert.deepEqual(d.events.filter((e) => e.event === 'message.new').map((e) => e.data.message.id), [m.id, live.id]);

  // register with since: a new user sees what is public to it from then on.
  const e = fx.track(await connect(fx.srv));
  const reg = expectResult(await e.request('register', {
    handle: `reg${process.pid % 1000}x${Date.now() % 100000}`, password: 'a good password', display_name: 'Reg', team: 'other', since: r.head,
  }));
  assert.equal(typeof reg.head, 'number');
  assert.ok(reg.head >= r.head);
});

fx.test('hello without since: no replay, head is current', async () => {
  const [ana, ben] = await fx.users(2);
  const c = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName(), members: [ben.user.id] })).conversation;
  for (let i = 0; i < 3; i++) await ana.client.ok('msg.send', { conv: c.id, body: `old ${i}`, nonce: nonce() });
  await barrier(ana, c.id, ben.client);
  const headSeen = ben.client.lastSeq;
  const { client, reply } = await resume(fx.srv, ben.token);
  fx.track(client);
  const r = expectResult(reply);
  assert.ok(r.head >= headSeen, `head ${r.head} >= ${headSeen}`);
  assert.ok(!r.resync);
  const live = await barrier(ana, c.id, client);
  const got = seqd(client.events);
  assert.deepEqual(got.map((e) => e.event === 'message.new' && e.data.message.id), [live.id], 'only live events');
  assert.ok(got[0].seq > r.head);
});

fx.test('resume since the current head: nothing replayed; since 0: everything visible', async () => {
  const [ana, ben] = await fx.users(2);
  const c = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName(), private: true, members: [ben.user.id] })).conversation;
  await barrier(ana, c.id, ben.client);
  const { client, reply } = await resume(fx.srv, ben.token, ben.client.lastSeq);
  fx.track(client);
  expectResult(reply);
  const live = await barrier(ana, c.id, client);
  assert.deepEqual(seqd(client.events).map((e) => e.data.message && e.data.message.id), [live.id]);

  const z = await resume(fx.srv, ben.token, 0);
  const zr = expectResult(z.reply);
  assert.ok(!zr.resync, 'nothing was pruned yet');
  const live2 = await barrier(ana, c.id, z.client);
  const all = seqd(z.client.events);
  assertStrictlyIncreasing(all, 'since 0');
  assert.ok(all.some((e) => e.event === 'conv.new' && e.data.conversation.id === c.id), 'the conv.new is replayed');
  assert.ok(all.some((e) => e.event === 'message.new' && e.data.message.id === live.id));
  assert.equal(all[all.length - 1].data.message.id, live2.id);
});

fx.test('--event-retention 10: a gap beyond it answers resync true; a short gap does not', async () => {
  const srv = await fx.start({ args: ['--open-registration', '--event-retention', '10'] });
  const ana = await fx.user({}, srv);
  const ben = await fx.user({}, srv);
  const c = (await ana.client.ok('conv.create', { kind: 'channel', name: chanName(), members: [ben.user.id] })).conversation;
  for (let i = 0; i < 30; i++) await ana.client.ok('msg.send', { conv: c.id, body: `r${i}`, nonce: nonce() });
  await barrier(ana, c.id, ben.client);
  const head = ben.client.lastSeq;

  const old = await resume(srv, ben.token, 1);
  const r = expectResult(old.reply);
  assert.equal(r.resync, true, `resync for since 1 with retention 10: ${JSON.stringify(r)}`);
  assert.ok(r.head >= head);
  // The client is authenticated and gets live events from head on.
  const live = await barrier(ana, c.id, old.client);
  for (const e of seqd(old.client.events)) assert.ok(e.seq > r.head || e.data.message.id === live.id);
  expectResult(await old.client.request('msg.history', { conv: c.id, limit: 5 }));

  const near = await resume(srv, ben.token, head - 3);
  const nr = expectResult(near.reply);
  assert.ok(!nr.resync, 'a gap of 3 is within the retention');
  const live2 = await barrier(ana, c.id, near.client);
  const got = seqd(near.client.events);
  assert.deepEqual(got.map((e) => e.seq).slice(0, 3), [head - 2, head - 1, head]);
  assert.equal(got[got.length - 1].data.message.id, live2.id);

  // login with an old since says resync too.
  const d = fx.track(await connect(srv));
  const lr = expectResult(await d.request('login', { handle: ben.user.handle, password: ben.password, since: 1 }));
  assert.equal(lr.resync, true);
});

cleanExitTest(fx);

// Durability: a message whose reply was received survives kill -9 and a
// restart on the same data directory, and so do users, tokens,
// conversations and the event log (resume works across the restart).

import {
  serverFixture, cleanExitTest, assert, expectResult, nonce, barrier,
} from './util.js';
import { resume, connect } from '../lib/server.js';

const fx = serverFixture({ args: ['--open-registration'] });

fx.test('acknowledged messages survive kill -9 and a restart', async () => {
  const ana = await fx.user();
  const ben = await fx.user();
  const c = (await ana.client.ok('conv.create', { kind: 'channel', name: 'durable', members: [ben.user.id] })).conversation;
  const first = (await ana.client.ok('msg.send', { conv: c.id, body: 'first', nonce: nonce() })).message;
  await barrier(ana, c.id, ben.client);
  const benSeq = ben.client.lastSeq;
  // A burst of sends, all in flight at once (group commit), then a crash
  // as soon as the last acknowledgement arrives.
  const replies = await Promise.all(Array.from({ length: 40 }, (_, i) =>
    ana.client.request('msg.send', { conv: c.id, body: `burst ${i}`, nonce: `burst-${i}` })));
  const acked = replies.map((r) => expectResult(r).message);
  const edited = expectResult(await ana.client.request('msg.edit', { message: first.id, body: 'first (edited)' })).message;
  const { signal } = await (fx.srv.killedOnPurpose = true, fx.srv.kill9());
  assert.equal(signal, 'SIGKILL');

  const srv2 = await fx.start({ dataDir: fx.srv.dataDir, args: ['--open-registration'] });
  fx.srv = srv2;
  // The token is still valid: no password needed.
  const r = await resume(srv2, ana.token);
  const hello = expectResult(r.reply);
  assert.equal(hello.user.id, ana.user.id);
  assert.equal(hello.user.role, 'admin', 'the first user is still the admin');
  const h = expectResult(await r.client.request('msg.history', { conv: c.id, limit: 200 }));
  const byId = new Map(h.messages.map((m) => [m.id, m]));
  for (const m of acked) {
    assert.ok(byId.has(m.id), `acknowledged message ${m.id} survived`);
    assert.equal(byId.get(m.id).body, m.body);
    assert.equal(byId.get(m.id).created_at, m.created_at);
  }
  assert.equal(byId.get(first.id).body, 'first (edited)');
  assert.equal(byId.get(first.id).edited_at, edited.edited_at);
  assert.equal(h.messages.length, 42, 'first, the barrier sentinel and the 40 of the burst');
  // Retrying an acknowledged nonce after the restart still gives the original.
  const retry = expectResult(await r.client.request('msg.send', { conv: c.id, body: 'burst 7', nonce: 'burst-7' })).message;
  assert.equal(retry.id, acked[7].id);
  // New ids keep ascending after the restart.
  const after = expectResult(await r.client.request('msg.send', { conv: c.id, body: 'after the crash', nonce: nonce() })).message;
  assert.ok(after.id > Math.max(...acked.map((m) => m.id)));

  // Ben resumes from before the burst and gets the missed events.
  const b = await resume(srv2, ben.token, benSeq);
  const br = expectResult(b.reply);
  assert.ok(!br.resync);
  assert.ok(br.head >= benSeq + 42, `head ${br.head} continues after the restart`);
  const ev = await b.client.waitEvent((e) => e.event === 'message.new' && e.data.message.id === after.id);
  const news = b.client.events.filter((e) => e.event === 'message.new').map((e) => e.data.message.id);
  assert.deepEqual(news, [...acked.map((m) => m.id), after.id].sort((x, y) => x - y));
  assert.ok(b.client.events.some((e) => e.event === 'message.edit' && e.data.message.id === first.id));
  assert.ok(ev.seq > benSeq);
});

fx.test('kill -9 in the middle of a stream of sends: every acknowledged message and every announced one is stored', async () => {
  const ana = await fx.user();
  const ben = await fx.user();
  const c = (await ana.client.ok('conv.create', { kind: 'channel', name: 'midstream', members: [ben.user.id] })).conversation;
  const tabs = [];
  for (let i = 0; i < 4; i++) {
    const t = fx.track(await connect(fx.srv));
    await t.ok('hello', { token: ana.token });
    tabs.push(t);
  }
  const acked = [];
  let stop = false;
  const senders = tabs.map(async (t, k) => {
    for (let i = 0; i < 55 && !stop; i++) {
      let r;
      try {
        r = await t.request('msg.send', { conv: c.id, body: `stream ${k}-${i}`, nonce: `stream-${k}-${i}` });
      } catch {
        return; // the connection is gone: the server was killed
      }
      if (r.result) acked.push(r.result.message.id);
    }
  });
  // Crash once ben has seen some of it.
  await ben.client.waitEvent((e) => e.event === 'message.new' && eventsSeen(ben.client, c.id) >= 40, 10000);
  const srv = fx.srv;
  srv.killedOnPurpose = true;
  await srv.kill9();
  stop = true;
  await Promise.all(senders);
  const announced = ben.client.events.filter((e) => e.event === 'message.new' && e.data.message.conv === c.id).map((e) => e.data.message.id);
  assert.ok(acked.length >= 1 && announced.length >= 40);

  const srv2 = await fx.start({ dataDir: srv.dataDir, args: ['--open-registration'] });
  fx.srv = srv2;
  const r = await resume(srv2, ben.token);
  fx.track(r.client);
  expectResult(r.reply);
  const h = expectResult(await r.client.request('msg.history', { conv: c.id, limit: 200 }));
  const stored = new Set(h.messages.map((m) => m.id));
  assert.deepEqual(acked.filter((id) => !stored.has(id)), [], 'acknowledged but lost');
  assert.deepEqual(announced.filter((id) => !stored.has(id)), [], 'announced by an event but not stored');
  assert.equal(stored.size, h.messages.length, 'no duplicates');
});

function eventsSeen(client, conv) {
  return client.events.filter((e) => e.event === 'message.new' && e.data.message.conv === conv).length;
}

fx.test('a clean stop and restart keeps users, conversations and invites', async () => {
  const srv = fx.srv;
  const ana = await fx.user({ password: 'survives restarts' }, srv);
  const c = (await ana.client.ok('conv.create', { kind: 'channel', name: 'after-clean-stop', topic: 'kept' })).conversation;
  await ana.client.ok('msg.send', { conv: c.id, body: 'kept too', nonce: nonce() });
  const watcher = fx.track(await connect(srv));
  srv.stoppedAndChecked = true;
  const { code, signal } = await srv.stop();
  assert.equal((await watcher.closed).code, 1001, 'connected clients are told the server is going away');
  assert.equal(signal, null, srv.stderr().slice(-4000));
  assert.equal(code, 0, srv.stderr().slice(-4000));
  const srv3 = await fx.start({ dataDir: srv.dataDir, args: ['--open-registration'] });
  fx.srv = srv3;
  const cl = fx.track(await connect(srv3));
  const lr = expectResult(await cl.request('login', { handle: ana.user.handle, password: 'survives restarts' }));
  assert.equal(lr.user.id, ana.user.id);
  const g = expectResult(await cl.request('conv.get', { conv: c.id }));
  assert.equal(g.conversation.topic, 'kept');
  assert.equal(g.conversation.name, 'after-clean-stop');
  const h = expectResult(await cl.request('msg.history', { conv: c.id }));
  assert.deepEqual(h.messages.map((m) => m.body), ['kept too']);
  // The name is still taken.
  const dup = await cl.request('conv.create', { kind: 'channel', name: 'after-clean-stop' });
  assert.equal(dup.error && dup.error.code, 'conflict');
});

cleanExitTest(fx);

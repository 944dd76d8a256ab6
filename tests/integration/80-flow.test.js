// Flow control: a slow consumer is closed with 4008 when its queue passes
// 4096 frames / 8 MiB and loses nothing on resume; request rate limits
// (rate_limited, then 4029 for a flood) hit only the flooding connection.

import {
  serverFixture, cleanExitTest, assert, expectError, expectResult, nonce, sleep,
  closedWithin,
} from './util.js';
import { resume, connect } from '../lib/server.js';

const fx = serverFixture({ args: ['--open-registration'] });

const SENDERS = 20;
const BODY = 16000;
// Loopback sockets can absorb tens of MB on top of the server's 8 MiB
// queue before the server sees any backpressure, hence the high ceiling.
const MAX_MESSAGES = 4000; // about 64 MB

// Send `total` messages on one connection at most at ~18 per second after
// a burst of 50, keeping the connection under the server's rate limit.
async function paced(client, conv, total, body, stop, sent, errors) {
  let tokens = 50;
  let last = Date.now();
  const inflight = [];
  for (let i = 0; i < total && !stop.now; i++) {
    for (;;) {
      const now = Date.now();
      tokens = Math.min(50, tokens + ((now - last) / 1000) * 18);
      last = now;
      if (tokens >= 1) break;
      await sleep(20);
    }
    tokens -= 1;
    const p = client.request('msg.send', { conv, body, nonce: nonce('flood') }).then((r) => {
      if (r.result) sent.push(r.result.message.id);
      else errors.push(r.error);
    }, (err) => errors.push({ code: 'send_failed', message: err.message }));
    inflight.push(p);
    if (inflight.length > 20) await inflight.shift();
  }
  await Promise.all(inflight);
}

fx.test('a consumer that stops reading is closed with 4008; others are served; resume loses nothing', { timeout: 90000 }, async () => {
  const slow = await fx.user();
  const obs = await fx.user();
  const senders = [];
  for (let i = 0; i < SENDERS; i++) senders.push(await fx.user());
  // Each sender floods its own channel with the slow user, so only the
  // slow user gets everything (the senders' own traffic stays small).
  const convs = [];
  for (const s of senders) {
    convs.push((await s.client.ok('conv.create', { kind: 'channel', name: `flood-${s.user.id}`, members: [slow.user.id] })).conversation);
  }
  const side = (await obs.client.ok('conv.create', { kind: 'channel', name: `side-${obs.user.id}`, members: [slow.user.id] })).conversation;
  await slow.client.waitEvent((e) => e.event === 'conv.new' && e.data.conversation.id === side.id);

  // Stop reading.
  slow.client.ws._socket.pause();
  const stop = { now: false };
  const sent = [];
  const errors = [];
  const body = 'x'.repeat(BODY);
  // Under the flood (ASan, 2 cores) replies may lag: allow them 30 s.
  for (const s of senders) s.client.replyTimeoutMs = 30000;
  obs.client.replyTimeoutMs = 30000;
  const flooding = Promise.all(senders.map((s, i) => paced(s.client, convs[i].id, Math.ceil(MAX_MESSAGES / SENDERS), body, stop, sent, errors)));

  // Meanwhile the observer is served normally, and watches the slow user
  // go offline (presence event or user.list).
  let offline = false;
  const t0 = Date.now();
  let pings = 0;
  while (!offline && Date.now() - t0 < 60000) {
    const p0 = Date.now();
    const l = expectResult(await obs.client.request('user.list'), 'the observer is served during the flood');
    assert.ok(Date.now() - p0 < 3000, 'the observer gets answers promptly');
    pings += 1;
    offline = obs.client.events.some((e) => e.event === 'presence' && e.data.user === slow.user.id && e.data.online === false)
      || l.users.find((u) => u.id === slow.user.id).online === false;
    if (sent.length >= MAX_MESSAGES - SENDERS) break;
    if (!offline) await sleep(250);
  }
  stop.now = true;
  const sentAtOffline = sent.length;
  const offlineAfterMs = Date.now() - t0;
  await flooding;
  assert.deepEqual(errors.slice(0, 3), [], `every flood send is acknowledged (${errors.length} were not)`);
  if (process.env.TANDEM_DEBUG) console.error(`slow consumer: offline after ${offlineAfterMs} ms and ${sentAtOffline} messages`);
  assert.ok(pings > 0);
  // The observer's own conversation still works, live.
  const m = (await obs.client.ok('msg.send', { conv: side.id, body: 'still here', nonce: nonce() })).message;
  assert.equal(m.conv, side.id);

  // Read what was buffered: the stream must end with a 4008 close.
  slow.client.ws._socket.resume();
  const closed = await closedWithin(slow.client, 20000);
  assert.ok(offline, 'the slow user went offline before the flood ceiling');
  const received = new Set(slow.client.events.filter((e) => e.event === 'message.new').map((e) => e.data.message.id));
  assert.ok(received.size < sent.length, 'the slow consumer was cut off before getting everything');

  // Reconnect with since: every missed message arrives, once, in order.
  const since = slow.client.lastSeq;
  const r = await resume(fx.srv, slow.token, since);
  fx.track(r.client);
  const rr = expectResult(r.reply);
  assert.ok(!rr.resync);
  const maxId = Math.max(...sent);
  await r.client.waitEvent((e) => e.event === 'message.new' && e.data.message.id === maxId, 30000);
  const replayed = r.client.events.filter((e) => e.event === 'message.new').map((e) => e.data.message.id);
  assert.equal(new Set(replayed).size, replayed.length, 'no duplicates in the replay');
  const all = new Set([...received, ...replayed]);
  const missing = sent.filter((id) => !all.has(id));
  assert.deepEqual(missing, [], 'nothing lost');
  for (let i = 1; i < replayed.length; i++) assert.ok(replayed[i] > replayed[i - 1], 'replay in order');
  // Checked last so that the checks above run whatever the close code.
  assert.equal(closed.code, 4008, `slow consumer close code (offline seen after ${offlineAfterMs} ms and ${sentAtOffline} messages)`);
});

fx.test('a burst over 60 requests gets rate_limited replies; the connection stays open', async () => {
  const u = await fx.user();
  const other = fx.track(await connect(fx.srv));
  expectResult(await other.request('hello', { token: u.token }));
  await sleep(200); // refill the token spent on registration
  const replies = await Promise.all(Array.from({ length: 90 }, () => u.client.request('ping')));
  const ok = replies.filter((r) => r.result).length;
  const limited = replies.filter((r) => r.error && r.error.code === 'rate_limited').length;
  assert.equal(ok + limited, 90, `only results and rate_limited: ${JSON.stringify(replies.find((r) => r.error && r.error.code !== 'rate_limited'))}`);
  assert.ok(ok >= 60 && ok <= 70, `about 60 of 90 pass (burst 60): ${ok}`);
  assert.ok(limited >= 20, `the rest are rate_limited: ${limited}`);
  // The replies come in request order.
  const ids = u.client.frames.filter((f) => f.id !== undefined && f.event === undefined).map((f) => f.id);
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1], 'replies in request order');
  // Another connection of the same user is unaffected.
  for (let i = 0; i < 5; i++) expectResult(await other.request('ping'));
  await sleep(1100);
  expectResult(await u.client.request('ping'), 'the limited connection recovers');
});

fx.test('a flood at more than 5x the rate closes the connection with 4029; others keep working', async () => {
  const u = await fx.user();
  const other = fx.track(await connect(fx.srv));
  expectResult(await other.request('hello', { token: u.token }));
  const t0 = Date.now();
  let closed = null;
  u.client.closed.then((c) => { closed = c; });
  let otherOk = 0;
  // 150 requests every 100 ms: 1500 per second, 75x the limit.
  while (!closed && Date.now() - t0 < 10000) {
    for (let i = 0; i < 150 && !closed; i++) {
      u.client.request('ping').catch(() => {});
    }
    expectResult(await other.request('ping'), 'another connection is served during the flood');
    otherOk += 1;
    await sleep(100);
  }
  assert.ok(closed, 'the flooding connection was closed within 10 s');
  assert.equal(closed.code, 4029);
  assert.ok(otherOk > 0);
  const limited = u.client.frames.filter((f) => f.error && f.error.code === 'rate_limited').length;
  assert.ok(limited > 0, 'rate_limited replies came first');
  expectResult(await other.request('ping'));
  const c = (await other.request('conv.list'));
  expectResult(c);
  // A new connection of the same user works (the limit is per connection).
  const again = fx.track(await connect(fx.srv));
  expectResult(await again.request('hello', { token: u.token }));
});

fx.test('unauthenticated connections are rate-limited too', async () => {
  const c = fx.track(await connect(fx.srv));
  const replies = await Promise.all(Array.from({ length: 80 }, () => c.request('ping')));
  const limited = replies.filter((r) => r.error && r.error.code === 'rate_limited').length;
  assert.ok(limited >= 10, `rate_limited before login too: ${limited}`);
  expectError(replies[replies.length - 1], 'rate_limited');
});

cleanExitTest(fx);

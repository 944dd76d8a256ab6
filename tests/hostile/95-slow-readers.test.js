// Slow readers and memory: N clients in one busy channel stop reading
// while senders flood it with 16 KB messages and a healthy member reads
// along. Each slow reader is closed with 4008 once its queue passes the cap
// (4096 frames or 8 MiB); every frame is one refcounted buffer shared by
// all the queues that hold it, so the server's memory grows by about one
// queue's worth, not N of them. The test samples the server's RSS before,
// during and after (ASan's quarantine cut to 4 MiB unless ASAN_OPTIONS
// sets it), checks the healthy member got every message in order, and
// prints the figures.

import {
  serverFixture, cleanExitTest, assert, expectResult, nonce, sleep,
} from '../integration/util.js';
import { resume } from '../lib/server.js';
import { rssKiB, envInt } from './lib.js';

// ASan keeps up to 256 MiB of freed memory in quarantine, which alone
// would look like growth; a small quarantine makes RSS mean something.
{
  const a = process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0';
  process.env.ASAN_OPTIONS = /quarantine_size_mb/.test(a) ? a : `${a}:quarantine_size_mb=4`;
}
const fx = serverFixture({ args: ['--open-registration'] });
const N = envInt('SLOW_READERS', 20);
const SENDERS = 6;
const BODY = 16000;
const CAP_MIB = 8;

// Send up to `total` messages at ~18 a second after a burst (under the
// per-connection rate limit), until stop.now.
async function paced(client, conv, total, body, stop, sent) {
  let tokens = 40;
  let last = Date.now();
  const inflight = [];
  for (let i = 0; i < total && !stop.now; i++) {
    for (;;) {
      const now = Date.now();
      tokens = Math.min(40, tokens + ((now - last) / 1000) * 18);
      last = now;
      if (tokens >= 1) break;
      await sleep(20);
    }
    tokens -= 1;
    inflight.push(client.request('msg.send', { conv, body, nonce: nonce('slow') }, 30000).then((r) => {
      sent.push(expectResult(r, 'a flood send').message.id);
    }));
    if (inflight.length > 20) await inflight.shift();
  }
  await Promise.all(inflight);
}

fx.test(`${N} slow readers are closed at the queue cap; server memory stays bounded; others get every message`, { timeout: 110000 }, async () => {
  const owner = await fx.user();
  const healthy = await fx.user();
  const senders = await fx.users(SENDERS);
  const readers = await fx.users(Math.ceil(N / 2));
  const conv = (await owner.client.ok('conv.create', { kind: 'channel', name: `slow-${process.pid % 10000}` })).conversation;
  for (const u of [healthy, ...senders, ...readers]) await u.client.ok('conv.join', { conv: conv.id });
  // Two connections per reader user: N slow connections in all.
  const slow = [];
  for (const u of readers) {
    slow.push(u.client);
    if (slow.length < N) {
      const r = await resume(fx.srv, u.token);
      fx.track(r.client);
      expectResult(r.reply);
      slow.push(r.client);
    }
  }
  for (const c of slow) c.ws._socket.pause();
  await sleep(300);
  const pid = fx.srv.proc.pid;
  const rssStart = rssKiB(pid);

  const stop = { now: false };
  const sent = [];
  const body = 'x'.repeat(BODY);
  const flooding = Promise.all(senders.map((s) => paced(s.client, conv.id, 4000, body, stop, sent)));
  // Sample RSS until every slow connection is closed (the server closes
  // them; their sockets still hold what the kernel buffered).
  const closedCodes = [];
  for (const c of slow) c.closed.then((x) => closedCodes.push(x.code));
  // A paused socket sees the server's close only once resumed, so the
  // sign that the server cut every slow connection off is each reader
  // user going offline (presence, to everyone).
  const from = owner.client.events.length;
  const readerIds = new Set(readers.map((u) => u.user.id));
  const offline = () => new Set(owner.client.events.slice(from).filter((e) => e.event === 'presence' && !e.data.online && readerIds.has(e.data.user)).map((e) => e.data.user)).size;
  const samples = [];
  const t0 = Date.now();
  let closedAt = null;
  while (Date.now() - t0 < 70000) {
    samples.push(rssKiB(pid));
    if (closedAt === null && offline() === readerIds.size) closedAt = Date.now() - t0;
    if (closedAt !== null && Date.now() - t0 > closedAt + 2000) break;
    await sleep(250);
  }
  stop.now = true;
  await flooding;
  const rssPeak = Math.max(...samples);
  const rssDuring = samples[Math.floor(samples.length / 2)];

  // Let the slow clients read what was buffered: each stream ends in 4008.
  for (const c of slow) c.ws._socket.resume();
  let timer;
  await Promise.race([
    Promise.all(slow.map((c) => c.closed)),
    new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error('slow readers still open after 30 s')), 30000); }),
  ]);
  clearTimeout(timer);
  // The healthy member received every message, in order.
  const maxId = Math.max(...sent);
  await healthy.client.waitEvent((e) => e.event === 'message.new' && e.data.message.id === maxId, 30000);
  const got = healthy.client.events.filter((e) => e.event === 'message.new' && e.data.message.conv === conv.id).map((e) => e.data.message.id);
  const want = [...sent].sort((a, b) => a - b);
  await sleep(500);
  const rssAfter = rssKiB(pid);
  const mib = (k) => (k / 1024).toFixed(1);
  console.log(`slow readers: ${N} stopped reading while ${SENDERS} senders sent ${sent.length} messages of ${BODY} bytes (${(sent.length * BODY / 1048576).toFixed(0)} MiB each reader should have taken); ${closedCodes.filter((c) => c === 4008).length} closed with 4008 after ${closedAt === null ? '?' : (closedAt / 1000).toFixed(1)} s; server RSS ${mib(rssStart)} MiB before, ${mib(rssDuring)} during, peak ${mib(rssPeak)}, ${mib(rssAfter)} after (growth ${mib(rssPeak - rssStart)} MiB; ${N} unshared queues at the cap would be ${N * CAP_MIB} MiB); the healthy member got ${got.length} of ${want.length} messages in order`);
  assert.equal(closedCodes.filter((c) => c === 4008).length, N, `every slow reader closed with 4008: ${closedCodes.join(',')}`);
  assert.deepEqual(got, want, 'the healthy member got every message, in order');
  assert.ok(rssPeak - rssStart < (N * CAP_MIB * 1024) / 2, `server memory stays bounded: grew ${mib(rssPeak - rssStart)} MiB`);
  assert.ok(closedAt !== null, 'every slow reader was cut off during the flood');
});

cleanExitTest(fx);

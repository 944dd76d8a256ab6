// Half-open connections: with --keepalive K the server pings a WebSocket
// that showed no sign of life for K seconds and closes it when no pong
// came by 2K, so a peer that vanished without FIN or RST (or that stopped
// reading and answering) is freed within about 2K seconds instead of the
// ~90 s of TCP keepalive. An idle but healthy client answers the pings
// (every WebSocket stack does) and is never disconnected.
//
// The silent peer is a raw TCP socket: it completes the handshake, logs in
// with hello, then neither reads nor answers anything. The server freeing
// its session shows as presence going offline for an observer and as the
// server's descriptor count going back down.

import net from 'node:net';
import WebSocket from 'ws';
import {
  serverFixture, cleanExitTest, assert, expectResult, sleep,
} from '../integration/util.js';
import { fdCount, wsKey } from './lib.js';

const K = 2;
const fx = serverFixture({ args: ['--open-registration', '--keepalive', String(K)] });

// One masked client text frame (RFC 6455 5.2), payload under 64 KiB.
function textFrame(text) {
  const payload = Buffer.from(text, 'utf8');
  const mask = Buffer.from([0x11, 0x22, 0x33, 0x44]);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, 0x80 | len]) : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 255]);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = payload[i] ^ mask[i % 4];
  return Buffer.concat([head, mask, body]);
}

// A raw WebSocket client that logs in with `token`, waits for the hello
// reply, then goes silent: it stops reading and never answers a ping.
function silentPeer(port, token) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('no hello reply within 5 s')); }, 5000);
    sock.on('error', () => {});
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = buf.subarray(0, end).toString('latin1');
        if (!/^HTTP\/1\.1 101/.test(status)) { clearTimeout(timer); reject(new Error(status)); return; }
        upgraded = true;
        buf = buf.subarray(end + 4);
        sock.write(textFrame(JSON.stringify({ op: 'hello', id: 1, token })));
      }
      if (buf.includes('"id":1')) {
        clearTimeout(timer);
        sock.pause();
        sock.removeAllListeners('data');
        resolve(sock);
      }
    });
    sock.write([
      'GET /ws HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
      `Sec-WebSocket-Key: ${wsKey()}`, 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: tandem.v1', '', '',
    ].join('\r\n'));
  });
}

fx.test(`a silent peer is freed within 2 x --keepalive (${K} s); a healthy idle client stays`, { timeout: 60000 }, async () => {
  const observer = await fx.user();
  const healthy = await fx.user();
  const ghost = await fx.user();
  let pings = 0;
  healthy.client.ws.on('ping', () => { pings += 1; });
  // The ghost's ordinary connection goes away first, cleanly.
  const ghostPresence = (online) => (e) => e.event === 'presence' && e.data.user === ghost.user.id && e.data.online === online;
  ghost.client.ws.terminate();
  await observer.client.waitEvent(ghostPresence(false), 10000);
  const fdsBefore = fdCount(fx.srv.proc.pid);

  const from = observer.client.events.length;
  const peer = await silentPeer(fx.srv.port, ghost.token);
  await observer.client.waitEvent(ghostPresence(true), 5000, from);
  const fdsWith = fdCount(fx.srv.proc.pid);
  const t0 = performance.now();
  await observer.client.waitEvent(ghostPresence(false), (2 * K + 4) * 1000, from);
  const detectS = (performance.now() - t0) / 1000;
  let fdsAfter = fdCount(fx.srv.proc.pid);
  for (let i = 0; i < 20 && fdsAfter >= fdsWith; i++) { await sleep(100); fdsAfter = fdCount(fx.srv.proc.pid); }
  peer.destroy();

  // The healthy clients sat idle through the same time and longer.
  await sleep(Math.max(0, (3 * K * 1000) - (performance.now() - t0)));
  const idleS = (performance.now() - t0) / 1000;
  expectResult(await healthy.client.request('ping'));
  expectResult(await observer.client.request('ping'));
  const healthyDropped = [healthy, observer].filter((u) => u.client.ws.readyState !== 1).length;
  console.log(`keepalive ${K} s: silent peer freed after ${detectS.toFixed(1)} s (bound ${2 * K} s); server descriptors ${fdsBefore} -> ${fdsWith} with it -> ${fdsAfter} after; healthy idle clients: ${pings} pings answered over ${idleS.toFixed(1)} s, ${healthyDropped} disconnected`);
  assert.ok(detectS <= 2 * K + 2, `freed within 2 x keepalive (+2 s of timer slack): ${detectS.toFixed(1)} s`);
  assert.ok(fdsAfter < fdsWith, `the server closed the silent peer's socket (${fdsWith} -> ${fdsAfter})`);
  assert.ok(pings >= 1, 'the server pinged the idle healthy client');
  assert.equal(healthyDropped, 0, 'healthy idle clients stay connected');
});

fx.test('a client that reads but never answers pings is dropped (1006) within 2 x --keepalive', { timeout: 30000 }, async () => {
  const ws = new WebSocket(fx.srv.wsUrl, 'tandem.v1', { autoPong: false });
  let pings = 0;
  ws.on('ping', () => { pings += 1; });
  const t0 = performance.now();
  const closed = await new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  const s = (performance.now() - t0) / 1000;
  console.log(`keepalive ${K} s: a client answering no pings was dropped after ${s.toFixed(1)} s with ${closed} (${pings} pings seen)`);
  assert.equal(closed, 1006, 'dropped without a close frame, as PROTOCOL.md says');
  assert.ok(pings >= 1 && s <= 2 * K + 2, `dropped within 2 x keepalive: ${s.toFixed(1)} s`);
});

cleanExitTest(fx);

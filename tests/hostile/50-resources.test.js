// Resources: a storm of wrong-password logins must not stall delivery
// between other users (hashing runs off the loop, bounded, rate-limited);
// at the file-descriptor limit existing sessions keep working, the server
// does not spin, and new connections succeed once descriptors free up.
//
// Half-open connections are 80-keepalive.test.js's.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import {
  serverFixture, cleanExitTest, assert, expectResult, nonce, sleep,
} from '../integration/util.js';
import { connect, TANDEMD, ROOT } from '../lib/server.js';
import { cpuTicks, fdCount, percentile, envInt } from './lib.js';

const fx = serverFixture({ args: ['--open-registration'] });
const STORM = envInt('STORM_LOGINS', 200);

fx.test(`${STORM} parallel wrong-password logins while two users exchange messages`, { timeout: 120000 }, async () => {
  const [a, b] = await fx.users(2);
  const dm = (await a.client.ok('dm.open', { user: b.user.id })).conversation;
  const victim = await fx.user();
  const attackers = [];
  for (let i = 0; i < STORM; i++) attackers.push(fx.track(await connect(fx.srv)));
  const sentAt = new Map();
  const latencies = [];
  b.client.ws.on('message', (d) => {
    const f = JSON.parse(String(d));
    if (f.event === 'message.new' && sentAt.has(f.data.message.nonce)) {
      latencies.push(performance.now() - sentAt.get(f.data.message.nonce));
      sentAt.delete(f.data.message.nonce);
    }
  });
  let storming = true;
  let sent = 0;
  const talk = (async () => {
    while (storming) {
      const k = nonce('storm');
      sentAt.set(k, performance.now());
      expectResult(await a.client.request('msg.send', { conv: dm.id, body: `during the storm ${sent}`, nonce: k }));
      sent += 1;
      await sleep(50);
    }
  })();
  await sleep(200);
  const t0 = performance.now();
  const answers = await Promise.all(attackers.map((c, i) => c.request('login', { handle: i % 2 ? victim.user.handle : `nobody${i}`, password: `wrong guess ${i}` }, 60000)));
  const stormMs = performance.now() - t0;
  storming = false;
  await talk;
  for (let i = 0; i < 100 && sentAt.size > 0; i++) await sleep(50);
  const codes = {};
  for (const r of answers) {
    const code = r.result ? 'ok' : r.error.code;
    codes[code] = (codes[code] || 0) + 1;
  }
  console.log(`login storm: ${STORM} wrong-password logins answered in ${Math.round(stormMs)} ms (${Object.entries(codes).map(([k, v]) => `${k} ${v}`).join(', ')}); ${sent} messages delivered meanwhile, latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
  assert.equal(sentAt.size, 0, 'every message sent during the storm was delivered');
  assert.ok(sent > 0);
  for (const code of Object.keys(codes)) assert.ok(['invalid_credentials', 'rate_limited', 'busy'].includes(code), `login answered ${code}`);
  assert.ok((codes.rate_limited || 0) > 0, 'the per-address cap tripped');
  for (const c of attackers) c.terminate();
});

// Start tandemd under `ulimit -n LIMIT` (the harness spawns it directly).
async function startLimited(limit) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-fd-'));
  const args = ['--port', '0', '--data-dir', dataDir, '--web-root', path.join(ROOT, 'web'), '--pwhash-ops', '1', '--pwhash-mem', '8192', '--open-registration'];
  const proc = spawn('bash', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, TANDEMD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-8000); });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no start: ${stderr}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/[^:]+:(\d+)\//);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
  });
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  return { proc, port, dataDir, exited, wsUrl: `ws://127.0.0.1:${port}/ws`, stderr: () => stderr };
}

// Resolves with a Client, or null when the handshake does not complete.
async function tryConnect(srv, ms = 1500) {
  return Promise.race([connect(srv).catch(() => null), sleep(ms).then(() => null)]);
}

fx.test('at the file-descriptor limit: sessions keep working, no spinning, service resumes', { timeout: 120000 }, async () => {
  const LIMIT = 64;
  const srv = await startLimited(LIMIT);
  const hoard = [];
  const stray = [];
  try {
    const ca = await connect(srv);
    const ra = await ca.ok('register', { handle: `fda${process.pid % 1000}`, password: 'correct horse battery', display_name: 'A', team: 'sales' });
    const cb = await connect(srv);
    const rb = await cb.ok('register', { handle: `fdb${process.pid % 1000}`, password: 'correct horse battery', display_name: 'B', team: 'sales' });
    const dm = (await ca.ok('dm.open', { user: rb.user.id })).conversation;
    // Open connections until one is not served.
    let refused = 0;
    for (let i = 0; i < LIMIT * 2 && refused < 3; i++) {
      const c = await tryConnect(srv);
      if (c) hoard.push(c);
      else refused += 1;
    }
    const fds = fdCount(srv.proc.pid);
    assert.ok(refused > 0, `connections stop being served at the limit (opened ${hoard.length})`);
    // More attempts pile up in the backlog while we watch the CPU.
    for (let i = 0; i < 5; i++) {
      const ws = new WebSocket(srv.wsUrl, 'tandem.v1');
      ws.on('error', () => {});
      stray.push(ws);
    }
    const t0 = cpuTicks(srv.proc.pid);
    await sleep(2000);
    const ticks = cpuTicks(srv.proc.pid) - t0;
    // Existing sessions still work, both ways.
    const m = (await ca.ok('msg.send', { conv: dm.id, body: 'at the limit', nonce: nonce() })).message;
    await cb.waitEvent((e) => e.event === 'message.new' && e.data.message.id === m.id, 5000);
    expectResult(await cb.request('ping'));
    // Free some descriptors: new connections are served again.
    for (const s of stray) s.terminate();
    for (const c of hoard.splice(0, 10)) c.terminate();
    await sleep(500);
    let again = null;
    for (let i = 0; i < 10 && !again; i++) again = await tryConnect(srv, 2000);
    assert.ok(again, 'a new connection is served after descriptors were freed');
    expectResult(await again.request('hello', { token: ra.token }));
    expectResult(await again.request('conv.list'));
    console.log(`fd limit: ulimit -n ${LIMIT}, ${hoard.length + 10} connections opened before refusals, ${fds} descriptors in use, CPU ${ticks * 10} ms over 2 s at the limit, existing sessions ok, new connection ok after freeing 10`);
    assert.ok(ticks <= 40, `the server does not spin at the limit: ${ticks} ticks (1/100 s) of CPU in 2 s`);
    again.terminate();
    ca.terminate();
    cb.terminate();
  } finally {
    for (const c of hoard) c.terminate();
    for (const s of stray) s.terminate();
    srv.proc.kill('SIGTERM');
    const exit = await srv.exited;
    fs.rmSync(srv.dataDir, { recursive: true, force: true });
    assert.equal(exit.code, 0, `clean exit after the fd test: ${srv.stderr().slice(-3000)}`);
  }
});

cleanExitTest(fx);

// A full disk: the data directory is a small tmpfs (8 MiB), mounted in a
// private mount namespace (unshare -m) so nothing outside the test sees
// it; the server runs inside that namespace (nsenter). A filler file takes
// every free byte, then a writer keeps sending: each send must answer
// either ok (and then be stored) or storage_failed (and then not be);
// reads and other sessions keep being served; once the filler is deleted
// writes succeed again; after a restart every acknowledged message is
// there, nothing unacknowledged is, and PRAGMA integrity_check says ok.
//
// Mounting needs root (CI runs as root); elsewhere the test is skipped
// with the reason printed.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  assert, expectResult, nonce, sleep,
} from '../integration/util.js';
import { connect, TANDEMD, ROOT } from '../lib/server.js';

const MIB = 8;
const why = process.getuid() !== 0 ? 'not root: mounting a tmpfs needs it'
  : !['unshare', 'nsenter', 'sqlite3'].every((t) => { try { execFileSync('which', [t]); return true; } catch { return false; } }) ? 'unshare, nsenter or sqlite3 missing'
    : null;
if (why) console.log(`full disk: skipped (${why})`);

// A process holding a private mount namespace with a tmpfs at `dir`.
async function holdTmpfs(dir) {
  const holder = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c',
    `mount -t tmpfs -o size=${MIB}m tmpfs "$0" && echo mounted && exec sleep 600`, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  holder.stderr.on('data', (d) => { err += d; });
  await new Promise((resolve, reject) => {
    holder.stdout.on('data', (d) => { if (String(d).includes('mounted')) resolve(); });
    holder.on('exit', (code) => reject(new Error(`could not mount a tmpfs (exit ${code}): ${err}`)));
  });
  return holder;
}

// Run a command inside the holder's mount namespace.
const inNs = (holder, cmd, args, opts = {}) => execFileSync('nsenter', ['-t', String(holder.pid), '-m', '--', cmd, ...args], { encoding: 'utf8', timeout: 30000, ...opts });

function startIn(holder, dataDir) {
  const args = ['--port', '0', '--data-dir', dataDir, '--web-root', path.join(ROOT, 'web'), '--pwhash-ops', '1', '--pwhash-mem', '8192', '--open-registration'];
  const proc = spawn('nsenter', ['-t', String(holder.pid), '-m', '--', TANDEMD, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0' },
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-8000); });
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no start: ${stderr}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/[^:]+:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolve({ proc, port, exited, wsUrl: `ws://127.0.0.1:${port}/ws`, stderr: () => stderr });
      }
    });
  });
}

async function stop(srv) {
  srv.proc.kill('SIGTERM');
  const exit = await srv.exited;
  assert.equal(exit.code, 0, `clean exit (no sanitizer report): ${srv.stderr().slice(-3000)}`);
}

test('full disk: nothing unacknowledged is stored, clear errors, reads go on, writes recover', { skip: why || false, timeout: 120000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-full-'));
  const holder = await holdTmpfs(dir);
  const clients = [];
  let srv = null;
  try {
    srv = await startIn(holder, dir);
    const reg = async (h, team) => {
      const c = await connect(srv);
      clients.push(c);
      const r = await c.ok('register', { handle: `${h}${process.pid % 10000}`, password: 'correct horse battery', display_name: h, team });
      return { c, r };
    };
    const a = await reg('fulla', 'sales');
    const b = await reg('fullb', 'marketing');
    const dm = (await a.c.ok('dm.open', { user: b.r.user.id })).conversation;
    const acked = new Map(); // nonce -> message id
    const refused = [];
    const codes = {};
    let n = 0;
    const send = async (client, body) => {
      const k = nonce('full');
      const r = await client.request('msg.send', { conv: dm.id, body, nonce: k });
      const code = r.result ? 'ok' : r.error.code;
      codes[code] = (codes[code] || 0) + 1;
      if (r.result) acked.set(k, r.result.message.id);
      else refused.push({ k, code, message: r.error.message });
      n += 1;
      return r;
    };
    for (let i = 0; i < 20; i++) expectResult(await send(a.c, `before the disk fills ${i}`));

    // Take every free byte.
    try { inNs(holder, 'dd', ['if=/dev/zero', `of=${dir}/filler`, 'bs=64k'], { stdio: 'ignore' }); } catch { /* ENOSPC ends dd */ }
    const free = inNs(holder, 'df', ['-k', '--output=avail', dir]).trim().split('\n').pop().trim();

    // Keep writing (bodies of 4 KiB) until the disk refuses a few.
    const body = 'x'.repeat(4096);
    let failedAt = -1;
    for (let i = 0; i < 3000 && refused.length < 5; i++) {
      const r = await send(i % 2 ? a.c : b.c, `${body} ${i}`);
      if (r.error && failedAt < 0) failedAt = i;
    }
    assert.ok(refused.length > 0, `the full disk refused a write within ${n} sends (free ${free} KiB)`);
    for (const f of refused) assert.equal(f.code, 'storage_failed', `a refused write answers storage_failed: ${JSON.stringify(f)}`);
    // The other ops that write answer the same way.
    const others = [
      await a.c.request('request.create', { kind: 'deck', title: 'while full', body: 'x' }),
      await b.c.request('feedback.create', { kind: 'objection', body: 'while full' }),
      await b.c.request('conv.create', { kind: 'channel', name: `full-${process.pid % 10000}` }),
    ].map((r) => (r.result ? 'ok' : r.error.code));
    for (const code of others) assert.ok(['ok', 'storage_failed'].includes(code), `a write while full answers ok or storage_failed, not ${code}`);

    // Reads keep working; a new session is served; the server is alive.
    const hist = expectResult(await b.c.request('msg.history', { conv: dm.id, limit: 50 }));
    assert.ok(hist.messages.length > 0);
    expectResult(await a.c.request('ping'));
    const c3 = await connect(srv);
    clients.push(c3);
    expectResult(await c3.request('hello', { token: a.r.token }));
    expectResult(await c3.request('conv.list'));

    // Space returns: writes succeed again.
    inNs(holder, 'rm', ['-f', `${dir}/filler`]);
    let recovered = null;
    for (let i = 0; i < 20 && recovered === null; i++) {
      const r = await send(a.c, `after space returned ${i}`);
      if (r.result) recovered = i;
      else await sleep(100);
    }
    assert.equal(recovered, 0, 'the first write after space returned succeeds');
    for (let i = 0; i < 10; i++) expectResult(await send(b.c, `and more ${i}`));

    // No event announced a refused write.
    const announced = new Set([...a.c.events, ...b.c.events].filter((e) => e.event === 'message.new').map((e) => e.data.message.nonce));
    const announcedRefused = refused.filter((f) => announced.has(f.k)).length;
    // Restart: every acknowledged message is there, nothing refused is.
    for (const c of clients) c.terminate();
    await stop(srv);
    const db = `${dir}/tandem.db`;
    const integrity = inNs(holder, 'sqlite3', ['-readonly', db, 'PRAGMA integrity_check']).trim();
    const rows = JSON.parse(inNs(holder, 'sqlite3', ['-json', '-readonly', db, `SELECT id, nonce FROM messages WHERE conv_id = ${dm.id}`]) || '[]');
    const stored = new Map(rows.map((r) => [r.nonce, r.id]));
    const lost = [...acked].filter(([k, id]) => stored.get(k) !== id);
    const ghosts = refused.filter((f) => stored.has(f.k));
    srv = await startIn(holder, dir);
    const c4 = await connect(srv);
    clients.push(c4);
    expectResult(await c4.request('hello', { token: b.r.token }));
    const after = expectResult(await c4.request('msg.history', { conv: dm.id, limit: 5 }));
    const k = nonce('full');
    expectResult(await c4.request('msg.send', { conv: dm.id, body: 'after the restart', nonce: k }));
    c4.terminate();
    await stop(srv);

    console.log(`full disk: tmpfs ${MIB} MiB, ${free} KiB free after the filler; ${n} sends (${Object.entries(codes).map(([c, v]) => `${c} ${v}`).join(', ')}), first refusal at send ${failedAt} of the full phase, ${announcedRefused} refused sends announced; request.create, feedback.create, conv.create while full: ${others.join(', ')}; reads and a new session served while full; writes ok again at once after the filler went; after restart ${acked.size} acknowledged stored, ${lost.length} lost, ${ghosts.length} refused but stored; integrity_check ${integrity}`);
    assert.deepEqual(lost, [], 'every acknowledged message survived');
    assert.deepEqual(ghosts.map((g) => g.k), [], 'no refused message was stored');
    assert.equal(integrity, 'ok');
    assert.equal(announcedRefused, 0, 'no event for a refused write');
    assert.ok(after.messages.length > 0);
  } finally {
    for (const c of clients) c.terminate();
    if (srv && srv.proc.exitCode === null && srv.proc.signalCode === null) {
      srv.proc.kill('SIGKILL');
      await srv.exited;
    }
    holder.kill('SIGTERM');
    await new Promise((r) => (holder.exitCode !== null || holder.signalCode !== null ? r() : holder.on('exit', r)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

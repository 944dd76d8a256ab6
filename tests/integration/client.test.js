// The terminal client `tandem`, black-box: the real binary (build-asan/tandem
// or $TANDEM) against the real tandemd, each run with HOME pointing at a
// fresh temporary directory so that it reads and writes its own config.
// Covers the account commands and the token file, channels, messages,
// history --json, tail across a server crash, exit statuses, and the output
// sanitizer (against the real server and against a hostile fake server).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { startServer, registerUser, resume, TANDEM, sleep } from '../lib/server.js';

const PASSWORD = 'correct horse battery';
const servers = [];
const homes = [];
const children = new Set();

after(async () => {
  for (const p of children) p.kill('SIGKILL');
  for (const s of servers) await stopServer(s);
  for (const d of new Set(servers.map((s) => s.dataDir))) fs.rmSync(d, { recursive: true, force: true });
  for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
});

// Stop a server: SIGTERM, then SIGKILL if it has not exited in 5 s.
async function stopServer(srv) {
  const done = await Promise.race([srv.stop().then(() => true), sleep(5000).then(() => false)]);
  if (!done) await srv.kill9();
}

async function server(opts = {}) {
  const srv = await startServer({ args: ['--open-registration'], ...opts });
  servers.push(srv);
  return srv;
}

function tmpHome() {
  const h = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-client-'));
  homes.push(h);
  return h;
}

function clientEnv(home, extra = {}) {
  const env = { ...process.env, HOME: home };
  delete env.XDG_CONFIG_HOME;
  delete env.TANDEM_SERVER;
  delete env.TANDEM_TOKEN;
  delete env.TANDEM_INSECURE;
  Object.assign(env, extra);
  env.ASAN_OPTIONS = process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0';
  return env;
}

function assertNoSanitizer(stderr) {
  assert.doesNotMatch(stderr, /AddressSanitizer|LeakSanitizer|runtime error:/,
    `sanitizer report from tandem:\n${stderr}`);
}

// Run tandem to completion. Resolves with {code, out (Buffer), stdout, stderr}.
function run(home, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(TANDEM, args, { env: clientEnv(home, opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(p);
    const out = [];
    let stderr = '';
    p.stdout.on('data', (d) => out.push(d));
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`tandem ${args.join(' ')} timed out`)); }, opts.timeout || 20000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      children.delete(p);
      const buf = Buffer.concat(out);
      assertNoSanitizer(stderr);
      resolve({ code, out: buf, stdout: buf.toString('utf8'), stderr });
    });
    p.stdin.on('error', () => {});
    p.stdin.end(opts.input ?? '');
  });
}

// Start a long-running tandem (tail); collects stdout as it arrives.
function spawnTail(home, args) {
  const p = spawn(TANDEM, args, { env: clientEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(p);
  const t = { proc: p, out: Buffer.alloc(0), stderr: '', exited: null };
  t.exited = new Promise((resolve) => p.on('close', (code, signal) => { children.delete(p); resolve({ code, signal }); }));
  p.stdout.on('data', (d) => { t.out = Buffer.concat([t.out, d]); });
  p.stderr.on('data', (d) => { t.stderr += d; });
  t.text = () => t.out.toString('utf8');
  t.waitFor = async (pred, ms = 15000, what = 'output') => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (pred(t.text())) return;
      if (p.exitCode !== null) break;
      await sleep(50);
    }
    throw new Error(`tail: timed out waiting for ${what}; stdout:\n${t.text()}\nstderr:\n${t.stderr}`);
  };
  return t;
}

const count = (s, sub) => s.split(sub).length - 1;

// Register a CLI user in a fresh HOME; returns {home, handle}.
async function cliUser(srv, handle, team = 'sales') {
  const home = tmpHome();
  const r = await run(home, ['--server', srv.wsUrl, 'register', handle, '--team', team,
    '--name', `${handle} display`, '--password-stdin'], { input: `${PASSWORD}\n` });
  assert.equal(r.code, 0, r.stderr);
  return { home, handle };
}

// Bytes a terminal would interpret: ESC, C0 other than \n and \t, DEL, C1
// (UTF-8 c2 80..9f) and bidi embeddings/overrides/isolates.
function dangerousBytes(buf) {
  const found = [];
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if ((b < 0x20 && b !== 0x0a && b !== 0x09) || b === 0x7f) found.push(`0x${b.toString(16)} at ${i}`);
    if (b === 0xc2 && i + 1 < buf.length && buf[i + 1] >= 0x80 && buf[i + 1] <= 0x9f) found.push(`C1 at ${i}`);
    if (b === 0xe2 && i + 2 < buf.length &&
        ((buf[i + 1] === 0x80 && buf[i + 2] >= 0xaa && buf[i + 2] <= 0xae) ||
         (buf[i + 1] === 0x81 && buf[i + 2] >= 0xa6 && buf[i + 2] <= 0xa9))) found.push(`bidi at ${i}`);
  }
  return found;
}

test('register and login save a private token; logout forgets it', { timeout: 60000 }, async () => {
  const srv = await server();
  const home = tmpHome();
  let r = await run(home, ['--server', srv.wsUrl, 'register', 'ana', '--team', 'sales',
    '--name', 'Ana Reyes', '--password-stdin'], { input: `${PASSWORD}\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /@ana \(Ana Reyes\)/);
  const dir = path.join(home, '.config', 'tandem');
  const file = path.join(dir, 'config');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'config file mode 0600');
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700, 'config dir mode 0700');
  const cfg = fs.readFileSync(file, 'utf8');
  assert.match(cfg, /^server = ws:\/\/127\.0\.0\.1:\d+\/ws$/m);
  assert.match(cfg, /^token = [A-Za-z0-9_-]{43}$/m);
  assert.ok(!r.stdout.includes(cfg.match(/^token = (.*)$/m)[1]), 'the token is never printed');

  // A second login in another HOME, server from the environment.
  const home2 = tmpHome();
  r = await run(home2, ['login', 'ana', '--password-stdin'], { input: `${PASSWORD}\n`, env: { TANDEM_SERVER: srv.wsUrl } });
  assert.equal(r.code, 0, r.stderr);
  const file2 = path.join(home2, '.config', 'tandem', 'config');
  assert.equal(fs.statSync(file2).mode & 0o777, 0o600);
  r = await run(home2, ['--json', 'users']);
  assert.equal(r.code, 0, r.stderr);
  const users = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(users.map((u) => u.handle), ['ana']);
  assert.equal(users[0].display_name, 'Ana Reyes');

  // XDG_CONFIG_HOME wins over HOME.
  const xdg = tmpHome();
  r = await run(tmpHome(), ['--server', srv.wsUrl, 'login', 'ana', '--password-stdin'],
    { input: `${PASSWORD}\n`, env: { XDG_CONFIG_HOME: xdg } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.statSync(path.join(xdg, 'tandem', 'config')).mode & 0o777, 0o600);

  // logout revokes the token on the server and removes it from the file.
  const token2 = fs.readFileSync(file2, 'utf8').match(/^token = (.*)$/m)[1];
  r = await run(home2, ['logout']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(fs.readFileSync(file2, 'utf8'), /token/);
  assert.equal(fs.statSync(file2).mode & 0o777, 0o600);
  const revoked = await resume(srv, token2);
  assert.equal(revoked.reply.error?.code, 'bad_token', 'the token was revoked');
  revoked.client.close();
  r = await run(home2, ['channels']);
  assert.equal(r.code, 3, 'no token: authentication error');
  // The first session is unaffected.
  r = await run(home, ['channels']);
  assert.equal(r.code, 0, r.stderr);
});

test('channels, create, join, post (argument and stdin), history --json', { timeout: 60000 }, async () => {
  const srv = await server();
  const ana = await cliUser(srv, 'ana');
  const ben = await registerUser(srv, { handle: 'ben' });

  let r = await run(ana.home, ['create', 'general', '--topic', 'All hands']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /created #general/);
  r = await run(ana.home, ['create', '#secret', '--private']);
  assert.equal(r.code, 0, r.stderr);

  // ben makes a channel; ana joins it by name.
  const deals = (await ben.client.ok('conv.create', { kind: 'channel', name: 'deals', topic: 'pipeline' })).conversation;
  r = await run(ana.home, ['--json', 'channels']);
  assert.equal(r.code, 0, r.stderr);
  let convs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const byName = new Map(convs.map((c) => [c.name, c]));
  assert.equal(byName.get('general').member, true);
  assert.equal(byName.get('general').topic, 'All hands');
  assert.equal(byName.get('secret').private, true);
  assert.equal(byName.get('deals').member, false);
  r = await run(ana.home, ['join', 'deals']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /joined #deals/);
  r = await run(ana.home, ['channels']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${deals.id}\\s+#deals\\s+yes\\s+pipeline$`, 'm'));
  r = await run(ana.home, ['join', 'deals']);
  assert.equal(r.code, 1, 'joining twice is a conflict');
  assert.match(r.stderr, /^tandem: conflict: /m);

  // Posts: an argument, stdin via "-", stdin without a text argument, by id.
  r = await run(ana.home, ['post', 'deals', 'hello from the argument']);
  assert.equal(r.code, 0, r.stderr);
  r = await run(ana.home, ['post', '#deals', '-'], { input: 'line one\nline two\n' });
  assert.equal(r.code, 0, r.stderr);
  r = await run(ana.home, ['post', 'deals'], { input: 'from stdin, no dash\n' });
  assert.equal(r.code, 0, r.stderr);
  r = await run(ana.home, ['--json', 'post', String(deals.id), 'by id']);
  assert.equal(r.code, 0, r.stderr);
  const posted = JSON.parse(r.stdout);
  assert.equal(posted.body, 'by id');
  assert.equal(posted.handle, 'ana');
  await ben.client.ok('msg.send', { conv: deals.id, body: 'ben was here', nonce: 'ben-1' });

  r = await run(ana.home, ['--json', 'history', 'deals']);
  assert.equal(r.code, 0, r.stderr);
  const msgs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(msgs.map((m) => m.body),
    ['hello from the argument', 'line one\nline two', 'from stdin, no dash', 'by id', 'ben was here']);
  assert.deepEqual(msgs.map((m) => m.handle), ['ana', 'ana', 'ana', 'ana', 'ben']);
  for (let i = 1; i < msgs.length; i++) assert.ok(msgs[i].id > msgs[i - 1].id, 'ascending ids');
  for (const m of msgs) {
    assert.equal(m.conv, deals.id);
    assert.equal(typeof m.created_at, 'number');
    assert.equal(m.deleted, false);
  }
  r = await run(ana.home, ['--json', 'history', 'deals', '--limit', '2']);
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l).body), ['by id', 'ben was here']);

  // Text history: one line per message, newlines shown inline.
  r = await run(ana.home, ['history', 'deals']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 5);
  assert.match(lines[0], /^\[\d\d:\d\d\] ana: hello from the argument$/);
  assert.match(lines[1], /^\[\d\d:\d\d\] ana: line one\u21b5line two$/);
  assert.match(lines[4], /^\[\d\d:\d\d\] ben: ben was here$/);

  // A direct message, and the dm shows up as @ben in channels.
  r = await run(ana.home, ['dm', 'ben', 'psst']);
  assert.equal(r.code, 0, r.stderr);
  r = await run(ana.home, ['history', '@ben']);
  assert.match(r.stdout, /ana: psst$/m);
  r = await run(ana.home, ['channels']);
  assert.match(r.stdout, /^\d+\s+@ben\s+yes/m);
  convs = (await run(ana.home, ['--json', 'channels'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
  const dm = convs.find((c) => c.kind === 'dm');
  assert.deepEqual([...dm.members].sort(), ['ana', 'ben']);
  ben.client.close();
});

test('a large history page arrives whole (reassembled fragments)', { timeout: 60000 }, async () => {
  const srv = await server();
  const ana = await cliUser(srv, 'ana');
  assert.equal((await run(ana.home, ['create', 'big'])).code, 0);
  const ben = await registerUser(srv, { handle: 'ben' });
  const big = (await ben.client.ok('conv.list')).conversations.find((c) => c.name === 'big');
  await ben.client.ok('conv.join', { conv: big.id });
  const bodies = [];
  for (let i = 0; i < 40; i++) {
    // 16384 bytes, multi-byte characters included.
    const body = `${i}:` + 'é'.repeat(4000) + 'x'.repeat(16384 - 8000 - `${i}:`.length);
    bodies.push(body);
    await ben.client.ok('msg.send', { conv: big.id, body, nonce: `big-${i}` });
  }
  const r = await run(ana.home, ['--json', 'history', 'big', '--limit', '200']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l).body), bodies);
  ben.client.close();
});

test('tail follows live messages and resumes after kill -9 without loss or duplicates', { timeout: 90000 }, async () => {
  let srv = await server();
  const ana = await cliUser(srv, 'ana');
  let r = await run(ana.home, ['create', 'ops']);
  assert.equal(r.code, 0, r.stderr);
  r = await run(ana.home, ['post', 'ops', 'before tail']);
  assert.equal(r.code, 0, r.stderr);
  const ben = await registerUser(srv, { handle: 'ben' });
  const list = await ben.client.ok('conv.list');
  const ops = list.conversations.find((c) => c.name === 'ops');
  await ben.client.ok('conv.join', { conv: ops.id });

  const tail = spawnTail(ana.home, ['tail', 'ops']);
  await tail.waitFor((s) => s.includes('ana: before tail'), 15000, 'history');
  await sleep(300);
  await ben.client.ok('msg.send', { conv: ops.id, body: 'live from ben', nonce: 'ben-live-1' });
  await tail.waitFor((s) => s.includes('ben: live from ben'), 15000, 'the live message');

  // Crash the server; restart it on the same data directory and port.
  ben.client.terminate();
  const { dataDir, port } = srv;
  await srv.kill9();
  srv = await server({ dataDir, port });
  const ben2 = await resume(srv, ben.token);
  assert.ok(ben2.reply.result, JSON.stringify(ben2.reply));
  await ben2.client.ok('msg.send', { conv: ops.id, body: 'after the crash', nonce: 'ben-live-2' });
  await tail.waitFor((s) => s.includes('ben: after the crash'), 30000, 'the message posted after the restart');
  // Another one once the tail has surely reconnected: the live path.
  await sleep(1500);
  await ben2.client.ok('msg.send', { conv: ops.id, body: 'and one more', nonce: 'ben-live-3' });
  await tail.waitFor((s) => s.includes('ben: and one more'), 15000, 'the last message');
  await sleep(500);

  const out = tail.text();
  for (const body of ['ana: before tail', 'ben: live from ben', 'ben: after the crash', 'ben: and one more'])
    assert.equal(count(out, body), 1, `"${body}" printed exactly once:\n${out}`);
  const lines = out.trimEnd().split('\n');
  assert.equal(lines.length, 4, out);
  for (const l of lines) assert.match(l, /^\[\d\d:\d\d\] (ana|ben): /);
  assert.match(tail.stderr, /reconnect/);
  // Logging out elsewhere revokes the token: the tail ends with status 3
  // (and, exiting normally, passes the leak check).
  const r2 = await run(ana.home, ['logout']);
  assert.equal(r2.code, 0, r2.stderr);
  const { code } = await tail.exited;
  assert.equal(code, 3, tail.stderr);
  assertNoSanitizer(tail.stderr);
  ben2.client.close();
});

test('tail catches up through history when the server says resync', { timeout: 90000 }, async () => {
  let srv = await server();
  const ana = await cliUser(srv, 'ana');
  assert.equal((await run(ana.home, ['create', 'busy'])).code, 0);
  assert.equal((await run(ana.home, ['post', 'busy', 'm0'])).code, 0);
  const tail = spawnTail(ana.home, ['tail', 'busy']);
  await tail.waitFor((s) => s.includes('ana: m0'), 15000, 'history');
  // Freeze the tail, crash the server, restart it keeping only 3 events,
  // and post more than that: the tail's resume point is gone.
  tail.proc.kill('SIGSTOP');
  const { dataDir, port } = srv;
  await srv.kill9();
  srv = await server({ dataDir, port, args: ['--open-registration', '--event-retention', '3'] });
  const ben = await registerUser(srv, { handle: 'ben' });
  const busy = (await ben.client.ok('conv.list')).conversations.find((c) => c.name === 'busy');
  await ben.client.ok('conv.join', { conv: busy.id });
  for (let i = 1; i <= 12; i++) await ben.client.ok('msg.send', { conv: busy.id, body: `m${i}`, nonce: `r${i}` });
  tail.proc.kill('SIGCONT');
  await tail.waitFor((s) => s.includes('ben: m12'), 30000, 'the catch-up');
  assert.match(tail.stderr, /catching up from history/, 'the server answered resync');
  await ben.client.ok('msg.send', { conv: busy.id, body: 'live again', nonce: 'r-live' });
  await tail.waitFor((s) => s.includes('ben: live again'), 15000, 'a live message after the resync');
  await sleep(300);
  const bodies = tail.text().trimEnd().split('\n').map((l) => l.replace(/^\[\d\d:\d\d\] \w+: /, ''));
  assert.deepEqual(bodies, ['m0', ...Array.from({ length: 12 }, (_, i) => `m${i + 1}`), 'live again']);
  tail.proc.kill('SIGTERM');
  await tail.exited;
  ben.client.close();
});

test('tail --json prints one JSON object per line', { timeout: 60000 }, async () => {
  const srv = await server();
  const ana = await cliUser(srv, 'ana');
  assert.equal((await run(ana.home, ['create', 'news'])).code, 0);
  assert.equal((await run(ana.home, ['post', 'news', 'old news'])).code, 0);
  const tail = spawnTail(ana.home, ['--json', 'tail', '#news']);
  await tail.waitFor((s) => s.includes('old news'), 15000, 'history');
  assert.equal((await run(ana.home, ['post', 'news', 'fresh\tnews'])).code, 0);
  await tail.waitFor((s) => s.includes('fresh'), 15000, 'the live message');
  const objs = tail.text().trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(objs.map((o) => o.body), ['old news', 'fresh\tnews']);
  assert.deepEqual(objs.map((o) => o.handle), ['ana', 'ana']);
  tail.proc.kill('SIGTERM');
  await tail.exited;
});

test('exit statuses: usage 2, authentication 3, not found 4, network 5', { timeout: 60000 }, async () => {
  const srv = await server();
  const ana = await cliUser(srv, 'ana');
  let r;

  for (const args of [[], ['post'], ['bogus'], ['--bogus', 'channels'], ['history', 'x', '--limit', '0'],
    ['channels', 'extra'], ['create', 'x', '--topic'], ['register', 'zed', '--team', 'pirates', '--password-stdin']]) {
    r = await run(ana.home, args, { input: `${PASSWORD}\n` });
    assert.equal(r.code, 2, `tandem ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^tandem: usage: /m);
  }
  r = await run(ana.home, ['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Exit status/);

  r = await run(tmpHome(), ['--server', srv.wsUrl, 'login', 'ana', '--password-stdin'], { input: 'wrong password here\n' });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^tandem: invalid_credentials: /m);
  r = await run(ana.home, ['--token', 'A'.repeat(43), 'channels']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^tandem: bad_token: /m);

  r = await run(ana.home, ['history', 'nosuchchannel']);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /^tandem: not_found: /m);
  r = await run(ana.home, ['post', '#nosuchchannel', 'hi']);
  assert.equal(r.code, 4, r.stderr);
  r = await run(ana.home, ['history', '999999']);
  assert.equal(r.code, 4, r.stderr);
  r = await run(ana.home, ['dm', 'nobody', 'hi']);
  assert.equal(r.code, 4, r.stderr);
  // Arguments echoed in error messages are sanitized too: invalid UTF-8
  // becomes U+FFFD, ESC a visible escape.
  const sh = spawnSync('sh', ['-c', `"$0" history "$(printf 'x\\377\\033[2Jy')"`, TANDEM],
    { env: clientEnv(ana.home) });
  assert.equal(sh.status, 4, String(sh.stderr));
  assert.deepEqual(dangerousBytes(sh.stderr), []);
  assert.ok(!sh.stderr.includes(0xff), 'no invalid UTF-8 on stderr');
  assert.match(String(sh.stderr), /no channel #x\ufffd\\x1b\[2Jy/);

  await stopServer(srv);
  r = await run(ana.home, ['channels']);
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stderr, /^tandem: network: /m);
  r = await run(ana.home, ['post', 'general', 'hi']);
  assert.equal(r.code, 5, r.stderr);
});

const CORPUS = [
  'clear \x1b[2J screen',
  'osc52 \x1b]52;c;SGVsbG8gd29ybGQ=\x07 clipboard',
  'dcs \x1bP1$r0m\x1b\\ end',
  'c1 csi \u009b31m red \u0085 nel',
  'bidi \u202eevil\u202c text',
  'isolate \u2066x\u2069 and \u202a\u202b\u202d',
  'del \x7f char',
  'title \x1b]0;pwned\x1b\\ bell\x07',
];

test('history shows an escape-sequence corpus from another user inertly', { timeout: 60000 }, async () => {
  const srv = await server();
  const ana = await cliUser(srv, 'ana');
  assert.equal((await run(ana.home, ['create', 'hostile'])).code, 0);
  const mal = await registerUser(srv, { handle: 'mallory' });
  const conv = (await mal.client.ok('conv.list')).conversations.find((c) => c.name === 'hostile');
  await mal.client.ok('conv.join', { conv: conv.id });
  let accepted = 0;
  for (const [i, body] of CORPUS.entries()) {
    const reply = await mal.client.request('msg.send', { conv: conv.id, body, nonce: `corpus-${i}` });
    if (reply.result) accepted++;
  }
  // The server refuses control characters in bodies; bidi controls are
  // text and get through. Either way nothing may reach the terminal raw.
  assert.ok(accepted >= 1, 'at least the bidi bodies are stored');
  for (const args of [['history', 'hostile'], ['--json', 'history', 'hostile'], ['users'], ['channels']]) {
    const r = await run(ana.home, args);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(dangerousBytes(r.out), [], `tandem ${args.join(' ')} printed raw control bytes`);
  }
  const r = await run(ana.home, ['history', 'hostile']);
  assert.match(r.stdout, /bidi \\u202eevil\\u202c text/);
  mal.client.close();
});

// A scripted stand-in for tandemd: onRequest(ws, req, conn) answers each
// request; conn counts connections from 1.
async function fakeServer(onRequest) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws', handleProtocols: () => 'tandem.v1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  let conns = 0;
  wss.on('connection', (ws) => {
    const conn = ++conns;
    ws.on('message', (data) => onRequest(ws, JSON.parse(String(data)), conn));
  });
  return {
    url: `ws://127.0.0.1:${wss.address().port}/ws`,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

const fakeUser = { id: 1, handle: 'ana', display_name: 'Ana', team: 'sales', role: 'member' };
const fakeConv = { id: 7, kind: 'channel', name: 'gen', topic: '', private: false, archived: false,
  created_by: 1, created_at: 1763870000000, last_message_id: 0, member_count: 1, member: true };

test('post retries once on a lost connection, with the same nonce', { timeout: 30000 }, async () => {
  const sends = [];
  const fake = await fakeServer((ws, req, conn) => {
    const reply = (result) => ws.send(JSON.stringify({ id: req.id, result }));
    if (req.op === 'hello') return reply({ head: 0, user: fakeUser });
    if (req.op === 'conv.list') return reply({ conversations: [fakeConv] });
    if (req.op === 'msg.send') {
      sends.push({ conn, nonce: req.nonce, body: req.body });
      // The first attempt is "stored" but the connection dies before the reply.
      if (conn === 1) return ws.terminate();
      return reply({ message: { id: 1, conv: 7, author: 1, body: req.body, nonce: req.nonce,
        created_at: 1763870000000, edited_at: 0, deleted: false } });
    }
    return ws.send(JSON.stringify({ id: req.id, error: { code: 'unknown_op', message: 'no' } }));
  });
  try {
    const r = await run(tmpHome(), ['--server', fake.url, '--token', 'A'.repeat(43), '--json', 'post', 'gen', 'retry me']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).body, 'retry me');
    assert.equal(sends.length, 2, 'one retry');
    assert.deepEqual(sends.map((x) => x.conn), [1, 2], 'the retry uses a new connection');
    assert.equal(sends[0].nonce, sends[1].nonce, 'the retry carries the same nonce');
    assert.match(sends[0].nonce, /^[\x21-\x7e]{1,64}$/);
  } finally {
    await fake.close();
  }
  // Two posts get two different nonces.
  const nonces = [];
  const fake2 = await fakeServer((ws, req) => {
    const reply = (result) => ws.send(JSON.stringify({ id: req.id, result }));
    if (req.op === 'hello') return reply({ head: 0, user: fakeUser });
    if (req.op === 'conv.list') return reply({ conversations: [fakeConv] });
    nonces.push(req.nonce);
    return reply({ message: { id: nonces.length, conv: 7, author: 1, body: req.body, nonce: req.nonce,
      created_at: 0, edited_at: 0, deleted: false } });
  });
  try {
    for (let i = 0; i < 2; i++) {
      const r = await run(tmpHome(), ['--server', fake2.url, '--token', 'A'.repeat(43), 'post', 'gen', 'x']);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal(nonces.length, 2);
    assert.notEqual(nonces[0], nonces[1]);
  } finally {
    await fake2.close();
  }
});

test('wss: a self-signed certificate needs --insecure', { timeout: 60000 }, async (t) => {
  const dir = tmpHome();
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key,
    '-out', cert, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  if (gen.status !== 0) return t.skip('openssl is not available');
  const srv = await server({ args: ['--open-registration', '--tls-cert', cert, '--tls-key', key] });
  assert.match(srv.wsUrl, /^wss:/);
  const home = tmpHome();
  let r = await run(home, ['--server', srv.wsUrl, 'register', 'ana', '--team', 'other', '--password-stdin'],
    { input: `${PASSWORD}\n` });
  assert.equal(r.code, 5, 'an unverifiable certificate is refused');
  assert.match(r.stderr, /--insecure/);
  r = await run(home, ['--insecure', '--server', srv.wsUrl, 'register', 'ana', '--team', 'other', '--password-stdin'],
    { input: `${PASSWORD}\n` });
  assert.equal(r.code, 0, r.stderr);
  // login remembered --insecure for this server.
  r = await run(home, ['create', 'tls-room']);
  assert.equal(r.code, 0, r.stderr);
  r = await run(home, ['--json', 'channels']);
  assert.equal(JSON.parse(r.stdout.trim()).name, 'tls-room');
});

// A fake server that sends what the real one refuses to store: raw escape
// sequences, C1 and bidi controls in every text field the client prints.
test('a hostile server cannot reach the terminal', { timeout: 60000 }, async () => {
  const evil = CORPUS.join(' | ');
  const user = { ...fakeUser, display_name: 'Ana \x1b[2J\u009b\u202e\x07', role: 'admin', online: true };
  const conv = { ...fakeConv, topic: evil, last_message_id: CORPUS.length };
  const messages = CORPUS.map((body, i) => ({ id: i + 1, conv: 7, author: 1, body, nonce: `n${i}`,
    created_at: 1763870000000 + i, edited_at: 0, deleted: false }));
  const fake = await fakeServer((ws, req) => {
    const reply = (result) => ws.send(JSON.stringify({ id: req.id, result }));
    const error = (code, message) => ws.send(JSON.stringify({ id: req.id, error: { code, message } }));
    switch (req.op) {
      case 'hello': return reply({ protocol: 'tandem.v1', server: evil, head: 10, user });
      case 'user.list': return reply({ users: [user] });
      case 'conv.list': return reply({ conversations: [conv] });
      case 'conv.get': return reply({ conversation: conv, members: [1] });
      case 'msg.history': return reply({ messages, more: false });
      case 'msg.send': return error('forbidden', `nope ${evil}`);
      default: return error(`weird\x1b[31m${evil}`, evil);
    }
  });
  const home = tmpHome();
  const base = ['--server', fake.url, '--token', 'A'.repeat(43)];
  try {
    for (const args of [['history', 'gen'], ['history', '7'], ['channels'], ['users'], ['--json', 'channels'],
      ['--json', 'users'], ['post', 'gen', 'hi'], ['join', 'gen']]) {
      const r = await run(home, [...base, ...args]);
      assert.equal(r.code, ['post', 'join'].includes(args[0]) ? 1 : 0, r.stderr);
      assert.deepEqual(dangerousBytes(r.out), [], `stdout of tandem ${args.join(' ')}`);
      assert.deepEqual(dangerousBytes(Buffer.from(r.stderr, 'utf8')), [], `stderr of tandem ${args.join(' ')}`);
    }
    // --json stays lossless: the escapes decode back to the original text.
    const r = await run(home, [...base, '--json', 'history', 'gen']);
    assert.deepEqual(dangerousBytes(r.out), []);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l).body), CORPUS);
  } finally {
    await fake.close();
  }
});

// The interactive mode (`tandem` with no command) in a real terminal:
// tmux at 80x24 against the real tandemd. The first scenario walks through
// it: log in, conversation list with unread counts (at start and live),
// switch (the read marker moves on the server), post (the server stores
// it), another user's message arrives live, colours, a thread opened and
// answered, the requests queue, the feedback inbox, my buddy, wide
// characters kept aligned, a resize to 120x40 and back, help, paging to
// older messages, tab completion, Alt+Up/Down, and a server restart during
// which a post waits in the outbox and is then delivered exactly once.
// Then: bad and revoked tokens (exit status 3), the config file and a
// terminal without colours, and a burst of posts over the server's rate
// limit that the outbox retries until each is stored once; and events
// missed while away, replayed by resume or, past the server's retention,
// refetched after a resync.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, registerUser, resume, sleep } from '../lib/server.js';
import { Tmux, displayWidth } from './tmux.js';

const cleanups = [];
after(async () => { for (const f of cleanups.reverse()) await f(); });

function assertNoSanitizer(stderr) {
  assert.doesNotMatch(stderr, /AddressSanitizer|LeakSanitizer|runtime error:/, stderr);
}

// Every row of the screen fits the terminal and the column rule stays put.
function assertAligned(screen, cols, rule) {
  const rows = screen.split('\n').filter((r, i, a) => i < a.length - 1);
  for (const r of rows) assert.ok(displayWidth(r) <= cols, `row wider than ${cols}: ${r}`);
  const body = rows.slice(0, rows.length - 2);
  for (const r of body) {
    const chars = [...r];
    assert.equal(chars[rule], '\u2502', `column rule not at ${rule} in: ${r}`);
  }
}

test('interactive mode end to end at 80x24', { timeout: 120000 }, async () => {
  let srv = await startServer({ args: ['--open-registration'] });
  cleanups.push(async () => { await srv.stop(); fs.rmSync(srv.dataDir, { recursive: true, force: true }); });
  const ana = await registerUser(srv, { handle: 'ana', team: 'sales' }); // admin
  const mia = await registerUser(srv, { handle: 'mia', team: 'marketing' });
  const general = (await ana.client.ok('conv.create', { name: 'general', kind: 'channel' })).conversation.id;
  const random = (await ana.client.ok('conv.create', { name: 'random', kind: 'channel' })).conversation.id;
  await mia.client.ok('conv.join', { conv: general });
  await mia.client.ok('conv.join', { conv: random });
  await mia.client.ok('msg.send', { conv: random, body: 'first unread', nonce: 'u1' });
  await mia.client.ok('msg.send', { conv: random, body: 'second unread', nonce: 'u2' });

  const tm = new Tmux({ server: srv.wsUrl, token: ana.token });
  cleanups.push(() => tm.kill());

  // Log in: the list shows both channels, #random with its two unread.
  let s = await tm.waitFor(/#random +\(2\)/, 'unread count on #random');
  assert.match(s, /online @ana/);
  assert.match(s, /#general/);

  // Switch conversation: the messages show and the unread count clears,
  // on screen and on the server (the read marker moved).
  tm.keys('C-n');
  s = await tm.waitFor('second unread', 'messages of #random');
  assert.match(s, /first unread/);
  await tm.waitFor((x) => !/#random +\(2\)/.test(x), 'unread count cleared');
  const counts = async () => (await ana.client.ok('unread.counts')).counts.find((c) => c.conv === random);
  for (let i = 0; (await counts()).unread !== 0; i++) { assert.ok(i < 50, 'read marker never moved'); await sleep(100); }

  // Post: the server stores it, with a nonce from the outbox.
  tm.type('hello from the terminal');
  tm.keys('Enter');
  const posted = await mia.client.waitEvent((e) => e.event === 'message.new' && e.data.message.body === 'hello from the terminal', 10000);
  assert.equal(posted.data.message.conv, random);
  assert.match(posted.data.message.nonce, /^tui-/);
  await tm.waitFor(/ana: hello from the terminal/);

  // Another user's message arrives live.
  await mia.client.ok('msg.send', { conv: random, body: 'live from mia', nonce: 'l1' });
  await tm.waitFor('mia: live from mia', 'a live message');
  // ... and one in another conversation counts as unread there.
  await mia.client.ok('msg.send', { conv: general, body: 'meanwhile in general', nonce: 'g1' });
  await tm.waitFor(/#general +\(1\)/, 'a live unread count');
  // Colours where the terminal has them: the time in yellow.
  assert.match(tm.screen(true), /\x1b\[33m\d\d:\d\d/);

  // A thread: select the root (Shift+Up), open it (Enter), reply.
  const root = (await mia.client.ok('msg.send', { conv: random, body: 'thread root here', nonce: 't1' })).message.id;
  await mia.client.ok('msg.send', { conv: random, body: 'first reply', nonce: 't2', thread: root });
  await tm.waitFor('1 reply', 'the thread count under the root');
  tm.keys('S-Up');
  tm.keys('Enter');
  s = await tm.waitFor('first reply', 'the thread view');
  assert.match(s, /Thread \(Esc back\)/);
  tm.type('my reply in the thread');
  tm.keys('Enter');
  const reply = await mia.client.waitEvent((e) => e.event === 'message.new' && e.data.message.body === 'my reply in the thread', 10000);
  assert.equal(reply.data.message.thread, root);
  await tm.waitFor('ana: my reply in the thread');
  tm.keys('Escape');
  await tm.waitFor((x) => x.includes('2 replies') && !x.includes('Thread (Esc'), 'back in the chat');

  // The requests queue (F2) and the feedback inbox (F3).
  await ana.client.ok('request.create', { kind: 'battle_card', title: 'Battle card vs Globex', body: 'We keep losing to Globex.' });
  await ana.client.ok('feedback.create', { kind: 'objection', title: 'Price too high for SMB', body: 'SMB customers balk at the price.' });
  tm.keys('F2');
  s = await tm.waitFor('Battle card vs Globex', 'the requests queue');
  assert.match(s, /Requests queue/);
  assert.match(s, /battle_card/);
  tm.keys('Escape');
  tm.keys('F3');
  s = await tm.waitFor('Price too high for SMB', 'the feedback inbox');
  assert.match(s, /Feedback inbox/);
  tm.keys('Escape');

  // My buddy (F4), then Enter opens our dm.
  await ana.client.ok('pair.create', { rep: ana.user.id, marketer: mia.user.id });
  tm.keys('F4');
  s = await tm.waitFor('Buddy: @mia', 'my buddy');
  tm.keys('Enter');
  await tm.waitFor((x) => /\| @mia/.test(x), 'the buddy dm opened');

  // Wide characters stay aligned, also when wrapped.
  tm.keys('Escape');
  tm.type('/go #general');
  tm.keys('Enter');
  await tm.waitFor(/\| #general/);
  const wide = '漢字テスト🎉'.repeat(12);
  await mia.client.ok('msg.send', { conv: general, body: `wide ${wide} end`, nonce: 'w1' });
  s = await tm.waitFor(' end', 'the wide message');
  assertAligned(s, 80, 20);
  assert.match(s, /mia: wide 漢字テスト🎉/);

  // Resize to 120x40 and back: the layout follows.
  tm.resize(120, 40);
  s = await tm.waitFor((x) => /online @ana/.test(x.split('\n')[38] || '') && x.split('\n').slice(0, 38).every((r) => [...r][24] === '\u2502'), 'the 120x40 layout');
  assertAligned(s, 120, 24);
  tm.resize(80, 24);
  s = await tm.waitFor((x) => /online @ana/.test(x.split('\n')[22] || '') && x.split('\n').slice(0, 22).every((r) => [...r][20] === '\u2502'), 'the 80x24 layout');
  assertAligned(s, 80, 20);

  // The help overlay (F1), then PgUp loads older pages of a long channel.
  tm.keys('F1');
  await tm.waitFor('Ctrl+N / Ctrl+P', 'the help');
  tm.keys('Escape');
  const longConv = (await ana.client.ok('conv.create', { name: 'long', kind: 'channel' })).conversation.id;
  const { client: poster } = await resume(srv, ana.token);
  for (let i = 1; i <= 55; i++) await poster.ok('msg.send', { conv: longConv, body: `long message ${i} .`, nonce: `long${i}` });
  poster.close();
  await tm.waitFor(/#long/, 'the new channel in the list');
  tm.type('/go #long');
  tm.keys('Enter');
  s = await tm.waitFor('long message 55 .', 'the newest page');
  assert.doesNotMatch(s, /long message 1 \./);
  for (let i = 0; i < 5; i++) tm.keys('PPage');
  s = await tm.waitFor('(start of the conversation)', 'older pages loaded');
  assert.match(s, /long message 1 \./);
  tm.keys('NPage', 'NPage', 'NPage', 'NPage', 'NPage');
  await tm.waitFor('long message 55 .', 'back at the newest');

  // Tab completes a channel in /go.
  tm.type('/go #ra');
  tm.keys('Tab');
  await tm.waitFor('> /go #random');
  tm.keys('Enter');
  await tm.waitFor(/\| #random/);
  // ... and a handle anywhere in a line; Alt+Up/Down switch conversations.
  tm.type('hi @mi');
  tm.keys('Tab');
  await tm.waitFor('> hi @mia');
  tm.keys('C-u');
  tm.keys('M-Up');
  await tm.waitFor(/\| #long/);
  tm.keys('M-Down');
  await tm.waitFor(/\| #random/);

  // Server restart: offline, a post waits as pending, then is delivered once.
  const { port, dataDir } = srv;
  await srv.stop();
  await tm.waitFor('offline', 'the offline status');
  tm.type('posted while down');
  tm.keys('Enter');
  await tm.waitFor('(pending)', 'the pending post');
  srv = await startServer({ args: ['--open-registration'], port, dataDir });
  await tm.waitFor((x) => /online @ana/.test(x) && /ana: posted while down/.test(x) && !x.includes('(pending)'), 'reconnected and delivered', 20000);
  const { client: check } = await resume(srv, ana.token);
  const hist = await check.ok('msg.history', { conv: random, limit: 50 });
  assert.equal(hist.messages.filter((m) => m.body === 'posted while down').length, 1);
  check.close();

  // Ctrl+C restores the terminal and exits 0.
  tm.keys('C-c');
  assert.equal(await tm.waitExit(), 0);
  assertNoSanitizer(tm.stderr());
});

test('without a token the interactive mode says how to log in', { timeout: 30000 }, async () => {
  const tm = new Tmux({ server: 'ws://127.0.0.1:9/ws', token: '' });
  cleanups.push(() => tm.kill());
  assert.equal(await tm.waitExit(), 3);
  assert.match(tm.stderr(), /not logged in/);
});

test('a bad token, and a token revoked while running, end with the auth status', { timeout: 60000 }, async () => {
  const srv = await startServer({ args: ['--open-registration'] });
  cleanups.push(async () => { await srv.stop(); fs.rmSync(srv.dataDir, { recursive: true, force: true }); });
  const bad = new Tmux({ server: srv.wsUrl, token: 'A'.repeat(43) });
  cleanups.push(() => bad.kill());
  assert.equal(await bad.waitExit(), 3);
  assert.match(bad.stderr(), /bad_token/);

  const ana = await registerUser(srv, { handle: 'ana' });
  // From the config file, on a terminal without colours: none are used,
  // the status line is in reverse video.
  const tm = new Tmux({ server: srv.wsUrl, token: ana.token, config: true, env: { TERM: 'vt100' } });
  cleanups.push(() => tm.kill());
  await tm.waitFor('online @ana');
  const plain = tm.screen(true);
  assert.doesNotMatch(plain, /\x1b\[(?:[0-9;]*;)?(?:3[0-7]|4[0-7]|38;5;\d+)m/);
  assert.match(plain, /\x1b\[7m\x0f? online @ana/);
  await ana.client.ok('logout');
  assert.equal(await tm.waitExit(), 3, tm.stderr());
  assert.match(tm.stderr(), /ended the session/);
  assertNoSanitizer(tm.stderr());
});

test('a burst of posts over the rate limit is stored exactly once each', { timeout: 60000 }, async () => {
  const srv = await startServer({ args: ['--open-registration'] });
  cleanups.push(async () => { await srv.stop(); fs.rmSync(srv.dataDir, { recursive: true, force: true }); });
  const ana = await registerUser(srv, { handle: 'ana' });
  const conv = (await ana.client.ok('conv.create', { name: 'burst', kind: 'channel' })).conversation.id;
  const tm = new Tmux({ server: srv.wsUrl, token: ana.token });
  cleanups.push(() => tm.kill());
  await tm.waitFor(/online @ana \| #burst/);
  const N = 90;
  const keys = [];
  for (let i = 1; i <= N; i++) keys.push(`burst-${i}`, 'Enter');
  tm.keys(...keys);
  // Refused posts (rate_limited) wait in the outbox and go again.
  await tm.waitFor((x) => x.includes(`ana: burst-${N}`) && !x.includes('pending'), 'every post delivered', 30000);
  const hist = await ana.client.ok('msg.history', { conv, limit: 200 });
  const bodies = hist.messages.map((m) => m.body);
  for (let i = 1; i <= N; i++) assert.equal(bodies.filter((b) => b === `burst-${i}`).length, 1, `burst-${i}`);
  tm.keys('C-c');
  assert.equal(await tm.waitExit(), 0);
  assertNoSanitizer(tm.stderr());
});

// Events missed while the client was away reach it by resume (replayed
// after its last seq) or, beyond the server's retention, by a resync that
// refetches; either way each message shows once. The client is stopped
// (SIGSTOP) across a server restart so that it cannot see the events live.
test('resume replays missed events once; past retention it resyncs', { timeout: 90000 }, async () => {
  const args = ['--open-registration'];
  let srv = await startServer({ args });
  cleanups.push(async () => { await srv.stop(); fs.rmSync(srv.dataDir, { recursive: true, force: true }); });
  const ana = await registerUser(srv, { handle: 'ana' });
  const mia = await registerUser(srv, { handle: 'mia', team: 'marketing' });
  const conv = (await ana.client.ok('conv.create', { name: 'gap', kind: 'channel' })).conversation.id;
  await mia.client.ok('conv.join', { conv });
  ana.client.close();
  mia.client.close();
  const tm = new Tmux({ server: srv.wsUrl, token: ana.token });
  cleanups.push(() => tm.kill());
  await tm.waitFor(/online @ana \| #gap/);
  const pid = tm.pid();

  // While the client is away, the server restarts (keeping `retention`
  // events for resume) and mia posts.
  async function away(bodies, retention) {
    process.kill(pid, 'SIGSTOP');
    const { port, dataDir } = srv;
    await srv.stop();
    srv = await startServer({ args: [...args, '--event-retention', String(retention)], port, dataDir });
    const { client } = await resume(srv, mia.token);
    for (const [i, body] of bodies.entries()) await client.ok('msg.send', { conv, body, nonce: `${body}-${i}` });
    client.close();
    process.kill(pid, 'SIGCONT');
  }
  const once = (s, text) => s.split(text).length - 1 === 1;

  await away(['gap-a1', 'gap-a2'], 100000);
  let s = await tm.waitFor((x) => x.includes('mia: gap-a2') && /online @ana/.test(x), 'the replayed messages', 20000);
  assert.ok(once(s, 'gap-a1') && once(s, 'gap-a2'), s);

  const many = Array.from({ length: 8 }, (_, i) => `gap-b${i + 1}`);
  await away(many, 3);
  s = await tm.waitFor((x) => x.includes('mia: gap-b8') && /online @ana/.test(x), 'the messages after a resync', 20000);
  for (const b of many) assert.ok(once(s, `mia: ${b}\n`) || once(s, `mia: ${b} `), `${b} once:\n${s}`);
  assert.ok(once(s, 'gap-a1'), s);
  tm.keys('C-c');
  assert.equal(await tm.waitExit(), 0);
  assertNoSanitizer(tm.stderr());
});

// What the terminal client shows is inert, whatever the server sends. The
// real tandemd refuses control characters in most text, so a hostile fake
// server (ws) sends an escape-sequence corpus (CSI, OSC title and OSC 52
// clipboard, DCS, C1 code points, bidi overrides and isolates, C0) as
// message bodies, handles, display names, channel names and topics,
// request and feedback titles. The interactive mode runs in tmux: the
// corpus shows as visible escapes, and the terminal's state is untouched
// (no title change, no clipboard buffer, no screen clear, no colour from
// the corpus). The one-shot `history` output goes through the same checks.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { TANDEM } from '../lib/server.js';
import { Tmux } from './tmux.js';

const CORPUS = [
  'clear \x1b[2J\x1b[H screen',
  'red \x1b[31mRED\x1b[41m',
  'title \x1b]0;pwned\x07 bell',
  'title2 \x1b]2;pwned2\x1b\\ st',
  'osc52 \x1b]52;c;cHduZWQ=\x07 clip',
  'dcs \x1bP1$r0m\x1b\\ end',
  'c1 \u009b31m csi \u009d0;pwned3\u009c',
  'bidi \u202eevil\u202c \u2066iso\u2069',
  'c0 \x07\x08\r\x0e\x7f done',
];
const EVIL = CORPUS.join(' | ');
// Nothing a terminal would interpret: C0 but \n, DEL, C1, bidi controls.
const DANGEROUS = /[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]/u;

const cleanups = [];
after(async () => { for (const f of cleanups.reverse()) await f(); });

const me = { id: 1, handle: 'ana', display_name: 'Ana', team: 'sales', role: 'member' };
const evilUser = { id: 2, handle: 'ev\x1b[31mil\u202e', display_name: `Eve ${EVIL}`, team: 'marketing', role: 'member' };
const conv = { id: 7, kind: 'channel', name: 'gen\x1b[2J\u009b', topic: EVIL, private: false, archived: false,
  created_by: 1, created_at: 1763870000000, last_message_id: CORPUS.length, member_count: 2, member: true };
const reqConv = { ...conv, id: 8, kind: 'request', name: '', topic: `req ${EVIL}` };
const messages = CORPUS.map((body, i) => ({ id: i + 1, conv: 7, author: 2, body, nonce: `n${i}`,
  created_at: 1763870000000 + i, edited_at: 0, deleted: false, thread: 0, reply_count: 0, participants: [], reactions: [] }));

// A fake tandemd: answers the ops the client uses with the corpus.
async function fakeServer() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws', handleProtocols: () => 'tandem.v1' });
  const sockets = new Set();
  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('message', (data) => {
      const req = JSON.parse(String(data));
      const reply = (result) => ws.send(JSON.stringify({ id: req.id, result }));
      switch (req.op) {
        case 'hello': return reply({ protocol: 'tandem.v1', head: 0, user: me });
        case 'user.list': return reply({ users: [me, evilUser] });
        case 'conv.list': return reply({ conversations: [conv, reqConv] });
        case 'conv.get': return reply({ conversation: conv, members: [1, 2] });
        case 'unread.counts': return reply({ counts: [{ conv: 7, thread: 0, last_read: 0, unread: 3, mentions: 0 }] });
        case 'msg.history': return reply({ messages: req.conv === 7 ? messages : [], more: false });
        case 'conv.read': return reply({ conv: req.conv, thread: 0, last_read: req.message, unread: 0, mentions: 0 });
        case 'request.list': return reply({ requests: [{ id: 3, conv: 8, kind: 'deck', title: `T ${EVIL}`, status: 'new', requester: 2, assignee: 0 }], more: false });
        case 'feedback.list': return reply({ feedback: [{ id: 4, conv: 9, kind: 'objection', title: `F ${EVIL}`, status: 'new', votes: 1 }], more: false });
        case 'buddy.get': return reply({ pair: { id: 1, rep: 1, marketer: 2, conv: 7 }, buddies: [evilUser], conv: 7, streak: 1, today: true });
        default: return ws.send(JSON.stringify({ id: req.id, error: { code: 'bad_request', message: `no \x1b[2J ${req.op}` } }));
      }
    });
  });
  await new Promise((r) => wss.on('listening', r));
  return {
    url: `ws://127.0.0.1:${wss.address().port}/ws`,
    push: (event, data) => { for (const ws of sockets) ws.send(JSON.stringify({ event, seq: 100, data })); },
    close: () => new Promise((r) => { for (const ws of sockets) ws.terminate(); wss.close(r); }),
  };
}

function assertInert(screen, where) {
  assert.doesNotMatch(screen, DANGEROUS, `a control reached the screen in ${where}:\n${screen}`);
}

test('the interactive mode shows the corpus inert and leaves the terminal alone', { timeout: 60000 }, async () => {
  const fake = await fakeServer();
  cleanups.push(() => fake.close());
  const tm = new Tmux({ server: fake.url, token: 'A'.repeat(43) });
  cleanups.push(() => tm.kill());

  let s = await tm.waitFor('c0 ', 'the corpus in the message pane');
  const title = tm.title();
  assertInert(s, 'the chat');
  // Visible, inert forms of what was sent.
  assert.ok(s.includes('\\x1b[2J'), s);
  assert.ok(s.includes('\\u009b31m'), s);
  assert.ok(s.includes('\\u202eevil'), s);
  assert.match(s, /Conversations/); // not cleared

  // A live event with the corpus, then the views that show titles/names.
  fake.push('message.new', { message: { ...messages[0], id: 50, body: `live ${EVIL}` } });
  s = await tm.waitFor('live clear', 'the live message');
  assertInert(s, 'the live message');
  tm.keys('F2');
  s = await tm.waitFor('#3 [new] deck', 'the requests queue');
  assertInert(s, 'the requests queue');
  tm.keys('Escape', 'F3');
  s = await tm.waitFor('#4 [new] objection', 'the feedback inbox');
  assertInert(s, 'the feedback inbox');
  tm.keys('Escape', 'F4');
  s = await tm.waitFor('Buddy: @ev', 'my buddy');
  assertInert(s, 'my buddy');
  tm.keys('Escape');

  // The terminal's state: title, clipboard, colours.
  assert.equal(tm.title(), title);
  assert.doesNotMatch(title, /pwned/);
  assert.equal(tm.tmux('list-buffers').trim(), '', 'OSC 52 set a clipboard buffer');
  const colours = tm.screen(true);
  assert.doesNotMatch(colours, /\x1b\[(?:[0-9;]*;)?(?:31|41)m/, 'a colour from the corpus reached the terminal');

  tm.keys('C-c');
  assert.equal(await tm.waitExit(), 0);
  assert.doesNotMatch(tm.stderr(), /AddressSanitizer|LeakSanitizer|runtime error:/);
});

test('one-shot history prints the corpus inert', { timeout: 30000 }, async () => {
  const fake = await fakeServer();
  cleanups.push(() => fake.close());
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-esc-'));
  cleanups.push(() => fs.rmSync(home, { recursive: true, force: true }));
  // Asynchronously: the fake server lives in this process.
  const r = await new Promise((resolve) => {
    const p = spawn(TANDEM, ['--server', fake.url, '--token', 'A'.repeat(43), 'history', '7'], {
      env: { ...process.env, HOME: home, TANDEM_SERVER: '', TANDEM_TOKEN: '' },
    });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  assert.equal(r.status, 0, r.stderr);
  for (const body of CORPUS) assert.ok(r.stdout.includes(body.split(' ')[0]), `missing ${body}`);
  assert.doesNotMatch(r.stdout.replace(/\n/g, ''), DANGEROUS, r.stdout);
  assert.ok(r.stdout.includes('\\x1b]52;c;'), r.stdout);
  assert.doesNotMatch(r.stderr, DANGEROUS);
});

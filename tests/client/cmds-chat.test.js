// One-shot chat commands of the terminal client against the real tandemd:
// search (filters from options, highlighted snippets, --json), post --wait
// across a server restart and post --nonce for scripts that re-run, and
// --help for every command (each also in the man page).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, TANDEM, sleep } from '../lib/server.js';
import { cleanup, server, stopServer, tmpHome, run, ok, fails, cliUser, jsonLines } from './cmds-lib.js';

after(cleanup);

test('search: words and filters, highlighted snippets, --json, errors', { timeout: 60000 }, async () => {
  const srv = await server();
  const ana = await cliUser(srv, 'ana', 'sales');
  const ben = await cliUser(srv, 'ben', 'marketing');
  await ok(ana.home, ['create', 'deals']);
  await ok(ben.home, ['join', 'deals']);
  await ok(ana.home, ['post', '#deals', 'Battle card for Acme please']);
  await ok(ben.home, ['post', '#deals', 'The battle card is on its way: https://example.com/card']);
  await ok(ana.home, ['dm', 'ben', 'Battle plan for Initech']);

  let r = await ok(ana.home, ['search', 'battle']);
  assert.equal(r.lines.length, 3, r.stdout);
  assert.ok(r.lines.some((l) => /^#deals +@ana +\d{4}-\d\d-\d\d \d\d:\d\d {2}\[Battle\] card for Acme please$/.test(l)),
    r.stdout);
  assert.ok(r.lines.some((l) => /^@ben +@ana +.* {2}\[Battle\] plan for Initech$/.test(l)), r.stdout);
  r = await ok(ana.home, ['search', 'battle', '--in', '#deals', '--from', '@ben']);
  assert.equal(r.lines.length, 1, r.stdout);
  assert.match(r.lines[0], /^#deals +@ben +.*The \[battle\] card is on its way/);
  r = await ok(ana.home, ['search', 'battle', '--in', '@ben']);
  assert.equal(r.lines.length, 1, r.stdout);
  assert.match(r.lines[0], /Initech/);
  r = await ok(ana.home, ['search', 'has:link']);
  assert.equal(r.lines.length, 1, 'the server filter syntax passes through');
  r = await ok(ana.home, ['search', 'battle', '--before', '2000-01-01']);
  assert.equal(r.stdout, 'no results\n');
  r = await ok(ana.home, ['search', 'battle', '--after', '2000-01-01', '--limit', '2']);
  assert.equal(r.lines.length, 2);
  assert.match(r.stderr, /more results: use --offset/);
  r = await ok(ana.home, ['search', 'battle', '--limit', '2', '--offset', '2']);
  assert.equal(r.lines.length, 1, 'the third result');

  r = await ok(ben.home, ['--json', 'search', 'acme']);
  const [hit] = jsonLines(r);
  assert.equal(r.lines.length, 1);
  assert.equal(hit.conv_label, '#deals');
  assert.equal(hit.handle, 'ana');
  assert.equal(hit.message.body, 'Battle card for Acme please');
  assert.equal(hit.snippet, 'Battle card for \u0002Acme\u0003 please');
  assert.ok(r.stdout.includes('\\u0002Acme\\u0003'), 'markers stay JSON escapes');

  for (const args of [['search'], ['search', 'x', '--limit', '51'], ['search', 'x', '--before', '2020-1-1'],
    ['search', 'x', '--after', 'yesterday'], ['search', 'x', '--in', String(999999)], ['search', 'x', '--bogus'], ['search', 'x', '--offset', '1001']]) {
    const code = args.includes(String(999999)) ? 4 : 2;
    await fails(ana.home, args, code, code === 2 ? 'usage' : 'not_found');
  }
  await fails(ana.home, ['search', 'battle', 'before:yesterday'], 1, 'bad_request');
  await stopServer(srv);
  await fails(ana.home, ['search', 'battle'], 5, 'network');
});

test('post --wait reaches a server that comes back, once; --nonce makes a re-run idempotent', { timeout: 90000 }, async () => {
  let srv = await server();
  const ana = await cliUser(srv, 'ana');
  await ok(ana.home, ['create', 'ops']);
  const { dataDir, port } = srv;
  await stopServer(srv);

  await fails(ana.home, ['post', 'ops', 'no wait'], 5, 'network');
  await fails(ana.home, ['post', 'ops', 'x', '--wait', 'soon'], 2, 'usage');
  await fails(ana.home, ['post', 'ops', 'x', '--nonce', 'has space'], 2, 'usage');
  // Posted while the server is down; it comes back two seconds later.
  const pending = run(ana.home, ['--json', 'post', 'ops', '-', '--wait', '30'], { input: 'while you were out\n', timeout: 40000 });
  await sleep(2000);
  srv = await server({ dataDir, port });
  const r = await pending;
  assert.equal(r.code, 0, r.stderr);
  const sent = JSON.parse(r.stdout);
  assert.equal(sent.body, 'while you were out');
  let h = await ok(ana.home, ['--json', 'history', 'ops']);
  assert.deepEqual(jsonLines(h).map((m) => m.body), ['while you were out'], 'stored exactly once');
  assert.equal(jsonLines(h)[0].nonce, sent.nonce);

  // A script posting with its own nonce twice stores one message.
  const a = JSON.parse((await ok(ana.home, ['--json', 'post', 'ops', 'deal 42 closed', '--nonce', 'crm-deal-42'])).stdout);
  const b = JSON.parse((await ok(ana.home, ['--json', 'post', 'ops', 'deal 42 closed', '--nonce', 'crm-deal-42'])).stdout);
  assert.equal(a.id, b.id);
  assert.equal(a.nonce, 'crm-deal-42');
  await fails(ana.home, ['post', 'ops', 'another text', '--nonce', 'crm-deal-42'], 1, 'nonce_conflict');
  h = await ok(ana.home, ['--json', 'history', 'ops']);
  assert.deepEqual(jsonLines(h).map((m) => m.body), ['while you were out', 'deal 42 closed']);

  // A bad token is not retried: it fails at once with status 3.
  const t0 = Date.now();
  await fails(ana.home, ['--token', 'A'.repeat(43), 'post', 'ops', 'x', '--wait', '30'], 3, 'bad_token');
  assert.ok(Date.now() - t0 < 15000, 'no waiting on an authentication error');
  // --wait gives up when its time is over.
  await stopServer(srv);
  const t1 = Date.now();
  await fails(ana.home, ['post', 'ops', 'never', '--wait', '2'], 5, 'network');
  assert.ok(Date.now() - t1 >= 2000, 'it tried for the time given');
});

// Run a command in a detached tmux pane (a real terminal) until the pane's
// text, with its attributes as escape sequences (capture-pane -e), shows
// `until`; returns that text.
async function onTerminal(home, args, until) {
  const sock = `tandem-cmds-${process.pid}`;
  const cmd = ['env', `HOME=${home}`, TANDEM, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const tmux = (...a) => spawnSync('tmux', ['-L', sock, ...a], { encoding: 'utf8' });
  try {
    assert.equal(tmux('new-session', '-d', '-x', '120', '-y', '10', '-s', 'cmds', `${cmd}; sleep 30`).status, 0);
    let pane = '';
    for (let i = 0; i < 100; i++) {
      pane = tmux('capture-pane', '-p', '-e', '-t', 'cmds').stdout;
      if (until.test(pane)) return pane;
      await sleep(100);
    }
    throw new Error(`the terminal shows:\n${pane}`);
  } finally {
    tmux('kill-server');
  }
}

test('search on a terminal shows matches in bold; token and server from the environment', { timeout: 60000 }, async () => {
  const srv = await server();
  const ana = await cliUser(srv, 'ana');
  await ok(ana.home, ['create', 'deals']);
  await ok(ana.home, ['post', 'deals', 'Battle card for Acme']);
  const pane = await onTerminal(ana.home, ['search', 'acme'], /Acme\S*\s*$/m);
  assert.match(pane, /^#deals +@ana +.*Battle card for \x1b\[1mAcme(\x1b\[0m)?\s*$/m, pane);
  assert.doesNotMatch(pane, /\[Acme\]/);

  // TANDEM_SERVER and TANDEM_TOKEN stand in for the config file; a flag
  // wins over the environment.
  const cfgFile = path.join(ana.home, '.config', 'tandem', 'config');
  const token = fs.readFileSync(cfgFile, 'utf8').match(/^token = (.*)$/m)[1];
  const env = { TANDEM_SERVER: srv.wsUrl, TANDEM_TOKEN: token };
  let r = await ok(tmpHome(), ['--json', 'search', 'battle'], { env });
  assert.equal(jsonLines(r)[0].handle, 'ana');
  await fails(tmpHome(), ['--token', 'A'.repeat(43), 'search', 'battle'], 3, 'bad_token', { env });
  await fails(tmpHome(), ['search', 'battle'], 1, 'config');
  // A config file others can read still works, with a warning.
  fs.chmodSync(cfgFile, 0o644);
  r = await ok(ana.home, ['search', 'battle']);
  assert.match(r.stderr, /warning: .*config is readable by others; chmod 600 it/);
  fs.chmodSync(cfgFile, 0o600);
  r = await ok(ana.home, ['search', 'battle']);
  assert.equal(r.stderr, '');
});

test('every command has --help, and the man page names it', { timeout: 60000 }, async () => {
  const home = tmpHome();
  const all = await ok(home, ['--help']);
  const names = [...all.stdout.matchAll(/^ {2}tandem ([a-z-]+(?: [a-z-]+)?)(?= |$)/gm)].map((m) => m[1]);
  for (const n of ['search', 'requests', 'request new', 'request show', 'request move', 'request assign',
    'request deliver', 'request template', 'feedback', 'feedback list', 'feedback new', 'feedback show',
    'feedback vote', 'feedback status', 'feedback to-request', 'buddy', 'dashboard', 'post', 'tail', 'login'])
    assert.ok(names.includes(n), `--help lists ${n}`);
  const man = fs.readFileSync(path.join(ROOT, 'client', 'tandem.1'), 'utf8').replace(/\\-/g, '-');
  for (const n of names.filter((x) => x !== 'help')) {
    const r = await ok(home, [...n.split(' '), '--help']);
    assert.match(r.stdout, new RegExp(`^usage:\n {2}tandem ${n}( |$)`, 'm'), `${n} --help`);
    assert.match(man, new RegExp(`^\\.(B|BI|BR|TQ) "?${n}( |"|$)`, 'm'), `tandem.1 documents ${n}`);
  }
  let r = await ok(home, ['help', 'request']);
  assert.match(r.stdout, /tandem request deliver/);
  assert.doesNotMatch(r.stdout, /tandem requests/);
  r = await ok(home, ['help', 'feedback', 'vote']);
  assert.match(r.stdout, /^usage:\n  tandem feedback vote <id> /);
  assert.doesNotMatch(r.stdout, /feedback new/);
  await fails(home, ['help', 'bogus'], 2, 'usage');
  // The man page renders without warnings.
  const p = spawnSync('man', ['--warnings', '-l', path.join(ROOT, 'client', 'tandem.1')],
    { env: { ...process.env, MANWIDTH: '80' }, encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  assert.equal(p.stderr, '', 'man --warnings');
});

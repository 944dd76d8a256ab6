// Online backups: `tandemd --backup-to FILE --data-dir DIR` copies the
// database of a running server with SQLite's backup API while clients keep
// writing. A server started on a copy of each backup must hold every
// message acknowledged before that backup began, byte for byte, and the
// backup must pass PRAGMA integrity_check. An existing target is refused.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import {
  serverFixture, cleanExitTest, assert, expectResult, nonce, sleep,
} from '../integration/util.js';
import { TANDEMD, resume } from '../lib/server.js';
import { sqlite, envInt } from './lib.js';

const fx = serverFixture({ args: ['--open-registration'] });
const BACKUPS = envInt('BACKUP_ROUNDS', 3);
const WRITERS = 6;

function runBackup(dataDir, target) {
  return new Promise((resolve) => {
    const p = spawn(TANDEMD, ['--data-dir', dataDir, '--backup-to', target], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.on('exit', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
}

// All messages of a conversation, oldest first, through msg.history.
async function history(client, conv) {
  const all = [];
  let before;
  for (;;) {
    const r = expectResult(await client.request('msg.history', before ? { conv, before, limit: 200 } : { conv, limit: 200 }));
    all.unshift(...r.messages);
    if (!r.more || r.messages.length === 0) return all;
    before = r.messages[0].id;
  }
}

fx.test('backups taken under load hold every message acknowledged before they began', { timeout: 120000 }, async () => {
  const users = await fx.users(WRITERS);
  const chan = (await users[0].client.ok('conv.create', { kind: 'channel', name: `backup-${process.pid % 10000}`, members: users.slice(1).map((u) => u.user.id) })).conversation;
  const acked = []; // [ackTime, message]
  let stop = false;
  let failures = 0;
  const writers = users.map(async (u, i) => {
    let n = 0;
    while (!stop) {
      const r = await u.client.request('msg.send', { conv: chan.id, body: `w${i} #${n++} ${'x'.repeat(n % 50)}`, nonce: nonce(`b${i}`) });
      if (r.result) acked.push([performance.now(), r.result.message]);
      else if (r.error.code !== 'rate_limited') failures += 1;
      else await sleep(50);
    }
  });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-backup-'));
  const rounds = [];
  try {
    for (let b = 0; b < BACKUPS; b++) {
      await sleep(700);
      const began = performance.now();
      const before = acked.filter(([t]) => t < began).map(([, m]) => m);
      const target = path.join(tmp, `backup-${b}.db`);
      const r = await runBackup(fx.srv.dataDir, target);
      assert.equal(r.code, 0, `backup ${b} exit code: ${r.out}`);
      rounds.push({ target, before, took: performance.now() - began, ackedDuring: acked.filter(([t]) => t >= began && t < performance.now()).length });
    }
    await sleep(300);
  } finally {
    stop = true;
    await Promise.all(writers);
  }
  assert.equal(failures, 0, 'writers only ever saw results or rate_limited');

  // An existing target file is refused and left as it was.
  const again = await runBackup(fx.srv.dataDir, rounds[0].target);
  assert.equal(again.code, 1, 'an existing target is refused');
  // A data directory without a database is refused too.
  const none = await runBackup(path.join(tmp, 'no-such-dir'), path.join(tmp, 'never.db'));
  assert.equal(none.code, 1);
  assert.ok(!fs.existsSync(path.join(tmp, 'never.db')));

  for (const [b, round] of rounds.entries()) {
    assert.deepEqual(sqlite(round.target, 'PRAGMA integrity_check'), ['ok'], `backup ${b} integrity`);
    // Restore: a copy of the backup as the database of a fresh server.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-restore-'));
    fs.copyFileSync(round.target, path.join(dir, 'tandem.db'));
    const srv = await fx.start({ dataDir: dir, args: ['--open-registration'] });
    const r = await resume(srv, users[0].token);
    fx.track(r.client);
    expectResult(r.reply, `the token still works on restored backup ${b}`);
    const msgs = await history(r.client, chan.id);
    const byId = new Map(msgs.map((m) => [m.id, m]));
    const missing = round.before.filter((m) => !byId.has(m.id));
    const changed = round.before.filter((m) => byId.has(m.id) && (byId.get(m.id).body !== m.body || byId.get(m.id).nonce !== m.nonce || byId.get(m.id).author !== m.author));
    console.log(`backup ${b}: ${round.before.length} acknowledged before it began, ${round.before.length - missing.length} restored, ${msgs.length} in the backup, ${round.ackedDuring} acknowledged while it ran, ${Math.round(round.took)} ms, integrity ok`);
    assert.deepEqual(missing.map((m) => m.id), [], `backup ${b}: acknowledged messages missing`);
    assert.deepEqual(changed.map((m) => m.id), [], `backup ${b}: messages changed`);
    const ids = msgs.map((m) => m.id);
    assert.deepEqual(ids, [...ids].sort((a, b2) => a - b2), 'history in id order');
    srv.stoppedAndChecked = true;
    const exit = await srv.stop();
    assert.equal(exit.code, 0, `the restored server exits cleanly: ${srv.stderr().slice(-2000)}`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

cleanExitTest(fx);

// Password hashes are Argon2id and are upgraded on login when the server's
// parameters change: register under cheap parameters, restart with others,
// log in, and find the stored hash re-made with the new ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startServer, connect } from '../lib/server.js';

function storedHash(dataDir, handle) {
  return execFileSync('sqlite3', [path.join(dataDir, 'tandem.db'),
    `SELECT pwhash FROM users WHERE handle = '${handle}'`]).toString().trim();
}

test('login re-hashes a password made with old Argon2id parameters', async (t) => {
  const srv = await startServer({ args: ['--pwhash-ops', '1', '--pwhash-mem', '8192'], fastHash: false });
  let c = await connect(srv);
  await c.ok('register', { handle: 'rehash', password: 'correct horse battery', display_name: 'R', team: 'sales' });
  await c.close();
  assert.equal((await srv.stop()).code, 0, srv.stderr());
  const before = storedHash(srv.dataDir, 'rehash');
  assert.match(before, /^\$argon2id\$v=19\$m=8,t=1,/);

  const srv2 = await startServer({ dataDir: srv.dataDir, args: ['--pwhash-ops', '2', '--pwhash-mem', '65536'], fastHash: false });
  t.after(() => srv2.stop());
  c = await connect(srv2);
  const r = await c.ok('login', { handle: 'rehash', password: 'correct horse battery' });
  assert.equal(r.user.handle, 'rehash');
  // A wrong password still fails against the new hash.
  const c2 = await connect(srv2);
  const bad = await c2.request('login', { handle: 'rehash', password: 'wrong horse battery' });
  assert.equal(bad.error.code, 'invalid_credentials');
  await c.close();
  await c2.close();
  assert.equal((await srv2.stop()).code, 0, srv2.stderr());
  const after = storedHash(srv.dataDir, 'rehash');
  assert.match(after, /^\$argon2id\$v=19\$m=64,t=2,/);
  assert.notEqual(after, before);
});

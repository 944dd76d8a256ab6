// No user enumeration by timing: a login for an unknown handle verifies
// against a dummy hash made with the same Argon2id parameters as real
// hashes, so it costs about as much as a wrong password for a real
// account. The bound is loose (half the time, medians of five) so the test
// cannot flake; a dummy made with cheaper parameters is ~100x faster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect } from '../lib/server.js';

async function timedLogin(srv, handle) {
  const c = await connect(srv);
  const t0 = process.hrtime.bigint();
  const r = await c.request('login', { handle, password: 'not the password at all' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await c.close();
  assert.equal(r.error && r.error.code, 'invalid_credentials', JSON.stringify(r));
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('unknown handles take as long as wrong passwords', async (t) => {
  const srv = await startServer({ fastHash: false, args: ['--pwhash-ops', '2', '--pwhash-mem', String(32 << 20)] });
  t.after(() => srv.stop());
  const c = await connect(srv);
  await c.ok('register', { handle: 'timing', password: 'correct horse battery', display_name: 'T', team: 'sales' });
  await c.close();
  const real = [];
  const unknown = [];
  for (let i = 0; i < 5; i++) {
    real.push(await timedLogin(srv, 'timing'));
    unknown.push(await timedLogin(srv, `nobody${i}`));
  }
  console.log(`login timing: wrong password median ${median(real).toFixed(1)} ms, unknown handle median ${median(unknown).toFixed(1)} ms`);
  assert.ok(median(unknown) >= 0.5 * median(real),
    `unknown handle ${median(unknown).toFixed(1)} ms vs wrong password ${median(real).toFixed(1)} ms`);
  assert.equal((await srv.stop()).code, 0, srv.stderr());
});

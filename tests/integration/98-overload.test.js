// Group commit under a write load that never lets the loop go idle: writes
// are acknowledged while the load goes on (the turn's transaction is
// committed by size and age, not only when the loop is idle).

import { serverFixture, cleanExitTest, assert, nonce, sleep } from './util.js';

const fx = serverFixture({ args: ['--open-registration', '--no-rate-limit'] });

fx.test('writes are acknowledged during a load that keeps the loop busy', { timeout: 60000 }, async () => {
  // Each writer posts into its own notes (a dm with itself): the load is
  // writes, not fan-out, so no reader falls behind its queue cap.
  const users = await fx.users(4);
  for (const u of users) u.conv = (await u.client.ok('dm.open', { user: u.user.id })).conversation.id;
  let sending = true;
  let sent = 0;
  let ackedWhileSending = 0;
  let acked = 0;
  const pump = async (u) => {
    const inflight = new Set();
    while (sending) {
      while (inflight.size < 200) {
        const p = u.client.request('msg.send', { conv: u.conv, body: `load ${sent}`, nonce: nonce() }, 60000).then((r) => {
          assert.ok(r.result, JSON.stringify(r.error));
          acked += 1;
          if (sending) ackedWhileSending += 1;
          inflight.delete(p);
        });
        inflight.add(p);
        sent += 1;
      }
      await Promise.race(inflight);
    }
    await Promise.all(inflight);
  };
  const pumps = users.map(pump);
  const t0 = Date.now();
  while (Date.now() - t0 < 3000) await sleep(100);
  sending = false;
  await Promise.all(pumps);
  console.log(`# overload: ${sent} sent, ${acked} acknowledged, ${ackedWhileSending} while the load went on`);
  assert.equal(acked, sent);
  assert.ok(ackedWhileSending > sent / 4, `only ${ackedWhileSending} of ${sent} acknowledged while the load went on`);
});

cleanExitTest(fx);

// --no-rate-limit (for benchmarks beside servers without one): a burst far
// over the 60-request burst and the 4029 flood ceiling is answered in full
// and the connection stays open.

import { serverFixture, cleanExitTest, assert, expectResult } from './util.js';

const fx = serverFixture({ args: ['--open-registration', '--no-rate-limit'] });

fx.test('400 requests in one burst all get results; no 4029', async () => {
  const u = await fx.user();
  let closed = null;
  u.client.ws.on('close', (code) => { closed = code; });
  const replies = await Promise.all(Array.from({ length: 400 }, () => u.client.request('ping')));
  for (const r of replies) expectResult(r);
  assert.equal(closed, null, 'the connection stays open');
  expectResult(await u.client.request('ping'));
});

cleanExitTest(fx);

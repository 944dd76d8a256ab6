// Cross-site WebSocket hijacking: the Origin allowlist at the handshake
// (PROTOCOL.md "Transport"). The server's own origin (scheme + Host) and
// every --allow-origin URL are accepted (compared case-insensitively); a
// request without Origin (or with an empty one) is a non-browser client
// and accepted; anything else, `null` included, gets
// HTTP 403 before any WebSocket exists. Each case is a raw HTTP upgrade, so
// the Host header is exactly what the test says.

import {
  serverFixture, cleanExitTest, assert, expectError, expectResult,
} from '../integration/util.js';
import { connect } from '../lib/server.js';
import { rawHandshake, wsKey } from './lib.js';

const ALLOWED = 'http://tandem.example';
const fx = serverFixture({ args: ['--open-registration', '--allow-origin', ALLOWED] });

function upgrade(port, { host, origin }) {
  return rawHandshake(port, {
    Host: host,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': wsKey(),
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Protocol': 'tandem.v1',
    Origin: origin,
  });
}

fx.test('Origin allowlist: foreign, look-alike, null, other port and scheme are 403; own, listed and absent are 101', async () => {
  const port = fx.srv.port;
  const self = `127.0.0.1:${port}`;
  // [what, Host, Origin (undefined = header absent), expected status]
  const cases = [
    ['own origin', self, `http://${self}`, 101],
    ['own origin, upper case', self, `HTTP://${self}`, 101],
    ['allowlisted origin', self, ALLOWED, 101],
    ['allowlisted origin, upper-case host', self, 'http://TANDEM.EXAMPLE', 101],
    ['no Origin (non-browser client)', self, undefined, 101],
    ['foreign origin', self, 'http://evil.example', 403],
    ['look-alike suffix', self, 'http://tandem.example.evil', 403],
    ['look-alike prefix', self, 'http://eviltandem.example', 403],
    ['look-alike subdomain', self, 'http://tandem.example.evil.example', 403],
    ['allowlisted host, https instead of http', self, 'https://tandem.example', 403],
    ['allowlisted host with a port', self, 'http://tandem.example:8080', 403],
    ['allowlisted origin with a path', self, 'http://tandem.example/', 403],
    ['look-alike of own host', self, 'http://127.0.0.1.evil', 403],
    ['look-alike of own host with port', self, `http://127.0.0.1.evil:${port}`, 403],
    ['own host, different port', self, `http://127.0.0.1:${port + 1}`, 403],
    ['own host, no port', self, 'http://127.0.0.1', 403],
    ['own host, https instead of http', self, `https://${self}`, 403],
    ['localhost alias of own host', self, `http://localhost:${port}`, 403],
    ['null (sandboxed iframe, file://)', self, 'null', 403],
    // An empty Origin header counts as none (browsers never send one).
    ['empty Origin', self, '', 101],
    ['file:// origin', self, 'file://', 403],
    ['origin with userinfo', self, `http://evil@${self}`, 403],
    // DNS rebinding: a page on evil.example whose name now resolves to
    // 127.0.0.1 sends a matching Host and Origin. The own-origin rule
    // accepts it; such a page holds no token (tokens travel inside the
    // protocol, never in cookies), so it is an anonymous client, which
    // the next test checks. See SECURITY.md.
    ['rebinding: Host and Origin both evil.example', `evil.example:${port}`, `http://evil.example:${port}`, 101],
  ];
  let refused = 0;
  let accepted = 0;
  const wrong = [];
  for (const [what, host, origin, want] of cases) {
    const got = await upgrade(port, { host, origin });
    if (got !== want) wrong.push(`${what} (Origin ${origin}): expected ${want}, got ${got}`);
    if (got === 403) refused += 1;
    if (got === 101) accepted += 1;
  }
  console.log(`origin matrix: ${cases.length} handshakes, ${refused} refused (403), ${accepted} accepted (101), ${wrong.length} unexpected`);
  assert.deepEqual(wrong, []);
  // The refusals are answered before any WebSocket: the server still serves.
  const c = fx.track(await connect(fx.srv));
  expectResult(await c.request('ping'));
});

fx.test('an accepted cross-origin connection (allowlisted or rebinding) starts unauthenticated', async () => {
  const u = await fx.user();
  const c = fx.track(await connect(fx.srv, { origin: ALLOWED }));
  expectError(await c.request('conv.list'), 'unauthenticated');
  expectError(await c.request('user.list'), 'unauthenticated');
  // The same connection can only get in with credentials of its own.
  expectResult(await c.request('hello', { token: u.token }));
  expectResult(await c.request('conv.list'));
});

fx.test('the ws client library sees 403 for a refused Origin (as a browser would)', async () => {
  for (const origin of ['http://tandem.example.evil', 'null', `http://127.0.0.1:${fx.srv.port + 1}`]) {
    let status = null;
    try {
      const c = await connect(fx.srv, { origin });
      c.terminate();
    } catch (err) {
      status = err.status;
    }
    assert.equal(status, 403, origin);
  }
});

cleanExitTest(fx);

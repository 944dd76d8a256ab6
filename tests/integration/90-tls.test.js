// TLS: with --tls-cert/--tls-key the server speaks https and wss only.
// A self-signed certificate is made for the test with the openssl CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startServer, connect } from '../lib/server.js';

function makeCert() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}

test('wss with a certificate from flags', async (t) => {
  const { cert, key } = makeCert();
  const srv = await startServer({ args: ['--open-registration', '--tls-cert', cert, '--tls-key', key] });
  t.after(() => srv.stop());
  assert.equal(srv.scheme, 'https');

  const c = await connect(srv);
  const hello = await c.ok('hello');
  assert.equal(hello.protocol, 'tandem.v1');
  const reg = await c.ok('register', { handle: 'tls1', password: 'correct horse battery', display_name: 'T', team: 'other' });
  assert.ok(reg.token);
  await c.close();

  // The web client is served over https too, with its security headers.
  const res = await new Promise((resolve, reject) => {
    https.get(srv.url, { rejectUnauthorized: false }, resolve).on('error', reject);
  });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
  res.resume();

  // A plain ws:// connection to the TLS port does not get through.
  await assert.rejects(connect(srv, { url: `ws://127.0.0.1:${srv.port}/ws` }));

  const exit = await srv.stop();
  assert.equal(exit.code, 0, srv.stderr());
});

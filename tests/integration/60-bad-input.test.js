// Bad input: oversized, fragmented and lying frames (1009), invalid UTF-8
// (1007), binary (1003), malformed JSON and ids, unknown ops, ops before
// authentication, Origin checks at the handshake, control and bidi
// characters and SQL metacharacters in string fields.

import net from 'node:net';
import crypto from 'node:crypto';
import {
  serverFixture, cleanExitTest, assert, expectError, expectResult, nonce,
  closedWithin, sleep,
} from './util.js';
import { connect } from '../lib/server.js';

const fx = serverFixture({ args: ['--open-registration'] });

// Send a raw text frame with a fixed id and wait for the reply with that id.
async function rawRequest(client, text, id) {
  client.sendRaw(text);
  return client.waitFrame((f) => f.id === id && f.event === undefined);
}

// Wait for a reply frame with id null that arrived after `from` frames.
async function nullIdReply(client, from) {
  for (let i = 0; i < 200; i++) {
    const f = client.frames.slice(from).find((x) => x.id === null);
    if (f) return f;
    await sleep(10);
  }
  throw new Error(`no reply with id null; frames: ${JSON.stringify(client.frames.slice(from))}`);
}

// Wait for the next error reply (any id) that arrived after `from` frames.
async function nextError(client, from) {
  for (let i = 0; i < 200; i++) {
    const f = client.frames.slice(from).find((x) => x.error !== undefined);
    if (f) return f;
    await sleep(10);
  }
  throw new Error(`no error reply; frames: ${JSON.stringify(client.frames.slice(from))}`);
}

async function stillServing() {
  const c = fx.track(await connect(fx.srv));
  expectResult(await c.request('ping'), 'another connection is still served');
}

async function authed() {
  const u = await fx.user();
  return u;
}

// A frame of exactly `size` bytes: a msg.send whose body pads it out.
function paddedSend(id, conv, size) {
  const head = `{"op":"msg.send","id":${id},"conv":${conv},"nonce":"pad-${id}","body":"`;
  const tail = '"}';
  return head + 'x'.repeat(size - head.length - tail.length) + tail;
}

fx.test('a frame of 65537 bytes closes with 1009', async () => {
  const u = await authed();
  const c = (await u.client.ok('conv.create', { kind: 'channel', name: `big-${Date.now() % 100000}` })).conversation;
  u.client.sendRaw(paddedSend(900002, c.id, 65537));
  const closed = await closedWithin(u.client, 5000);
  assert.equal(closed.code, 1009);
  assert.equal(u.client.frames.find((f) => f.id === 900002), undefined, 'no reply to the oversized frame');
  await stillServing();
});

fx.test('a frame of exactly 65536 bytes is read (too_large body); a 65537-byte one after it closes with 1009', async () => {
  const u = await authed();
  const c = (await u.client.ok('conv.create', { kind: 'channel', name: `big-${Date.now() % 100000}` })).conversation;
  const exact = paddedSend(900001, c.id, 65536);
  assert.equal(Buffer.byteLength(exact), 65536);
  expectError(await rawRequest(u.client, exact, 900001), 'too_large', 'a 65 KB body in a 65536-byte frame');
  expectResult(await u.client.request('ping'), 'the connection stays open');
  u.client.sendRaw(paddedSend(900002, c.id, 65537));
  const closed = await closedWithin(u.client, 5000);
  assert.equal(closed.code, 1009);
  await stillServing();
});

fx.test('fragments adding up to more than 65536 bytes close with 1009', async () => {
  const u = await authed();
  const piece = 'x'.repeat(30000);
  u.client.ws.send(`{"op":"ping","id":5,"pad":"${piece}`, { fin: false });
  u.client.ws.send(piece, { fin: false });
  u.client.ws.send(`${piece}"}`, { fin: true });
  const closed = await closedWithin(u.client, 5000);
  assert.equal(closed.code, 1009);
  // Fragments that stay under the cap are reassembled into one request.
  const v = await authed();
  v.client.ws.send('{"op":"pi', { fin: false });
  v.client.ws.send('ng","i', { fin: false });
  v.client.ws.send('d":77}', { fin: true });
  const r = await v.client.waitFrame((f) => f.id === 77);
  expectResult(r, 'a fragmented ping');
  await stillServing();
});

fx.test('fragments: a UTF-8 character split across fragments, a ping between fragments, exactly 65536 bytes in total', async () => {
  const u = await authed();
  const c = (await u.client.ok('conv.create', { kind: 'channel', name: `frag-${Date.now() % 100000}` })).conversation;
  // "é" is C3 A9: split between two fragments.
  const head = Buffer.from(`{"op":"msg.send","id":501,"conv":${c.id},"nonce":"frag-1","body":"caf`);
  u.client.ws.send(Buffer.concat([head, Buffer.from([0xc3])]), { fin: false, binary: false });
  u.client.ws.ping();
  u.client.ws.send(Buffer.concat([Buffer.from([0xa9]), Buffer.from('"}')]), { fin: true, binary: false });
  const r = await u.client.waitFrame((f) => f.id === 501);
  assert.equal(expectResult(r, 'split UTF-8').message.body, 'café');
  // Fragments adding up to exactly the cap are one message.
  const whole = paddedSend(502, c.id, 65536);
  u.client.ws.send(whole.slice(0, 30000), { fin: false });
  u.client.ws.send(whole.slice(30000, 60000), { fin: false });
  u.client.ws.send(whole.slice(60000), { fin: true });
  expectError(await u.client.waitFrame((f) => f.id === 502), 'too_large', 'a 65536-byte message in three fragments');
  expectResult(await u.client.request('ping'), 'still open');
});

fx.test('a hundred connections at once are all served', async () => {
  const cs = await Promise.all(Array.from({ length: 100 }, () => connect(fx.srv)));
  cs.forEach((c) => fx.track(c));
  const rs = await Promise.all(cs.map((c) => c.request('ping')));
  for (const r of rs) expectResult(r);
  await Promise.all(cs.map((c) => c.close()));
  await stillServing();
});

// Open a WebSocket by hand on a raw TCP socket; resolves after the 101.
function rawUpgrade(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const key = crypto.randomBytes(16).toString('base64');
    let buf = Buffer.alloc(0);
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      const head = buf.subarray(0, end).toString();
      if (!/^HTTP\/1\.1 101/.test(head)) return reject(new Error(`no upgrade: ${head}`));
      resolve({ sock, rest: buf.subarray(end + 4) });
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
      + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: tandem.v1\r\n\r\n`);
  });
}

// Parse the close code out of the server's (unmasked) frames, if any.
function closeCodeIn(buf) {
  let off = 0;
  while (off + 2 <= buf.length) {
    const op = buf[off] & 0x0f;
    let len = buf[off + 1] & 0x7f;
    let hdr = 2;
    if (len === 126) { if (off + 4 > buf.length) break; len = buf.readUInt16BE(off + 2); hdr = 4; }
    else if (len === 127) { if (off + 10 > buf.length) break; len = Number(buf.readBigUInt64BE(off + 2)); hdr = 10; }
    if (op === 0x8) return len >= 2 && off + hdr + 2 <= buf.length ? buf.readUInt16BE(off + hdr) : 1005;
    off += hdr + len;
  }
  return null;
}

fx.test('a frame header declaring 2^40 bytes is refused promptly with 1009, others still served', async () => {
  const { sock, rest } = await rawUpgrade(fx.srv.port);
  let got = rest;
  sock.on('data', (d) => { got = Buffer.concat([got, d]); });
  const ended = new Promise((resolve) => sock.on('close', resolve));
  sock.on('error', () => {});
  const header = Buffer.alloc(14);
  header[0] = 0x81; // FIN + text
  header[1] = 0x80 | 127; // masked, 64-bit length
  header.writeBigUInt64BE(2n ** 40n, 2);
  crypto.randomBytes(4).copy(header, 10);
  sock.write(header);
  // Some payload (valid UTF-8, so that only the size is wrong with it).
  const payload = Buffer.alloc(4096, 0x20);
  for (let i = 0; i < payload.length; i++) payload[i] ^= header[10 + (i % 4)];
  sock.write(payload);
  // The server's close frame must come at once, without waiting for data.
  const t0 = Date.now();
  while (closeCodeIn(got) === null && Date.now() - t0 < 3000 && !sock.destroyed) await sleep(10);
  assert.equal(closeCodeIn(got), 1009, `a close frame with 1009 within 3 s; got ${got.toString('hex').slice(0, 80)}`);
  // Having failed the connection mid-frame, the server cannot parse what
  // follows (not even a close reply), so it must drop the TCP connection
  // itself (RFC 6455 7.1.7) and not keep reading the declared 2^40 bytes.
  sock.write(Buffer.alloc(1024, 0x20));
  const outcome = await Promise.race([ended.then(() => 'closed'), sleep(5000).then(() => 'open')]);
  assert.equal(outcome, 'closed', `the server closes the TCP connection within 5 s of its close frame; it sent ${got.toString('hex').slice(0, 120)}`);
  sock.destroy();
  await stillServing();
});

fx.test('a bare frame header declaring 2^40 bytes: nothing is buffered; refused with 1009 at its first payload byte', async () => {
  // PROTOCOL.md: libwebsockets reports a frame only once payload arrives, so
  // a bare header is refused at its first payload byte; until then the
  // server holds no buffer for it and serves everyone else.
  const { sock, rest } = await rawUpgrade(fx.srv.port);
  let got = rest;
  sock.on('data', (d) => { got = Buffer.concat([got, d]); });
  sock.on('error', () => {});
  const header = Buffer.alloc(14);
  header[0] = 0x81;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(2n ** 40n, 2);
  sock.write(header);
  await sleep(300);
  await stillServing();
  sock.write(Buffer.from([0x20 ^ header[10]]));
  const t0 = Date.now();
  while (closeCodeIn(got) === null && Date.now() - t0 < 3000 && !sock.destroyed) await sleep(10);
  sock.destroy();
  assert.equal(closeCodeIn(got), 1009, `a close frame with 1009 within 3 s of the first payload byte; got ${got.toString('hex').slice(0, 80) || 'nothing'}`);
  await stillServing();
});

fx.test('invalid UTF-8 in a text frame closes with 1007', async () => {
  const u = await authed();
  u.client.ws.send(Buffer.from([0x7b, 0x22, 0x6f, 0x70, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
  const closed = await closedWithin(u.client, 5000);
  assert.equal(closed.code, 1007);
  // An overlong encoding and a UTF-16 surrogate encoded as UTF-8 too.
  for (const bytes of [[0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
    const v = await authed();
    v.client.ws.send(Buffer.concat([Buffer.from('{"op":"ping","id":1,"x":"'), Buffer.from(bytes), Buffer.from('"}')]), { binary: false });
    assert.equal((await closedWithin(v.client, 5000)).code, 1007, Buffer.from(bytes).toString('hex'));
  }
  await stillServing();
});

fx.test('a binary frame closes with 1003', async () => {
  const u = await authed();
  u.client.ws.send(Buffer.from('{"op":"ping","id":1}'), { binary: true });
  const closed = await closedWithin(u.client, 5000);
  assert.equal(closed.code, 1003);
  // Unauthenticated connections too.
  const c = fx.track(await connect(fx.srv));
  c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  assert.equal((await closedWithin(c, 5000)).code, 1003);
  await stillServing();
});

fx.test('malformed JSON and non-objects: bad_json with id null; the connection stays open', async () => {
  const u = await authed();
  for (const text of ['{"op": "ping", "id": 1', 'not json', '[1,2,3]', '"ping"', '42', 'null', '', '{"op":"ping","id":2}{"op":"ping","id":3}',
    '{"op":"ping","id":4,}', "{'op':'ping','id':5}", '[' .repeat(20000) + ']'.repeat(20000)]) {
    const from = u.client.frames.length;
    u.client.sendRaw(text);
    const r = await nullIdReply(u.client, from);
    assert.equal(r.id, null);
    expectError(r, 'bad_json', JSON.stringify(text.slice(0, 60)));
  }
  // Duplicate keys (the error table says bad_json).
  const from = u.client.frames.length;
  u.client.sendRaw('{"op":"ping","id":6,"id":6}');
  expectError(await nextError(u.client, from), 'bad_json', 'duplicate keys');
  expectResult(await u.client.request('ping'), 'still open');
});

fx.test('bad ids: bad_request with id null; good edge ids are echoed', async () => {
  const u = await authed();
  for (const id of ['-1', '9007199254740992', '1.5', '"7"', 'null', 'true', '{}', '1e400']) {
    const from = u.client.frames.length;
    u.client.sendRaw(`{"op":"ping","id":${id}}`);
    const r = await nullIdReply(u.client, from);
    expectError(r, id === '1e400' ? ['bad_request', 'bad_json'] : 'bad_request', `id ${id}`);
  }
  let from = u.client.frames.length;
  u.client.sendRaw('{"op":"ping"}');
  expectError(await nullIdReply(u.client, from), 'bad_request', 'no id');
  expectResult(await rawRequest(u.client, '{"op":"ping","id":9007199254740991}', 9007199254740991), 'id 2^53-1');
  expectResult(await rawRequest(u.client, '{"op":"ping","id":0}', 0), 'id 0');
  // With a readable id, the id is echoed even for errors.
  expectError(await rawRequest(u.client, '{"id":41}', 41), 'bad_request', 'no op');
  expectError(await rawRequest(u.client, '{"op":5,"id":42}', 42), 'bad_request', 'op not a string');
  expectError(await rawRequest(u.client, '{"op":"ping","id":43,"extra":true}', 43), 'bad_request', 'unknown field');
  expectError(await rawRequest(u.client, '{"op":"conv.get","id":44,"conv":1.5}', 44), 'bad_request', 'fractional conv');
  expectError(await rawRequest(u.client, '{"op":"conv.get","id":45,"conv":1e300}', 45), 'bad_request', 'conv out of range');
  expectResult(await u.client.request('ping'), 'still open');
});

fx.test('a lone-surrogate escape or an integer beyond 64 bits: bad_json with id null, connection open', async () => {
  const u = await authed();
  const c = (await u.client.ok('conv.create', { kind: 'channel', name: `sur-${Date.now() % 100000}` })).conversation;
  for (const text of [
    `{"op":"msg.send","id":14,"conv":${c.id},"body":"\\ud800","nonce":"sur-1"}`,
    `{"op":"msg.send","id":15,"conv":${c.id},"body":"x\\udc00y","nonce":"sur-2"}`,
    '{"op":"ping","id":99999999999999999999}',
    '{"op":"conv.get","id":16,"conv":123456789012345678901234567890}',
  ]) {
    const from = u.client.frames.length;
    u.client.sendRaw(text);
    expectError(await nullIdReply(u.client, from), 'bad_json', text);
  }
  expectResult(await u.client.request('ping'), 'still open');
});

fx.test('a \\u0000 escape in any string: bad_request (unknown_op for an op) with the request id, connection open', async () => {
  // PROTOCOL.md: \u0000 is valid JSON but never valid text, so the answer
  // names the request.
  const u = await authed();
  const c = (await u.client.ok('conv.create', { kind: 'channel', name: `nul-${Date.now() % 100000}` })).conversation;
  const m = (await u.client.ok('msg.send', { conv: c.id, body: 'clean', nonce: nonce() })).message;
  for (const [id, text, code] of [
    [11, `{"op":"msg.send","id":11,"conv":${c.id},"body":"a\\u0000b","nonce":"nul-1"}`, 'bad_request'],
    [12, `{"op":"msg.edit","id":12,"message":${m.id},"body":"x\\u0000"}`, 'bad_request'],
    [13, `{"op":"conv.update","id":13,"conv":${c.id},"topic":"a\\u0000"}`, 'bad_request'],
    [17, '{"op":"pi\\u0000ng","id":17}', 'unknown_op'],
  ]) {
    u.client.sendRaw(text);
    expectError(await u.client.waitFrame((f) => f.id === id), code, text);
  }
  const d = fx.track(await connect(fx.srv));
  d.sendRaw(JSON.stringify({ op: 'register', id: 1, handle: `nul${Date.now() % 100000}`, password: 'a long password', display_name: 'a\u0000b', team: 'other' }));
  expectError(await d.waitFrame((f) => f.id === 1), 'bad_request', 'NUL in a display name');
  d.sendRaw(JSON.stringify({ op: 'login', id: 2, handle: 'ana\u0000', password: 'a long password' }));
  expectError(await d.waitFrame((f) => f.id === 2), 'bad_request', 'NUL in a handle');
  expectError(await d.request('conv.list'), 'unauthenticated', 'still open, still unauthenticated');
  const h = expectResult(await u.client.request('msg.history', { conv: c.id }));
  assert.deepEqual(h.messages.map((x) => x.body), ['clean']);
});

fx.test('unknown op: unknown_op with the id echoed', async () => {
  const u = await authed();
  for (const op of ['frobnicate', 'msg.sendx', 'MSG.SEND', '', 'conv.', 'ping ']) {
    const r = await u.client.request(op, {});
    expectError(r, op === '' ? ['unknown_op', 'bad_request'] : 'unknown_op', JSON.stringify(op));
    assert.equal(typeof r.id, 'number');
  }
  expectResult(await u.client.request('ping'));
});

fx.test('every op but hello, login, register and ping answers unauthenticated before login', async () => {
  const c = fx.track(await connect(fx.srv));
  const ops = {
    logout: {}, 'user.list': {}, 'invite.create': {}, 'conv.list': {}, 'conv.get': { conv: 1 },
    'conv.create': { kind: 'channel', name: 'sneaky' }, 'dm.open': { user: 1 }, 'conv.join': { conv: 1 },
    'conv.leave': { conv: 1 }, 'conv.invite': { conv: 1, user: 1 }, 'conv.remove': { conv: 1, user: 1 },
    'conv.update': { conv: 1, topic: 'x' }, 'conv.archive': { conv: 1 },
    'msg.send': { conv: 1, body: 'x', nonce: 'n' }, 'msg.edit': { message: 1, body: 'x' },
    'msg.delete': { message: 1 }, 'msg.history': { conv: 1 }, typing: { conv: 1 },
  };
  for (const [op, fields] of Object.entries(ops)) {
    const r = await c.request(op, fields);
    expectError(r, 'unauthenticated', op);
    assert.equal(r.id, c.nextId - 1);
  }
  const p = expectResult(await c.request('ping'));
  assert.equal(typeof p.time, 'number');
  assert.ok(Math.abs(p.time - Date.now()) < 60000, 'ping time is ms since the epoch');
});

fx.test('login and register when already authenticated: already_authenticated', async () => {
  const u = await authed();
  expectError(await u.client.request('login', { handle: u.user.handle, password: u.password }), 'already_authenticated');
  expectError(await u.client.request('register', { handle: 'zz' + Date.now() % 100000, password: 'long enough pw', display_name: 'Z', team: 'sales' }), 'already_authenticated');
  // hello with a token on an authenticated connection is not a login.
  const r = await u.client.request('hello', { token: u.token });
  if (r.error) expectError(r, 'already_authenticated');
});

// The handshake with this Origin must be refused with HTTP 403.
async function expectRefused(srv, origin) {
  let client;
  try {
    client = await connect(srv, { origin });
  } catch (err) {
    assert.equal(err.status, 403, `Origin ${origin}: expected HTTP 403, got ${err.status ? `HTTP ${err.status}` : err.message}`);
    return;
  }
  fx.track(client);
  client.ws.terminate();
  assert.fail(`Origin ${origin} was accepted`);
}

fx.test('Origin: foreign, look-alike and "null" origins get HTTP 403; own origin and none are fine', async () => {
  const port = fx.srv.port;
  for (const origin of ['http://evil.example', 'http://127.0.0.1.evil.example', `http://127.0.0.1.evil.example:${port}`,
    'null', `https://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`, `http://localhost:${port}`, 'http://127.0.0.1',
    `http://127.0.0.1:${port}.evil.example`, `http://evil.example/http://127.0.0.1:${port}`, 'https://app.example']) {
    await expectRefused(fx.srv, origin);
  }
  const own = fx.track(await connect(fx.srv, { origin: `http://127.0.0.1:${port}` }));
  expectResult(await own.request('ping'));
  const none = fx.track(await connect(fx.srv));
  expectResult(await none.request('ping'));
});

fx.test('--allow-origin https://app.example allows that origin and no other', async () => {
  const srv = await fx.start({ args: ['--open-registration', '--allow-origin', 'https://app.example'] });
  const ok = fx.track(await connect(srv, { origin: 'https://app.example' }));
  expectResult(await ok.request('ping'));
  const own = fx.track(await connect(srv, { origin: `http://127.0.0.1:${srv.port}` }));
  expectResult(await own.request('ping'));
  for (const origin of ['http://app.example', 'https://app.example.evil.example', 'https://evil.example', 'null', 'https://app.example:8443']) {
    await expectRefused(srv, origin);
  }
});

fx.test('display names: control and bidi-override characters refused, SQL kept verbatim', async () => {
  const c = fx.track(await connect(fx.srv));
  const reg = (display_name) => c.request('register', {
    handle: `dn${process.pid % 1000}x${Math.floor(Math.random() * 1e9)}`, password: 'a long password', display_name, team: 'other',
  });
  for (const [what, name] of [
    ['RLO', 'evil\u202eexe.txt'], ['LRE', 'a\u202ab'], ['RLI', 'a\u2067b'], ['PDI', 'a\u2069b'],
['ESC', '\u001b[2Jclear'], ['newline', 'two\nlines'], ['tab', 'a\tb'], ['DEL', 'a\u007f'], ['C1', 'a\u0085b'],
  ]) {
    expectError(await reg(name), 'bad_request', what);
  }
  expectError(await reg('x'.repeat(65)), 'too_large', '65 characters');
  // 64 characters of two bytes each is fine (characters, not bytes).
  const sql = "Bobby'); DROP TABLE users;--";
  const d = fx.track(await connect(fx.srv));
  const r = expectResult(await d.request('register', { handle: `sq${process.pid % 1000}x${Date.now() % 100000}`, password: 'a long password', display_name: sql, team: 'other' }));
  assert.equal(r.user.display_name, sql);
  const e = fx.track(await connect(fx.srv));
  const r2 = expectResult(await e.request('register', { handle: `ue${process.pid % 1000}x${Date.now() % 100000}`, password: 'a long password', display_name: 'é'.repeat(64), team: 'other' }));
  assert.equal(r2.user.display_name, 'é'.repeat(64));
  const list = expectResult(await d.request('user.list')).users;
  assert.equal(list.find((u) => u.id === r.user.id).display_name, sql);
});

fx.test('login with SQL metacharacters: invalid_credentials, nothing more', async () => {
  const u = await fx.user({}, fx.srv);
  const c = fx.track(await connect(fx.srv));
  // In the password, with a real handle: just a wrong password.
  for (const password of ["' OR '1'='1' --", '" OR ""="', "x'); DROP TABLE users;--", '%', '*']) {
    expectError(await c.request('login', { handle: u.user.handle, password }), 'invalid_credentials', password);
  }
  // In the handle: not a handle at all, so invalid_credentials or bad_request
  // (the handle syntax is documented), never a login.
  for (const handle of [`${u.user.handle}' --`, "' OR 1=1 --", `${u.user.handle}%`, `${u.user.handle.slice(0, 2)}_%`]) {
    expectError(await c.request('login', { handle, password: u.password }), ['invalid_credentials', 'bad_request'], handle);
  }
  expectError(await c.request('conv.list'), 'unauthenticated');
});

cleanExitTest(fx);

// Bad input catalogue, additions to tests/integration/60-bad-input.test.js
// (which covers oversize, fragmented and lying frames, invalid UTF-8,
// binary frames, malformed JSON, bad ids, unknown ops and ops before
// login): huge arrays within the frame cap, wrong types and out-of-range
// numbers for every field type, malformed and revoked tokens, nonce reuse,
// control characters, escape sequences and bidi overrides in every text
// field, SQL metacharacters in every string field. Each case names the
// answer PROTOCOL.md documents for it.

import {
  serverFixture, cleanExitTest, assert, expectError, expectResult, nonce,
} from '../integration/util.js';
import { connect } from '../lib/server.js';

const fx = serverFixture({ args: ['--open-registration'] });
let n = 0;
const uniq = (p) => `${p}${process.pid % 1000}x${++n}`;
let cases = 0;
async function rawId(client, text, id) {
  client.sendRaw(text);
  return client.waitFrame((f) => f.id === id && f.event === undefined);
}
const tally = (k = 1) => { cases += k; };

fx.test('a huge JSON array within the frame cap: bad_request, the server stays responsive', async () => {
  const u = await fx.user();
  const members = Array.from({ length: 9000 }, (_, i) => i + 1);
  const r = await u.client.request('conv.create', { kind: 'group', members });
  expectError(r, 'bad_request', '9000 members');
  const nested = await u.client.request('conv.create', { kind: 'group', members: [[[[[[1]]]]], 2] });
  expectError(nested, 'bad_request', 'nested arrays as members');
  // An unknown field holding a 60 KB array of objects.
  const big = await u.client.request('ping', { junk: Array.from({ length: 6000 }, () => ({})) });
  expectError(big, 'bad_request', 'unknown field with a huge array');
  expectResult(await u.client.request('ping'));
  tally(3);
});

fx.test('wrong types and out-of-range numbers, field by field: bad_request naming the field', async () => {
  const u = await fx.user();
  const c = (await u.client.ok('conv.create', { kind: 'channel', name: uniq('types') })).conversation;
  const m = (await u.client.ok('msg.send', { conv: c.id, body: 'x', nonce: nonce() })).message;
  // [op, fields, field named in the message]
  const bad = [
    ['conv.get', { conv: '1' }, 'conv'], ['conv.get', { conv: 1.5 }, 'conv'], ['conv.get', { conv: -1 }, 'conv'],
    ['conv.get', { conv: 0 }, 'conv'], ['conv.get', { conv: true }, 'conv'], ['conv.get', { conv: null }, 'conv'],
    ['conv.get', {}, 'conv'],
    ['msg.history', { conv: c.id, limit: 0 }, 'limit'], ['msg.history', { conv: c.id, limit: 201 }, 'limit'],
    ['msg.history', { conv: c.id, limit: '5' }, 'limit'], ['msg.history', { conv: c.id, before: -5 }, 'before'],
    ['msg.history', { conv: c.id, after: [] }, 'after'],
    ['invite.create', { max_uses: 0 }, 'max_uses'], ['invite.create', { max_uses: 1001 }, 'max_uses'],
    ['invite.create', { ttl_hours: 0 }, 'ttl_hours'], ['invite.create', { ttl_hours: 721 }, 'ttl_hours'],
    ['invite.create', { ttl_hours: 1e3 }, 'ttl_hours'],
    ['conv.create', { kind: 'channel', name: uniq('p'), private: 'yes' }, 'private'],
    ['conv.create', { kind: 'channel', name: uniq('p'), private: 1 }, 'private'],
    ['conv.create', { kind: 'channel', name: uniq('p'), members: 'all' }, 'members'],
    ['conv.create', { kind: 'channel', name: uniq('p'), members: ['1'] }, 'members'],
    ['conv.create', { kind: 'channel', name: uniq('p'), members: Array.from({ length: 17 }, (_, i) => i + 1) }, 'members'],
    ['conv.create', { kind: 'dm', name: uniq('p') }, 'kind'], ['conv.create', { kind: 7 }, 'kind'],
    ['conv.create', { kind: 'group', name: 'named', members: [1, 2] }, 'name'],
    ['conv.create', { kind: 'channel', name: 5 }, 'name'],
    ['conv.update', { conv: c.id, topic: 5 }, 'topic'], ['conv.update', { conv: c.id, topic: null }, 'topic'],
    ['msg.send', { conv: c.id, body: 5, nonce: nonce() }, 'body'], ['msg.send', { conv: c.id, body: 'x', nonce: 5 }, 'nonce'],
    ['msg.send', { conv: c.id, body: 'x', nonce: '' }, 'nonce'], 
    ['msg.send', { conv: c.id, body: '', nonce: nonce() }, 'body'], ['msg.send', { conv: c.id, body: ' \n\t ', nonce: nonce() }, 'body'],
    ['msg.edit', { message: String(m.id), body: 'y' }, 'message'], ['msg.delete', { message: {} }, 'message'],
    ['dm.open', { user: 'ana' }, 'user'], ['conv.invite', { conv: c.id, user: -3 }, 'user'],
    ['typing', { conv: [c.id] }, 'conv'],
  ];
  const wrong = [];
  for (const [op, fields, field] of bad) {
    const r = await u.client.request(op, fields);
    if (!r.error || r.error.code !== 'bad_request' || !r.error.message.includes(field)) wrong.push(`${op} ${JSON.stringify(fields).slice(0, 80)}: ${JSON.stringify(r.error || r.result).slice(0, 120)}`);
  }
  assert.deepEqual(wrong, []);
  tally(bad.length);
  // Text over its length limit answers too_large (a 65-byte nonce).
  expectError(await u.client.request('msg.send', { conv: c.id, body: 'x', nonce: 'n'.repeat(65) }), 'too_large', 'nonce of 65');
  // An integer beyond 64 bits makes the frame unreadable: bad_json, id null.
  const from = u.client.frames.length;
  u.client.sendRaw('{"op":"conv.get","id":5,"conv":18446744073709551616}');
  const f = await u.client.waitFrame((x) => x.id === null && u.client.frames.indexOf(x) >= from);
  expectError(f, 'bad_json', '2^64');
  // 2^63 - 1 fits in 64 bits but is beyond any id: bad_request for conv.
  const big = await rawId(u.client, '{"op":"conv.get","id":6,"conv":9223372036854775807}', 6);
  if (big.error.code !== 'not_found') expectError(big, 'bad_request', '2^63-1');
  tally(3);
  // Unauthenticated fields too: since, team, handle types.
  const d = fx.track(await connect(fx.srv));
  for (const [op, fields, field] of [
    ['hello', { since: -1 }, 'since'], ['hello', { since: 1.5 }, 'since'], ['hello', { since: '3' }, 'since'],
    ['hello', { token: 42 }, 'token'],
    ['register', { handle: uniq('t'), password: 'long enough pw', display_name: 'T', team: 'admins' }, 'team'],
    ['register', { handle: uniq('t'), password: 'long enough pw', display_name: 'T', team: 'sales', invite: 7 }, 'invite'],
    ['login', { handle: ['ana'], password: 'long enough pw' }, 'handle'], ['login', { handle: 'ana', password: 12345678901 }, 'password'],
    ['login', { handle: 'ana', password: 'long enough pw', since: -2 }, 'since'],
  ]) {
    const r = await d.request(op, fields);
    expectError(r, 'bad_request', `${op} ${JSON.stringify(fields)}`);
    assert.ok(r.error.message.includes(field), `${op}: the message names ${field}: ${r.error.message}`);
    tally();
  }
  // Nothing was created by any of it.
  const h = expectResult(await u.client.request('msg.history', { conv: c.id }));
  assert.deepEqual(h.messages.map((x) => x.body), ['x']);
});

fx.test('malformed, revoked and foreign tokens: bad_token, the connection stays unauthenticated and open', async () => {
  const u = await fx.user();
  const d = fx.track(await connect(fx.srv));
  const revoked = await fx.user();
  const spare = fx.track(await connect(fx.srv));
  expectResult(await spare.request('hello', { token: revoked.token }));
  expectResult(await revoked.client.request('logout'));
  const variants = [
    ['empty', ''], ['one char', 'x'], ['not base64', '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'],
    ['truncated', u.token.slice(0, -1)], ['extended', `${u.token}A`], ['one char changed', (u.token[0] === 'A' ? 'B' : 'A') + u.token.slice(1)],
    ['upper-cased', u.token.toUpperCase() === u.token ? u.token.toLowerCase() : u.token.toUpperCase()],
    ['4 KB', 'A'.repeat(4096)], ['SQL', "' OR '1'='1"], ['revoked by logout', revoked.token],
  ];
  for (const [what, token] of variants) {
    const r = await d.request('hello', { token });
    if (r.error && r.error.code === 'bad_request') expectError(r, 'bad_request', what); // over a length limit
    else expectError(r, 'bad_token', what);
    expectError(await d.request('conv.list'), 'unauthenticated', `after a ${what} token`);
    tally();
  }
  expectResult(await d.request('hello', { token: u.token }), 'a good token still works on the same connection');
  // The connection that used the revoked token was closed with 4001.
  const closed = await spare.closed;
  assert.equal(closed.code, 4001);
  // Expired tokens (30 days) need a clock the black-box tests do not
  // control: the store's expiry check is covered by the unit tests.
});

fx.test('nonce reuse: same content is a retry, different body or conversation is nonce_conflict, nonces are per user', async () => {
  const [a, b] = await fx.users(2);
  const c1 = (await a.client.ok('conv.create', { kind: 'channel', name: uniq('n'), members: [b.user.id] })).conversation;
  const c2 = (await a.client.ok('conv.create', { kind: 'channel', name: uniq('n'), members: [b.user.id] })).conversation;
  const k = nonce('reuse');
  const first = (await a.client.ok('msg.send', { conv: c1.id, body: 'original', nonce: k })).message;
  const again = (await a.client.ok('msg.send', { conv: c1.id, body: 'original', nonce: k })).message;
  assert.deepEqual(again, first, 'a retry returns the original');
  expectError(await a.client.request('msg.send', { conv: c1.id, body: 'different', nonce: k }), 'nonce_conflict');
  expectError(await a.client.request('msg.send', { conv: c2.id, body: 'original', nonce: k }), 'nonce_conflict');
  const other = (await b.client.ok('msg.send', { conv: c1.id, body: 'original', nonce: k })).message;
  assert.notEqual(other.id, first.id, "another user's same nonce is another message");
  const h = expectResult(await a.client.request('msg.history', { conv: c1.id })).messages;
  assert.deepEqual(h.map((m) => m.id), [first.id, other.id]);
  assert.equal(expectResult(await a.client.request('msg.history', { conv: c2.id })).messages.length, 0);
  tally(4);
});

// Controls, terminal escape sequences and bidi overrides.
const NASTY = {
  'ESC sequence': 'a\u001b[31mred\u001b[0m',
  'BEL': 'ding\u0007',
  'CR': 'line\rover',
  'DEL': 'x\u007f',
  'C1 CSI': 'a\u009b31m',
  'RLO bidi override': 'abc\u202edcba',
  'LRI isolate': '\u2066abc',
};
const SQL = ["'; DROP TABLE messages; --", 'x" OR "1"="1', "Robert'); DELETE FROM users;--", '%_\\%', '1; SELECT * FROM tokens'];

fx.test('controls, escape sequences and bidi overrides in every text field', async () => {
  const u = await fx.user();
  const c = (await u.client.ok('conv.create', { kind: 'channel', name: uniq('ctl') })).conversation;
  const d = fx.track(await connect(fx.srv));
  const wrong = [];
  for (const [what, s] of Object.entries(NASTY)) {
    const bidi = /[\u202a-\u202e\u2066-\u2069]/.test(s);
    const checks = [
      // display name and topic: "no control or bidi-override characters".
      ['display_name', d, 'register', { handle: uniq('c'), password: 'long enough pw', display_name: s, team: 'other' }, 'bad_request'],
      ['topic', u.client, 'conv.update', { conv: c.id, topic: s }, 'bad_request'],
      ['topic at creation', u.client, 'conv.create', { kind: 'channel', name: uniq('c'), topic: s }, 'bad_request'],
      // channel name, handle, nonce: restricted ASCII alphabets.
      ['name', u.client, 'conv.create', { kind: 'channel', name: `a${s}` }, 'bad_request'],
      ['handle', d, 'register', { handle: `a${s}`.toLowerCase(), password: 'long enough pw', display_name: 'H', team: 'other' }, 'bad_request'],
      ['nonce', u.client, 'msg.send', { conv: c.id, body: 'hi', nonce: `n${s}` }, 'bad_request'],
      // body: "\n and \t allowed, no other control characters"; bidi
      // characters are not controls there and are stored as sent.
      ['body', u.client, 'msg.send', { conv: c.id, body: s, nonce: nonce() }, bidi ? 'ok' : 'bad_request'],
    ];
    for (const [field, client, op, fields, want] of checks) {
      const r = await client.request(op, fields);
      const got = r.result ? 'ok' : r.error.code;
      tally();
      if (got !== want) wrong.push(`${what} in ${field}: expected ${want}, got ${got}`);
      if (got === 'ok' && op === 'msg.send') assert.equal(r.result.message.body, s, 'stored byte for byte');
    }
  }
  assert.deepEqual(wrong, []);
  const g = expectResult(await u.client.request('conv.get', { conv: c.id }));
  assert.equal(g.conversation.topic, '', 'no refused topic was stored');
});

fx.test('SQL metacharacters in every string field are data, never SQL', async () => {
  const [u, v] = await fx.users(2);
  const c = (await u.client.ok('conv.create', { kind: 'channel', name: uniq('sql'), members: [v.user.id] })).conversation;
  for (const s of SQL) {
    // Free text is stored and returned byte for byte.
    const m = (await u.client.ok('msg.send', { conv: c.id, body: s, nonce: nonce() })).message;
    assert.equal(m.body, s);
    assert.equal((await u.client.ok('msg.edit', { message: m.id, body: `${s}!` })).message.body, `${s}!`);
    assert.equal((await u.client.ok('conv.update', { conv: c.id, topic: s })).conversation.topic, s);
    const d = fx.track(await connect(fx.srv));
    const reg = await d.request('register', { handle: uniq('q'), password: `${s} long password`, display_name: s, team: 'other' });
    assert.equal(expectResult(reg).user.display_name, s);
    // A printable-ASCII nonce may hold quotes: stored as sent.
    const k = s.replace(/ /g, '').slice(0, 60);
    if (/^[\x21-\x7e]+$/.test(k)) assert.equal((await u.client.ok('msg.send', { conv: c.id, body: 'n', nonce: k })).message.nonce, k);
    // Restricted fields refuse them.
    expectError(await u.client.request('conv.create', { kind: 'channel', name: s }), 'bad_request', 'name');
    const e = fx.track(await connect(fx.srv));
    expectError(await e.request('login', { handle: s, password: 'whatever long' }), ['bad_request', 'invalid_credentials'], 'handle');
    expectError(await e.request('login', { handle: u.user.handle, password: s }), 'invalid_credentials', 'password');
    expectError(await e.request('hello', { token: s }), ['bad_token', 'bad_request'], 'token');
    expectError(await e.request('register', { handle: uniq('q'), password: 'long enough pw', display_name: 'Q', team: 'other', invite: s }), ['bad_request', 'invite_required', 'ok'].filter((x) => x !== 'ok'), 'invite');
    tally(10);
  }
  // Everything is still there, nothing was dropped or widened.
  const h = expectResult(await v.client.request('msg.history', { conv: c.id, limit: 200 }));
  assert.ok(h.messages.length >= SQL.length);
  const users = expectResult(await v.client.request('user.list')).users;
  assert.ok(users.length >= 3 + SQL.length);
  console.log(`bad input catalogue: ${cases} cases, each answered as documented`);
});

cleanExitTest(fx);

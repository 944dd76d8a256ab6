// Authentication: hello, register (first user admin, invites), login (bad
// credentials, rate limit), logout (4001, token revoked), token resume,
// invite.create, user.list. The server runs WITHOUT --open-registration.

import {
  serverFixture, cleanExitTest, assert, expectError, expectResult,
  uniqueHandle, closedWithin, sleep,
} from './util.js';

const fx = serverFixture();
const PASSWORD = 'correct horse battery';

const DAY = 24 * 3600 * 1000;

function assertUser(u, what) {
  assert.equal(typeof u.id, 'number', `${what}: user.id`);
  assert.equal(typeof u.handle, 'string', `${what}: user.handle`);
  assert.equal(typeof u.display_name, 'string', `${what}: user.display_name`);
  assert.ok(['sales', 'marketing', 'other'].includes(u.team), `${what}: user.team ${u.team}`);
  assert.ok(['member', 'admin'].includes(u.role), `${what}: user.role ${u.role}`);
}

fx.test('hello without a token on an empty server: limits, no invite needed yet', async () => {
  const c = await fx.connect();
  const r = expectResult(await c.request('hello', {}));
  assert.equal(r.protocol, 'tandem.v1');
  assert.equal(typeof r.server, 'string');
  assert.equal(r.open_registration, false);
  assert.equal(r.needs_invite, false, 'no account exists yet, so the first registration needs no invite');
  assert.equal(typeof r.head, 'number');
  assert.equal(r.user, undefined, 'no user without a token');
  assert.deepEqual(
    {
      max_frame_bytes: r.limits.max_frame_bytes,
      max_body_bytes: r.limits.max_body_bytes,
      history_max: r.limits.history_max,
      rate_per_sec: r.limits.rate_per_sec,
      rate_burst: r.limits.rate_burst,
      queue_max_frames: r.limits.queue_max_frames,
    },
    {
      max_frame_bytes: 65536, max_body_bytes: 16384, history_max: 200,
      rate_per_sec: 20, rate_burst: 60, queue_max_frames: 4096,
    });
  // Still unauthenticated: other ops are refused, ping works.
  expectError(await c.request('conv.list'), 'unauthenticated');
  expectResult(await c.request('ping'));
});

fx.test('the first account becomes admin without an invite', async () => {
  const c = await fx.connect();
  const handle = uniqueHandle('admin');
  const before = Date.now();
  const r = expectResult(await c.request('register', {
    handle, password: PASSWORD, display_name: 'Ana Admin', team: 'marketing',
  }));
  assertUser(r.user, 'register');
  assert.equal(r.user.handle, handle);
  assert.equal(r.user.display_name, 'Ana Admin');
  assert.equal(r.user.team, 'marketing');
  assert.equal(r.user.role, 'admin');
  assert.equal(typeof r.token, 'string');
  assert.ok(r.token.length >= 16, 'token looks random enough');
  assert.equal(typeof r.head, 'number');
  // Tokens live 30 days.
  assert.ok(Math.abs(r.expires_at - (before + 30 * DAY)) < 60000, `expires_at ${r.expires_at} is about 30 days from now`);
  fx.admin = { client: c, user: r.user, token: r.token, password: PASSWORD };
  // The connection is authenticated now.
  expectResult(await c.request('conv.list'));
});

fx.test('after the first account, hello says an invite is needed', async () => {
  const c = await fx.connect();
  const r = expectResult(await c.request('hello', {}));
  assert.equal(r.needs_invite, true);
  assert.equal(r.open_registration, false);
});

fx.test('registration without an invite or with a bad one: invite_required', async () => {
  const c = await fx.connect();
  const base = { password: PASSWORD, display_name: 'Nobody', team: 'sales' };
  expectError(await c.request('register', { handle: uniqueHandle('noinv'), ...base }), 'invite_required');
  expectError(await c.request('register', { handle: uniqueHandle('badinv'), invite: 'AAAAAAAAAAAAAAAAAAAAAA', ...base }), 'invite_required');
  expectError(await c.request('register', { handle: uniqueHandle('badinv'), invite: 'x', ...base }), ['invite_required', 'bad_request']);
  // The connection stays usable and unauthenticated.
  expectError(await c.request('conv.list'), 'unauthenticated');
});

fx.test('invite.create by the admin; the invite registers one member and is then used up', async () => {
  const before = Date.now();
  const inv = expectResult(await fx.admin.client.request('invite.create', {}));
  assert.equal(typeof inv.code, 'string');
  assert.equal(inv.code.length, 22, `invite code ${inv.code} has 22 characters`);
  assert.ok(Math.abs(inv.expires_at - (before + 168 * 3600 * 1000)) < 60000, 'default ttl is 168 hours');

  const u = await fx.user({ invite: inv.code, team: 'sales' }, fx.srv);
  assert.equal(u.user.role, 'member', 'later accounts are members');

  const c = await fx.connect();
  expectError(await c.request('register', {
    handle: uniqueHandle('late'), password: PASSWORD, display_name: 'Late', team: 'other', invite: inv.code,
  }), 'invite_required', 'a used-up invite');
});

fx.test('invite.create max_uses and ttl_hours are honoured and range-checked', async () => {
  const a = fx.admin.client;
  const before = Date.now();
  const inv = expectResult(await a.request('invite.create', { max_uses: 2, ttl_hours: 1 }));
  assert.ok(Math.abs(inv.expires_at - (before + 3600 * 1000)) < 60000, 'ttl_hours 1');
  for (let i = 0; i < 2; i++) {
    const u = await fx.user({ invite: inv.code }, fx.srv);
  }
  const c = await fx.connect();
  expectError(await c.request('register', {
    handle: uniqueHandle('third'), password: PASSWORD, display_name: 'Third', team: 'sales', invite: inv.code,
  }), 'invite_required', 'third use of a 2-use invite');

  for (const bad of [{ max_uses: 0 }, { max_uses: 1001 }, { ttl_hours: 0 }, { ttl_hours: 721 },
    { max_uses: 'two' }, { max_uses: 1.5 }, { extra: 1 }]) {
    expectError(await a.request('invite.create', bad), 'bad_request', JSON.stringify(bad));
  }
  expectResult(await a.request('invite.create', { max_uses: 1000, ttl_hours: 720 }));
});

fx.test('invite.create by a non-admin: forbidden', async () => {
  const m = await fx.user();
  assert.equal(m.user.role, 'member');
  expectError(await m.client.request('invite.create', {}), 'forbidden');
});

fx.test('register: handle_taken, weak_password, invalid fields', async () => {
  const c = await fx.connect();
  const taken = fx.admin.user.handle;
  const code = async () => (await fx.admin.client.ok('invite.create', {})).code;
  const base = { display_name: 'Someone', team: 'sales' };
  expectError(await c.request('register', { handle: taken, password: PASSWORD, invite: await code(), ...base }), 'handle_taken');
  expectError(await c.request('register', { handle: uniqueHandle('weak'), password: '123456789', invite: await code(), ...base }), 'weak_password', '9-byte password');
  const h = uniqueHandle('samepassword');
  assert.ok(h.length >= 10);
  expectError(await c.request('register', { handle: h, password: h, invite: await code(), ...base }), 'weak_password', 'password equal to the handle');
  // Malformed handles, teams, names.
  for (const [what, fields] of [
    ['uppercase handle', { handle: 'Ana' + Date.now() % 1000 }],
    ['one-byte handle', { handle: 'a' }],
    ['handle starting with a digit', { handle: '1abc' }],
    ['handle with a space', { handle: 'ana reyes' }],
    ['handle with SQL', { handle: "ana'--" }],
    ['bad team', { team: 'finance' }],
    ['empty display name', { display_name: '' }],
  ]) {
    const fields2 = { handle: uniqueHandle('ok'), password: PASSWORD, invite: await code(), ...base, ...fields };
    expectError(await c.request('register', fields2), 'bad_request', what);
  }
  expectError(await c.request('register', { handle: 'a'.repeat(33), password: PASSWORD, invite: await code(), ...base }), 'too_large', '33-byte handle');
  for (const missing of ['handle', 'password', 'display_name', 'team']) {
    const fields2 = { handle: uniqueHandle('ok'), password: PASSWORD, invite: await code(), ...base };
    delete fields2[missing];
    expectError(await c.request('register', fields2), 'bad_request', `missing ${missing}`);
  }
  // A failed registration leaves the connection unauthenticated.
  expectError(await c.request('conv.list'), 'unauthenticated');
});

fx.test('login: correct password; unknown handle and wrong password look the same', async () => {
  const u = await fx.user({ password: 'the right password' });
  const c = await fx.connect();
  const r = expectResult(await c.request('login', { handle: u.user.handle, password: 'the right password' }));
  assert.deepEqual(r.user.id, u.user.id);
  assert.equal(r.user.handle, u.user.handle);
  assert.equal(typeof r.token, 'string');
  assert.notEqual(r.token, u.token, 'a login mints a new token');
  assert.equal(typeof r.expires_at, 'number');
  assert.equal(typeof r.head, 'number');

  const d = await fx.connect();
  const e1 = expectError(await d.request('login', { handle: uniqueHandle('ghost'), password: 'the right password' }), 'invalid_credentials');
  const e2 = expectError(await d.request('login', { handle: u.user.handle, password: 'the wrong password' }), 'invalid_credentials');
  assert.deepEqual(e1, e2, 'unknown handle and wrong password give the same error object');
  expectError(await d.request('conv.list'), 'unauthenticated');
});

fx.test('login rate limit: more than 10 failures for one account answer rate_limited, even with the right password', async () => {
  const u = await fx.user({ password: 'victim password' });
  const other = await fx.user({ password: 'other password' });
  const c = await fx.connect();
  for (let i = 1; i <= 10; i++) {
    expectError(await c.request('login', { handle: u.user.handle, password: `guess number ${i}` }), 'invalid_credentials', `failure ${i}`);
  }
  // Stricter reading of "more than 10 failures": the 11th attempt is refused.
  expectError(await c.request('login', { handle: u.user.handle, password: 'guess number 11' }), 'rate_limited', 'attempt 11');
  expectError(await c.request('login', { handle: u.user.handle, password: 'victim password' }), 'rate_limited', 'right password while limited');
  // The limit is per account: another account still logs in.
  const d = await fx.connect();
  expectResult(await d.request('login', { handle: other.user.handle, password: 'other password' }));
  // An existing token of the limited account keeps working.
  const e = await fx.connect();
  expectResult(await e.request('hello', { token: u.token }));
});

fx.test('logout: reply {}, then every connection on that token closes with 4001; the token is revoked', async () => {
  const u = await fx.user();
  const second = await fx.connect();
  expectResult(await second.request('hello', { token: u.token }));
  // Another token of the same user (from a login) is not affected.
  const third = await fx.connect();
  const t3 = expectResult(await third.request('login', { handle: u.user.handle, password: PASSWORD }));

  const r = await u.client.request('logout');
  assert.deepEqual(expectResult(r), {});
  const closeA = await closedWithin(u.client, 5000);
  assert.equal(closeA.code, 4001, 'the logging-out connection');
  const closeB = await closedWithin(second, 5000);
  assert.equal(closeB.code, 4001, 'another connection on the same token');

  const d = await fx.connect();
  expectError(await d.request('hello', { token: u.token }), 'bad_token');
  // The connection stays open and unauthenticated.
  expectError(await d.request('conv.list'), 'unauthenticated');
  expectResult(await d.request('ping'));

  expectResult(await third.request('ping'));
  const e = await fx.connect();
  expectResult(await e.request('hello', { token: t3.token }));
});

fx.test('token resume: hello with a token authenticates without a password', async () => {
  const u = await fx.user({ displayName: 'Resumer' });
  const c = await fx.connect();
  const r = expectResult(await c.request('hello', { token: u.token }));
  assert.equal(r.protocol, 'tandem.v1');
  assert.equal(r.user.id, u.user.id);
  assert.equal(r.user.display_name, 'Resumer');
  assert.equal(typeof r.head, 'number');
  expectResult(await c.request('conv.list'));
  // Already authenticated now.
  expectError(await c.request('login', { handle: u.user.handle, password: PASSWORD }), 'already_authenticated');
});

fx.test('hello with an unknown or malformed token: bad_token, connection stays unauthenticated', async () => {
  const c = await fx.connect();
  expectError(await c.request('hello', { token: 'not-a-real-token' }), 'bad_token');
  expectError(await c.request('hello', { token: '' }), ['bad_token', 'bad_request']);
  expectError(await c.request('conv.list'), 'unauthenticated');
  const u = await fx.user();
  // A failed hello does not prevent a later good one.
  expectResult(await c.request('hello', { token: u.token }));
  expectResult(await c.request('conv.list'));
});

fx.test('login and register on an authenticated connection: already_authenticated', async () => {
  const u = await fx.user();
  expectError(await u.client.request('login', { handle: u.user.handle, password: PASSWORD }), 'already_authenticated');
  expectError(await u.client.request('register', {
    handle: uniqueHandle('again'), password: PASSWORD, display_name: 'Again', team: 'sales',
  }), 'already_authenticated');
  expectResult(await u.client.request('conv.list'));
});

fx.test('user.list lists everyone with online; user.new reaches connected users', async () => {
  const watcher = await fx.user();
  const from = watcher.client.events.length;
  const nu = await fx.user({ displayName: 'Newcomer', team: 'marketing' });
  const ev = await watcher.client.waitEvent((e) => e.event === 'user.new' && e.data.user.id === nu.user.id, 5000, from);
  assert.equal(typeof ev.seq, 'number');
  assert.equal(ev.data.user.handle, nu.user.handle);
  assert.equal(ev.data.user.display_name, 'Newcomer');
  assert.equal(ev.data.user.team, 'marketing');

  const r = expectResult(await watcher.client.request('user.list'));
  assert.ok(Array.isArray(r.users));
  const byId = new Map(r.users.map((u) => [u.id, u]));
  assert.ok(byId.has(fx.admin.user.id));
  assert.equal(byId.get(fx.admin.user.id).role, 'admin');
  assert.equal(byId.get(nu.user.id).handle, nu.user.handle);
  assert.equal(byId.get(nu.user.id).online, true, 'a connected user is online');
  for (const u of r.users) {
    assertUser(u, 'user.list');
    assert.equal(typeof u.online, 'boolean');
    assert.equal(u.password, undefined);
  }
  // Someone who disconnected goes offline.
  const gone = await fx.user();
  await gone.client.close();
  let offline = false;
  for (let i = 0; i < 50 && !offline; i++) {
    const l = expectResult(await watcher.client.request('user.list'));
    offline = l.users.find((u) => u.id === gone.user.id).online === false;
    if (!offline) await sleep(100);
  }
  assert.ok(offline, 'a user with no connection is offline');
  // presence is ephemeral: never a seq.
  for (const e of watcher.client.events) {
    if (e.event === 'presence') {
      assert.equal(e.seq, undefined, `presence without seq: ${JSON.stringify(e)}`);
      assert.equal(typeof e.data.user, 'number');
      assert.equal(typeof e.data.online, 'boolean');
    }
  }
});

fx.test('replies come in request order even when a login is slow (password hashing)', async () => {
  const u = await fx.user({ password: 'ordered password' });
  const c = await fx.connect();
  // All sent at once, without waiting: login (hashed on a worker), ping,
  // a second login, then an op that needs the second login to have
  // completed first.
  const ps = [
    c.request('login', { handle: u.user.handle, password: 'not the password' }),
    c.request('ping'),
    c.request('login', { handle: u.user.handle, password: 'ordered password' }),
    c.request('conv.list'),
    c.request('ping'),
  ];
  const rs = await Promise.all(ps);
  expectError(rs[0], 'invalid_credentials');
  expectResult(rs[1]);
  expectResult(rs[2]);
  expectResult(rs[3], 'conv.list right after a pipelined login runs authenticated');
  expectResult(rs[4]);
  const order = c.frames.filter((f) => f.event === undefined).map((f) => f.id);
  assert.deepEqual(order, [1, 2, 3, 4, 5], 'one reply per request, in request order');

  // The same for register.
  const d = await fx.connect();
  const inv = (await fx.admin.client.ok('invite.create', {})).code;
  const rr = await Promise.all([
    d.request('register', { handle: uniqueHandle('pipe'), password: PASSWORD, display_name: 'Pipe', team: 'other', invite: inv }),
    d.request('user.list'),
  ]);
  expectResult(rr[0]);
  expectResult(rr[1], 'user.list right after a pipelined register');
  assert.deepEqual(d.frames.filter((f) => f.event === undefined).map((f) => f.id), [1, 2]);
});

fx.test('hello with a well-formed but unknown token: bad_token', async () => {
  const c = await fx.connect();
  expectError(await c.request('hello', { token: 'A'.repeat(43) }), 'bad_token');
  expectError(await c.request('conv.list'), 'unauthenticated');
});

fx.test('registrations and successful logins do not count as failed attempts (open registration, one address)', async () => {
  // The spec limits failed login attempts per address (30 a minute); it
  // sets no limit on registrations or successful logins.
  const srv = await fx.start({ args: ['--open-registration'] });
  const users = [];
  for (let i = 0; i < 35; i++) users.push(await fx.user({ password: 'many users here' }, srv));
  const c = await fx.connect({}, srv);
  for (let i = 0; i < 5; i++) {
    const d = await fx.connect({}, srv);
    expectResult(await d.request('login', { handle: users[i].user.handle, password: 'many users here' }), `login ${i + 1} after 35 registrations`);
  }
  expectError(await c.request('login', { handle: users[0].user.handle, password: 'wrong' }), 'invalid_credentials', 'the first failure');
});

fx.test('races: a one-use invite and a handle can each be taken only once', async () => {
  const inv = (await fx.admin.client.ok('invite.create', { max_uses: 1 })).code;
  const cs = [];
  for (let i = 0; i < 4; i++) cs.push(await fx.connect());
  const rs = await Promise.all(cs.map((c) => c.request('register', {
    handle: uniqueHandle('race'), password: PASSWORD, display_name: 'Racer', team: 'sales', invite: inv,
  })));
  assert.equal(rs.filter((r) => r.result).length, 1, `one registration per one-use invite: ${JSON.stringify(rs)}`);
  for (const r of rs.filter((x) => !x.result)) expectError(r, 'invite_required');

  const inv2 = (await fx.admin.client.ok('invite.create', { max_uses: 10 })).code;
  const handle = uniqueHandle('same');
  const ds = [];
  for (let i = 0; i < 4; i++) ds.push(await fx.connect());
  const rs2 = await Promise.all(ds.map((c) => c.request('register', {
    handle, password: PASSWORD, display_name: 'Same', team: 'sales', invite: inv2,
  })));
  assert.equal(rs2.filter((r) => r.result).length, 1, `one account per handle: ${JSON.stringify(rs2)}`);
  for (const r of rs2.filter((x) => !x.result)) expectError(r, 'handle_taken');
});

fx.test('concurrent wrong passwords for one account: still at most 10 failures before rate_limited', async () => {
  // Its own server: 20 failures would eat into this file's per-address budget.
  const srv = await fx.start({ args: ['--open-registration'] });
  const u = await fx.user({ password: 'concurrent victim' }, srv);
  const cs = [];
  for (let i = 0; i < 20; i++) cs.push(await fx.connect({}, srv));
  const rs = await Promise.all(cs.map((c, i) => c.request('login', { handle: u.user.handle, password: `parallel guess ${i}` })));
  const failures = rs.filter((r) => r.error && r.error.code === 'invalid_credentials').length;
  const limited = rs.filter((r) => r.error && r.error.code === 'rate_limited').length;
  const odd = rs.find((r) => r.result || !['invalid_credentials', 'rate_limited'].includes(r.error.code));
  assert.equal(failures + limited, 20, `only invalid_credentials or rate_limited: ${JSON.stringify(odd)}`);
  assert.ok(failures <= 10, `at most 10 password guesses are checked, got ${failures} invalid_credentials and ${limited} rate_limited`);
});

fx.test('a connection that goes away while its password is being hashed does not hurt the server', async () => {
  const u = await fx.user({ password: 'hashing victim' });
  for (let i = 0; i < 10; i++) {
    const c = await fx.connect();
    c.ws.send(JSON.stringify({ op: 'login', id: 1, handle: u.user.handle, password: 'hashing victim' }));
    c.ws.send(JSON.stringify({ op: 'conv.list', id: 2 }));
    c.terminate();
    const d = await fx.connect();
    const inv = (await fx.admin.client.ok('invite.create', {})).code;
    d.ws.send(JSON.stringify({ op: 'register', id: 1, handle: uniqueHandle('gone'), password: PASSWORD, display_name: 'Gone', team: 'other', invite: inv }));
    d.terminate();
  }
  // The server still serves, and the token-holding user can still log in.
  const e = await fx.connect();
  expectResult(await e.request('login', { handle: u.user.handle, password: 'hashing victim' }));
  expectResult(await e.request('user.list'));
});

fx.test('per-address login limit: more than 30 failed attempts a minute answer rate_limited', async () => {
  // A separate server, so this file's other tests are not affected.
  const srv = await fx.start({ args: ['--open-registration'] });
  const accounts = [];
  for (let i = 0; i < 4; i++) {
    const u = await fx.user({ password: 'a fine password' }, srv);
    accounts.push(u);
  }
  const c = await fx.connect({}, srv);
  // 3 accounts x 10 failures: each account stays at its own limit.
  for (let a = 0; a < 3; a++) {
    for (let i = 0; i < 10; i++) {
      const r = await c.request('login', { handle: accounts[a].user.handle, password: `wrong ${i}` });
      expectError(r, 'invalid_credentials', `account ${a} failure ${i + 1}`);
    }
  }
  const r = await c.request('login', { handle: accounts[3].user.handle, password: 'wrong again' });
  expectError(r, 'rate_limited', '31st failed attempt from one address');
});

cleanExitTest(fx);

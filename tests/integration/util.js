// Helpers shared by the integration tests, on top of tests/lib/server.js
// (whose API stays as it is). One server per test file: serverFixture()
// starts it in before(), and cleanExitTest() ends the file with a test that
// stops it and asserts exit code 0, so a sanitizer report fails the suite.
// fx.test() wraps node:test's test() so that a failure carries the tail of
// the server's stderr.

import fs from 'node:fs';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, registerUser, uniqueHandle, sleep } from '../lib/server.js';

export { assert, sleep };

// Start one server per file. opts are startServer()'s. The fixture keeps
// every client it hands out and closes them before stopping the server.
export function serverFixture(opts = {}) {
  const fx = {
    srv: null,
    servers: [],
    clients: [],
    admin: null,
    opts,
    // A test whose failure message ends with the server's stderr.
    test(name, optsOrFn, maybeFn) {
      const fn = typeof optsOrFn === 'function' ? optsOrFn : maybeFn;
      const topts = typeof optsOrFn === 'function' ? {} : optsOrFn;
      return test(name, { timeout: 30000, ...topts }, async (t) => {
        // A server that dies mid-test fails the test at once, with its
        // stderr, instead of leaving requests pending forever.
        const dead = fx.servers.find((s) => (s.proc.exitCode !== null || s.proc.signalCode !== null) && !s.killedOnPurpose && !s.stoppedAndChecked);
        if (dead) throw withStderr(new Error(`tandemd (port ${dead.port}) died in an earlier test`), fx.servers);
        let onDeath;
        const died = new Promise((_, reject) => {
          onDeath = reject;
          for (const s of fx.servers) {
            s.exited.then(({ code, signal }) => {
              if (!s.killedOnPurpose && !s.stoppedAndChecked) reject(new Error(`tandemd (port ${s.port}) died: exit ${code} signal ${signal}`));
            });
          }
        });
        died.catch(() => {});
        fx.onStart = (s) => s.exited.then(({ code, signal }) => {
          if (!s.killedOnPurpose && !s.stoppedAndChecked) onDeath(new Error(`tandemd (port ${s.port}) died: exit ${code} signal ${signal}`));
        });
        try {
          await Promise.race([fn(t), died]);
        } catch (err) {
          throw withStderr(err, fx.servers);
        } finally {
          fx.onStart = null;
        }
      });
    },
    // Start another server (tracked, stopped in after()).
    async start(sopts = {}) {
      const srv = await startServer(sopts);
      fx.servers.push(srv);
      // A test abandoned after a failure may still be running: whatever it
      // starts after the file is done is stopped at once.
      if (fx.done) srv.kill9();
      if (fx.onStart) fx.onStart(srv);
      return srv;
    },
    // Keep a client for cleanup. When its connection closes, requests still
    // waiting get a synthetic error reply naming the close code, so a test
    // fails with a clear message instead of hanging.
    track(client) {
      fx.clients.push(client);
      if (fx.done) client.ws.terminate();
      // The spec promises exactly one reply per request: a request left
      // unanswered for 5 s (client.replyTimeoutMs) resolves with a synthetic
      // error naming it, so the test fails there instead of timing out as a
      // whole.
      const request = client.request.bind(client);
      client.request = (op, fields = {}) => {
        const id = client.nextId;
        let timer;
        const timeout = new Promise((resolve) => {
          const ms = client.replyTimeoutMs || 5000;
          timer = setTimeout(() => resolve({ id, error: { code: 'no_reply', message: `(test harness) no reply to ${op} ${JSON.stringify(fields).slice(0, 200)} within ${ms} ms` } }), ms);
          timer.unref();
        });
        return Promise.race([request(op, fields), timeout]).finally(() => clearTimeout(timer));
      };
      client.closed.then(({ code, reason }) => {
        for (const [id, resolve] of client.pending) {
          resolve({ id, error: { code: 'connection_closed', message: `(test harness) the connection closed with ${code} ${reason} before the reply` } });
        }
        client.pending.clear();
      });
      return client;
    },
    async connect(copts = {}, srv = fx.srv) {
      return fx.track(await connect(srv, copts));
    },
    // Register a user. On a server without --open-registration the first
    // call makes the admin and later calls get an invite from it.
    async user(uopts = {}, srv = fx.srv) {
      const o = { ...uopts };
      if (!o.invite && !isOpen(srv) && srv === fx.srv && fx.admin) {
        const inv = await fx.admin.client.ok('invite.create', {});
        o.invite = inv.code;
      }
      const client = fx.track(await connect(srv));
      const handle = o.handle || uniqueHandle(o.prefix || 'u');
      const fields = {
        handle,
        password: o.password || 'correct horse battery',
        display_name: o.displayName || handle,
        team: o.team || 'sales',
      };
      if (o.invite) fields.invite = o.invite;
      const r = await client.ok('register', fields);
      const u = { client, user: r.user, token: r.token, head: r.head, password: fields.password };
      if (srv === fx.srv && !fx.admin) fx.admin = u;
      return u;
    },
    async users(n, uopts = {}) {
      const out = [];
      for (let i = 0; i < n; i++) out.push(await fx.user(uopts));
      return out;
    },
  };
  before(async () => {
    fx.srv = await fx.start(opts);
  });
  after(async () => {
    fx.done = true;
    for (const c of fx.clients) {
      try { c.ws.terminate(); } catch { /* already gone */ }
    }
    for (const s of fx.servers) await s.kill9();
    for (const dir of new Set(fx.servers.map((s) => s.dataDir))) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    if (process.env.TANDEM_DEBUG_HANDLES) {
      setTimeout(() => {
        for (const h of process._getActiveHandles()) console.error('active handle:', h.constructor.name, h.remoteAddress || '', h.remotePort || '', h.pid || '');
      }, 1000).unref();
    }
  });
  return fx;
}

function isOpen(srv) {
  return srv.proc.spawnargs.includes('--open-registration');
}

export function withStderr(err, servers) {
  const tails = servers.map((s, i) => {
    const e = s.stderr();
    return `--- tandemd #${i} (port ${s.port}) stderr (last 4000 bytes) ---\n${e.slice(-4000)}`;
  }).join('\n');
  if (err && typeof err === 'object') {
    try {
      err.message = `${err.message}\n${tails}`;
    } catch { /* read-only message */ }
    return err;
  }
  return new Error(`${String(err)}\n${tails}`);
}

// The last test of every file: stop every server this file started and
// check each exits 0 (a sanitizer report or a crash makes it non-zero).
export function cleanExitTest(fx) {
  test('server stops cleanly with exit code 0 (no sanitizer report)', { timeout: 30000 }, async () => {
    for (const c of fx.clients) {
      try { c.ws.terminate(); } catch { /* already gone */ }
    }
    for (const s of fx.servers) {
      if (s.proc.exitCode !== null || s.proc.signalCode !== null) {
        // A server a test killed on purpose (kill9) is not checked here,
        // but one that died by itself is.
        if (s.killedOnPurpose || s.stoppedAndChecked) continue;
        assert.fail(`tandemd on port ${s.port} died during the tests: exit ${s.proc.exitCode} signal ${s.proc.signalCode}\n${s.stderr().slice(-8000)}`);
      }
      const { code, signal } = await s.stop();
      assert.equal(signal, null, `tandemd killed by ${signal}\n${s.stderr().slice(-8000)}`);
      assert.equal(code, 0, `tandemd exit code ${code}\n${s.stderr().slice(-8000)}`);
    }
  });
}

// Assert a reply is an error with this code; returns the error object.
export function expectError(reply, code, what = '') {
  assert.ok(reply && reply.error, `${what} expected error ${code}, got ${JSON.stringify(reply)}`);
  if (Array.isArray(code)) {
    assert.ok(code.includes(reply.error.code), `${what} expected error in ${code.join('|')}, got ${JSON.stringify(reply)}`);
  } else {
    assert.equal(reply.error.code, code, `${what} expected error ${code}, got ${JSON.stringify(reply)}`);
  }
  assert.equal(typeof reply.error.message, 'string', `${what} error without message: ${JSON.stringify(reply)}`);
  return reply.error;
}

// Assert a reply is a result; returns it.
export function expectResult(reply, what = '') {
  assert.ok(reply && reply.result && !reply.error, `${what} expected a result, got ${JSON.stringify(reply)}`);
  return reply.result;
}

// Make a user's client wait out the per-connection rate limit
// (rate_limited) and retry, for tests that send hundreds of requests.
export function patient(u) {
  const request = u.client.request.bind(u.client);
  u.client.request = async (op, fields = {}) => {
    for (;;) {
      const r = await request(op, fields);
      if (!r.error || r.error.code !== 'rate_limited') return r;
      await sleep(100);
    }
  };
  return u;
}

let nonceCounter = 0;
export function nonce(prefix = 'n') {
  nonceCounter += 1;
  return `${prefix}-${process.pid}-${nonceCounter}-${Date.now() % 100000}`;
}

export { uniqueHandle };

// Events on a client from index `from`, optionally filtered by name.
export function eventsSince(client, from = 0, name) {
  return client.events.slice(from).filter((e) => name === undefined || e.event === name);
}

// Wait until `client` has received the message.new of a sentinel posted by
// `poster` in `conv`: every event queued for `client` before the sentinel
// has then arrived (a connection's frames are delivered in order). Returns
// the sentinel message.
export async function barrier(poster, conv, client, timeoutMs = 5000) {
  if (poster.client) poster = poster.client;
  if (client.client) client = client.client;
  const m = (await poster.ok('msg.send', { conv, body: 'sentinel', nonce: nonce('sentinel') })).message;
  await client.waitEvent((e) => e.event === 'message.new' && e.data && e.data.message && e.data.message.id === m.id, timeoutMs);
  return m;
}

// Wait until every frame sent so far on this client has been answered
// (a ping reply comes after everything queued before it).
export async function flush(client) {
  await client.ok('ping');
}

// Messages in `conv` posted by `client`, n of them; returns the messages.
export async function postMany(client, conv, n, prefix = 'm') {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push((await client.ok('msg.send', { conv, body: `${prefix} ${i}`, nonce: nonce(prefix) })).message);
  }
  return out;
}

// Resolve with {code, reason} when the client is closed, or reject after ms.
export function closedWithin(client, ms = 5000) {
  return Promise.race([
    client.closed,
    sleep(ms).then(() => { throw new Error(`connection still open after ${ms} ms`); }),
  ]);
}

export { connect, registerUser };

// Replays every proto/examples/*.json against a fresh tandemd (one server
// per example, so ids and handles are predictable) and fails on the first
// frame that does not match, with a diff.
//
// Example file format (proto/examples/README.md says the same):
//
//   {
//     "title": "what the example shows",
//     "setup": [ {"as": "ana", "team": "sales"}, {"as": "web", "anonymous": true} ],
//     "steps": [
//       {"as": "ana", "send": {"op": "ping", "id": 1}},
//       {"as": "ana", "expect": {"id": 1, "result": {"time": "*"}}}
//     ]
//   }
//
// setup: connections made before the steps, in order. {"as": NAME, "team",
//   "display_name", "password"} registers the user with handle NAME (default
//   team "sales", display name NAME capitalised, password "correct horse
//   battery") on its own connection, authenticated. The first user
//   registered is the admin; the runner gets invites for later ones from
//   it. {"as": NAME, "anonymous": true} is a connection that has not
//   authenticated. Events caused by the setup are discarded.
//   "server_args": [...] (optional, top level) adds tandemd flags.
//
// steps, in order:
//   {"as": N, "send": FRAME}     send FRAME (after substitution) on N's connection.
//   {"as": N, "send_raw": TEXT}  send TEXT as one text frame, unchanged.
//   {"as": N, "expect": PATTERN} if PATTERN has "event": the next event of
//     that name on N's connection (not yet matched) must match; otherwise
//     the reply to N's request whose id is PATTERN's "id" (null included)
//     must match. Waits up to 5 s.
//   {"as": N, "expect_close": CODE}  N's connection must close with CODE.
//
// Patterns: an object matches any object that has at least its keys, each
// matching; an array matches an array of the same length element by
// element; {"$unordered": [...]} matches an array of the same length in any
// order; other values must be equal. The string "*" matches any value. The
// string "$NAME" captures the actual value the first time NAME is seen and
// must equal it afterwards; "$$..." is a literal string starting with "$".
//
// Substitution in sends: a string value that is exactly "$NAME" becomes the
// value captured under NAME (numbers stay numbers). Setup binds
// "$ana.id", "$ana.handle", "$ana.token" and "$ana.password" for each
// registered user "ana". "$now+N" becomes the wall clock plus N ms, for
// fields that must lie in the future (msg.schedule's and remind.add's "at").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, connect, ROOT, sleep } from '../lib/server.js';

const EXAMPLES = path.join(ROOT, 'proto', 'examples');
const DEFAULT_PASSWORD = 'correct horse battery';
const SETUP_ID = 1_000_000_000;

// ---- matching ----

function isObj(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }

// Returns null on a match, else a description of the first mismatch.
// Captures go into `bind` only when the whole pattern matches, so a failed
// trial (inside $unordered) binds nothing.
function match(pat, act, at, bind) {
  const trial = new Map(bind);
  const err = matchInto(pat, act, at, trial);
  if (err === null) for (const [k, v] of trial) bind.set(k, v);
  return err;
}

function matchInto(pat, act, at, bind) {
  if (pat === '*') return act === undefined ? `${at}: missing` : null;
  if (typeof pat === 'string' && pat.startsWith('$') && !pat.startsWith('$$')) {
    const name = pat.slice(1);
    if (act === undefined) return `${at}: missing (to capture $${name})`;
    if (!bind.has(name)) { bind.set(name, act); return null; }
    return deepEq(bind.get(name), act) ? null
      : `${at}: expected $${name} = ${JSON.stringify(bind.get(name))}, got ${JSON.stringify(act)}`;
  }
  if (typeof pat === 'string' && pat.startsWith('$$')) pat = pat.slice(1);
  if (isObj(pat) && Array.isArray(pat.$unordered)) {
    if (!Array.isArray(act)) return `${at}: expected an array, got ${JSON.stringify(act)}`;
    if (act.length !== pat.$unordered.length) return `${at}: expected ${pat.$unordered.length} elements, got ${act.length}: ${JSON.stringify(act)}`;
    const used = new Set();
    for (const [i, p] of pat.$unordered.entries()) {
      const j = act.findIndex((a, k) => !used.has(k) && match(p, a, `${at}[${k}]`, bind) === null);
      if (j < 0) return `${at}: nothing matches element ${i} ${JSON.stringify(p)} in ${JSON.stringify(act)}`;
      used.add(j);
    }
    return null;
  }
  if (Array.isArray(pat)) {
    if (!Array.isArray(act)) return `${at}: expected an array, got ${JSON.stringify(act)}`;
    if (act.length !== pat.length) return `${at}: expected ${pat.length} elements, got ${act.length}: ${JSON.stringify(act)}`;
    for (let i = 0; i < pat.length; i++) {
      const e = matchInto(pat[i], act[i], `${at}[${i}]`, bind);
      if (e) return e;
    }
    return null;
  }
  if (isObj(pat)) {
    if (!isObj(act)) return `${at}: expected an object, got ${JSON.stringify(act)}`;
    for (const k of Object.keys(pat)) {
      const e = matchInto(pat[k], act[k], `${at}.${k}`, bind);
      if (e) return e;
    }
    return null;
  }
  return deepEq(pat, act) ? null : `${at}: expected ${JSON.stringify(pat)}, got ${JSON.stringify(act)}`;
}

function deepEq(a, b) {
  try { assert.deepStrictEqual(a, b); return true; } catch { return false; }
}

function substitute(v, bind, at = '$') {
  if (typeof v === 'string' && v.startsWith('$$')) return v.slice(1);
  if (typeof v === 'string' && /^\$now\+\d+$/.test(v)) return Date.now() + Number(v.slice(5));
  if (typeof v === 'string' && v.startsWith('$')) {
    const name = v.slice(1);
    if (!bind.has(name)) throw new Error(`${at}: $${name} is not bound yet`);
    return bind.get(name);
  }
  if (Array.isArray(v)) return v.map((x, i) => substitute(x, bind, `${at}[${i}]`));
  if (isObj(v)) {
    if (Array.isArray(v.$unordered)) return { $unordered: substitute(v.$unordered, bind, at) };
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, bind, `${at}.${k}`)]));
  }
  return v;
}

// ---- connections ----

// Wait for the first frame on conn (from its unconsumed ones) that
// satisfies pred; marks it consumed.
async function take(conn, pred, what, timeoutMs = 5000) {
  const t0 = Date.now();
  for (;;) {
    const i = conn.client.frames.findIndex((f, k) => k >= conn.base && !conn.used.has(k) && pred(f));
    if (i >= 0) { conn.used.add(i); return conn.client.frames[i]; }
    if (Date.now() - t0 > timeoutMs) {
      const unused = conn.client.frames.filter((f, k) => k >= conn.base && !conn.used.has(k));
      throw new Error(`timed out waiting for ${what}; unmatched frames on this connection: ${JSON.stringify(unused, null, 1)}`);
    }
    await sleep(5);
  }
}

async function setupRequest(conn, op, fields) {
  const id = SETUP_ID + conn.setupCount++;
  conn.client.sendRaw(JSON.stringify({ op, id, ...fields }));
  const r = await take(conn, (f) => f.event === undefined && f.id === id, `setup ${op}`);
  if (!r.result) throw new Error(`setup ${op} failed: ${JSON.stringify(r)}`);
  return r.result;
}

async function runExample(file) {
  const ex = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
  assert.equal(typeof ex.title, 'string', `${file}: title`);
  assert.ok(Array.isArray(ex.steps) && ex.steps.length > 0, `${file}: steps`);
  const srv = await startServer({ args: ex.server_args || [] });
  const conns = new Map();
  const bind = new Map();
  let admin = null;
  let stepNo = -1;
  try {
    for (const s of ex.setup || []) {
      const client = await connect(srv);
      const conn = { client, used: new Set(), base: 0, setupCount: 0 };
      conns.set(s.as, conn);
      if (s.anonymous) continue;
      const fields = {
        handle: s.as,
        password: s.password || DEFAULT_PASSWORD,
        display_name: s.display_name || s.as[0].toUpperCase() + s.as.slice(1),
        team: s.team || 'sales',
      };
      if (admin && !(ex.server_args || []).includes('--open-registration')) {
        fields.invite = (await setupRequest(admin, 'invite.create', {})).code;
      }
      const r = await setupRequest(conn, 'register', fields);
      if (!admin) admin = conn;
      bind.set(`${s.as}.id`, r.user.id);
      bind.set(`${s.as}.handle`, r.user.handle);
      bind.set(`${s.as}.token`, r.token);
      bind.set(`${s.as}.password`, fields.password);
    }
    // Drain what the setup caused: a ping's reply comes after every event
    // already queued for that connection.
    for (const conn of conns.values()) {
      await setupRequest(conn, 'ping', {});
      conn.base = conn.client.frames.length;
    }
    for (const [i, step] of ex.steps.entries()) {
      stepNo = i;
      const conn = conns.get(step.as);
      if (!conn) throw new Error(`step ${i}: no connection "${step.as}" in setup`);
      if (step.send !== undefined) {
        conn.client.sendRaw(JSON.stringify(substitute(step.send, bind)));
      } else if (step.send_raw !== undefined) {
        conn.client.sendRaw(step.send_raw);
      } else if (step.expect !== undefined) {
        const pat = step.expect;
        let frame;
        if (pat.event !== undefined) {
          frame = await take(conn, (f) => f.event === pat.event, `event ${pat.event} for ${step.as}`);
        } else {
          const id = substitute(pat.id, bind);
          frame = await take(conn, (f) => f.event === undefined && f.id === id, `reply ${id} for ${step.as}`);
        }
        const err = match(pat, frame, '$', bind);
        if (err) {
          throw new Error(`step ${i} (${step.as} expect): ${err}\n  expected: ${JSON.stringify(pat)}\n  actual:   ${JSON.stringify(frame)}`);
        }
      } else if (step.expect_close !== undefined) {
        const closed = await Promise.race([conn.client.closed, sleep(5000).then(() => null)]);
        if (!closed) throw new Error(`step ${i}: ${step.as}'s connection did not close`);
        assert.equal(closed.code, step.expect_close, `step ${i}: close code`);
      } else {
        throw new Error(`step ${i}: unknown step ${JSON.stringify(step)}`);
      }
    }
  } catch (err) {
    err.message = `${file} "${ex.title}" failed at step ${stepNo}: ${err.message}\n--- tandemd stderr ---\n${srv.stderr().slice(-4000)}`;
    for (const c of conns.values()) c.client.ws.terminate();
    await srv.kill9();
    fs.rmSync(srv.dataDir, { recursive: true, force: true });
    throw err;
  }
  for (const c of conns.values()) c.client.ws.terminate();
  const { code, signal } = await srv.stop();
  fs.rmSync(srv.dataDir, { recursive: true, force: true });
  assert.equal(signal, null, `${file}: tandemd killed by ${signal}\n${srv.stderr().slice(-4000)}`);
  assert.equal(code, 0, `${file}: tandemd exit code ${code}\n${srv.stderr().slice(-4000)}`);
}

const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort();

test('proto/examples holds examples', () => {
  assert.ok(files.length >= 30, `only ${files.length} examples`);
});

for (const file of files) {
  test(`example ${file}`, { timeout: 30000 }, () => runExample(file));
}

// The matcher itself, so that a lenient matcher cannot hide a broken example.
test('the example matcher refuses what it should', () => {
  const b = new Map();
  assert.equal(match({ a: 1 }, { a: 1, b: 2 }, '$', b), null);
  assert.notEqual(match({ a: 1 }, { a: 2 }, '$', b), null);
  assert.notEqual(match({ a: '*' }, {}, '$', b), null);
  assert.equal(match({ a: '$x' }, { a: 5 }, '$', b), null);
  assert.equal(b.get('x'), 5);
  assert.notEqual(match({ a: '$x' }, { a: 6 }, '$', b), null);
  assert.notEqual(match([1, 2], [1, 2, 3], '$', b), null);
  assert.equal(match({ $unordered: [2, 1] }, [1, 2], '$', b), null);
  assert.notEqual(match({ $unordered: [2, 2] }, [1, 2], '$', b), null);
  assert.equal(match('$$lit', '$lit', '$', b), null);
  assert.notEqual(match(0, false, '$', b), null);
  assert.notEqual(match(null, undefined, '$', b), null);
  assert.deepEqual(substitute({ conv: '$x', s: '$$y' }, b), { conv: 5, s: '$y' });
});

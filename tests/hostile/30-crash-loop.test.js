// Crash loop: clients post while the server is killed with SIGKILL at
// random moments, CRASH_CYCLES times (10 in CI; 100+ for the full run:
// `CRASH_CYCLES=100 CRASH_CLIENTS=50 node --test hostile/30-crash-loop.test.js`).
// After each kill: PRAGMA integrity_check is ok; every acknowledged message
// is in the database with identical conversation, author, body and nonce;
// no message id and no event seq was ever handed out twice; history comes
// back in order. Sent-but-unacknowledged messages that were committed
// anyway are allowed and counted.

import fs from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, resume, sleep } from '../lib/server.js';
import { patient } from '../integration/util.js';
import { sqlite, sqliteJson, rng, envInt } from './lib.js';

const CYCLES = envInt('CRASH_CYCLES', 10);
const CLIENTS = envInt('CRASH_CLIENTS', 10);
const MIN_MS = envInt('CRASH_MIN_MS', 300);
const MAX_MS = envInt('CRASH_MAX_MS', 1500);

test(`crash loop: ${CYCLES} kill -9 cycles under ${CLIENTS} posting clients`, { timeout: 60000 + CYCLES * (MAX_MS + 8000) }, async () => {
  const rand = rng();
  let srv = await startServer({ args: ['--open-registration'] });
  const dataDir = srv.dataDir;
  const db = `${dataDir}/tandem.db`;
  const servers = [srv];
  try {
    // Users, and three channels everyone is in.
    const users = [];
    for (let i = 0; i < CLIENTS; i++) {
      const c = await connect(srv);
      const r = await c.ok('register', { handle: `crash${i}x${process.pid % 1000}`, password: 'correct horse battery', display_name: `C${i}`, team: i % 2 ? 'sales' : 'marketing' });
      users.push({ token: r.token, id: r.user.id, client: c });
    }
    const convs = [];
    for (let k = 0; k < 3; k++) {
      // conv.create takes at most 16 members: the others join.
      const id = (await users[0].client.ok('conv.create', { kind: 'channel', name: `crash-${k}` })).conversation.id;
      for (const u of users.slice(1)) await u.client.ok('conv.join', { conv: id });
      convs.push(id);
    }
    for (const u of users) u.client.terminate();

    const acked = new Map(); // message id -> message (as acknowledged)
    const pending = new Map(); // nonce -> {conv, body, author}: sent, no reply
    const seqSeen = new Map(); // seq -> "event:id" as first seen
    let seqReuse = 0;
    let idReuse = 0;
    let counter = 0;
    let cyclesDone = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      if (cycle > 0) {
        srv = await startServer({ dataDir, args: ['--open-registration'] });
        servers.push(srv);
      }
      let killed = false;
      const loops = users.map(async (u, i) => {
        let c;
        try {
          const r = await resume(srv, u.token);
          c = r.client;
          if (!r.reply.result) throw new Error(`hello failed: ${JSON.stringify(r.reply)}`);
        } catch (err) {
          if (killed) return;
          throw err;
        }
        c.ws.on('message', (data) => {
          const f = JSON.parse(String(data));
          if (f.seq === undefined) return;
          const key = `${f.event}:${f.data.message ? f.data.message.id : JSON.stringify(f.data).slice(0, 60)}`;
          const prev = seqSeen.get(f.seq);
          if (prev === undefined) seqSeen.set(f.seq, key);
          else if (prev !== key) seqReuse += 1;
        });
        while (!killed) {
          counter += 1;
          const conv = convs[(i + counter) % convs.length];
          const body = `cycle ${cycle} client ${i} n ${counter} ${'é'.repeat(counter % 7)}`;
          const n = `k${cycle}-${i}-${counter}`;
          pending.set(n, { conv, body, author: u.id });
          let r;
          try {
            r = await c.request('msg.send', { conv, body, nonce: n }, 5000);
          } catch {
            break; // the connection died with the server
          }
          if (r.result) {
            const m = r.result.message;
            pending.delete(n);
            if (acked.has(m.id)) idReuse += 1;
            acked.set(m.id, m);
            if (m.body !== body || m.conv !== conv || m.nonce !== n) throw new Error(`ack does not match the request: ${JSON.stringify(m)}`);
          } else if (r.error.code === 'rate_limited') {
            pending.delete(n);
            await sleep(100);
          } else throw new Error(`msg.send: ${JSON.stringify(r.error)}`);
        }
        c.terminate();
      });
      await sleep(rand.int(MIN_MS, MAX_MS));
      killed = true;
      await srv.kill9();
      await Promise.all(loops);

      // Offline checks on the database the crash left.
      assert.deepEqual(sqlite(db, 'PRAGMA integrity_check'), ['ok'], `integrity_check after cycle ${cycle}`);
      const rows = sqliteJson(db, 'SELECT id, conv_id, author, body, nonce FROM messages ORDER BY id');
      const byId = new Map(rows.map((r) => [r.id, r]));
      const missing = [];
      for (const [id, m] of acked) {
        const r = byId.get(id);
        if (!r || r.body !== m.body || r.conv_id !== m.conv || r.author !== m.author || r.nonce !== m.nonce) missing.push(id);
      }
      assert.deepEqual(missing, [], `cycle ${cycle}: acknowledged messages missing or changed`);
      const maxSeq = Number(sqlite(db, 'SELECT coalesce(max(seq), 0) FROM events')[0]);
      for (const s of seqSeen.keys()) assert.ok(s <= maxSeq, `cycle ${cycle}: a client saw seq ${s} but the database ends at ${maxSeq}`);
      cyclesDone += 1;
    }

    // Last: restart once more and read everything back through the protocol.
    srv = await startServer({ dataDir, args: ['--open-registration'] });
    servers.push(srv);
    const r = await resume(srv, users[0].token);
    assert.ok(r.reply.result);
    patient(r); // reading a long history back may meet the rate limit: wait it out
    let recovered = 0;
    const rows = sqliteJson(db, 'SELECT id, nonce FROM messages ORDER BY id');
    for (const conv of convs) {
      let before;
      const ids = [];
      for (;;) {
        const h = await r.client.ok('msg.history', before ? { conv, before, limit: 200 } : { conv, limit: 200 });
        for (const m of h.messages) {
          const a = acked.get(m.id);
          if (a && a.body === m.body && a.nonce === m.nonce && a.author === m.author) recovered += 1;
        }
        ids.unshift(...h.messages.map((m) => m.id));
        if (!h.more || h.messages.length === 0) break;
        before = h.messages[0].id;
      }
      for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1], 'history in order');
    }
    const unackedCommitted = rows.filter((row) => pending.has(row.nonce)).length;
    r.client.terminate();
    console.log(`crash loop: ${cyclesDone} cycles, ${CLIENTS} clients, ${acked.size} acknowledged, ${recovered} recovered, ${unackedCommitted} committed-but-unacknowledged (of ${pending.size} unanswered), ${seqSeen.size} event seqs seen, ${idReuse} ids reused, ${seqReuse} seqs reused, integrity_check ok x${cyclesDone}`);
    assert.equal(recovered, acked.size, 'every acknowledged message recovered');
    assert.equal(idReuse, 0);
    assert.equal(seqReuse, 0);
    assert.ok(acked.size > CYCLES, 'messages were acknowledged');
    const exit = await srv.stop();
    assert.equal(exit.code, 0, srv.stderr().slice(-4000));
  } finally {
    for (const s of servers) await s.kill9();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

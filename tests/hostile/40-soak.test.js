// Soak with churn: SOAK_CLIENTS clients (40 in CI; 200 for the full run)
// in public and private channels, dms, groups, and the conversations of
// content requests and feedback items (joined: watched) post at a steady random
// rate for SOAK_SECONDS (40 in CI; 1800 for the full run) while each of
// them drops its connection every SOAK_DROP_MIN_MS..SOAK_DROP_MAX_MS
// (2-6 s in CI; 30-120 s for the full run), half with a clean close, half
// with a reset, and resumes with hello {token, since}. Sends that were not
// answered before a drop, and sends wanted while disconnected, are retried
// with the same nonce. At the end, for every recipient and conversation it
// is in, the message ids it received (live and replayed) must equal exactly
// the conversation's acknowledged messages as msg.history returns them:
// nothing lost, nothing duplicated, nothing reordered. Every request is
// answered exactly once; server RSS is sampled at start, middle and end
// (with ASan's quarantine cut to 4 MiB unless ASAN_OPTIONS sets it);
// the (sanitizer) server exits 0. The full run:
//   SOAK_CLIENTS=200 SOAK_SECONDS=1800 SOAK_DROP_MIN_MS=30000 \
//     SOAK_DROP_MAX_MS=120000 node --test hostile/40-soak.test.js

import fs from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, connect, sleep } from '../lib/server.js';
import { rssKiB, rng, envInt } from './lib.js';

const CLIENTS = Math.max(6, envInt('SOAK_CLIENTS', 40));
const SECONDS = envInt('SOAK_SECONDS', 40);
const DROP_MIN_MS = envInt('SOAK_DROP_MIN_MS', 2000);
const DROP_MAX_MS = Math.max(DROP_MIN_MS, envInt('SOAK_DROP_MAX_MS', 6000));
const SEND_MIN_MS = envInt('SOAK_SEND_MIN_MS', 300);
const SEND_MAX_MS = Math.max(SEND_MIN_MS, envInt('SOAK_SEND_MAX_MS', 1500));
const PUBLIC = 4; // public channels, every client in two of them
const PRIVATE = 4; // private channels, client i in channel i % PRIVATE
const GROUP = 5; // group size (the last group takes the remainder)
const RECORDS = 2; // request conversations, and as many feedback ones
const REQ_TIMEOUT_MS = 10000;
const TAG = process.pid % 10000;
// ASan keeps up to 256 MiB of freed memory in quarantine, which alone
// would look like growth; a small quarantine makes RSS mean something.
{
  const a = process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0';
  process.env.ASAN_OPTIONS = /quarantine_size_mb/.test(a) ? a : `${a}:quarantine_size_mb=4`;
}

test(`soak: ${CLIENTS} clients for ${SECONDS} s, drops every ${DROP_MIN_MS}-${DROP_MAX_MS} ms`,
  { timeout: (SECONDS + 60) * 1000 + CLIENTS * 150 }, async () => {
    const rand = rng();
    const srv = await startServer({ args: ['--open-registration'] });
    const errors = []; // failures seen inside timers and loops
    const fig = {
      acked: 0, sendsRetried: 0, sendsQueuedOffline: 0, requests: 0, replies: 0, dupReplies: 0,
      strayReplies: 0, unanswered: 0, dropsClean: 0, dropsReset: 0, resumes: 0, resyncs: 0,
      unexpectedCloses: 0, dropsMidSend: 0, closedBeforeReply: 0, seqRegress: 0, badFrames: 0, rateLimited: 0,
    };
    const clients = [];
    try {
      // ---- setup: users and conversations -------------------------------
      for (let i = 0; i < CLIENTS; i++) {
        const c = await connect(srv);
        const r = await c.ok('register', { handle: `soak${i}x${TAG}`, password: 'correct horse battery', display_name: `S${i}`, team: i % 2 ? 'sales' : 'marketing' });
        clients.push({ i, id: r.user.id, token: r.token, setup: c, convs: new Set(), conn: null, lastSeq: 0, outbox: [], n: 0, delivered: new Map(), dropping: null, dropTimer: null, dropOnSend: false });
      }
      // Setup requests may meet the rate limit: wait and retry.
      const okRetry = async (c, op, fields) => {
        for (;;) {
          const r = await c.request(op, fields);
          if (r.result) return r.result;
          if (r.error.code !== 'rate_limited') throw new Error(`${op} ${JSON.stringify(fields)}: ${JSON.stringify(r.error)}`);
          await sleep(250);
        }
      };
      const kinds = new Map(); // conv id -> kind label
      const pub = [];
      for (let k = 0; k < PUBLIC; k++) {
        const conv = (await okRetry(clients[k].setup, 'conv.create', { kind: 'channel', name: `soak-pub${k}-${TAG}` })).conversation.id;
        pub.push(conv);
        kinds.set(conv, 'public');
        clients[k].convs.add(conv);
      }
      await Promise.all(clients.map(async (st) => {
        const c = st.setup;
        for (const k of [st.i % PUBLIC, (st.i + 1) % PUBLIC]) {
          if (st.convs.has(pub[k])) continue;
          await okRetry(c, 'conv.join', { conv: pub[k] });
          st.convs.add(pub[k]);
        }
      }));
      await Promise.all(Array.from({ length: PRIVATE }, async (_, k) => {
        const members = clients.filter((st) => st.i % PRIVATE === k);
        const [owner, ...rest] = members;
        const conv = (await okRetry(owner.setup, 'conv.create', { kind: 'channel', private: true, name: `soak-priv${k}-${TAG}`, members: rest.slice(0, 16).map((m) => m.id) })).conversation.id;
        for (const m of rest.slice(16)) await okRetry(owner.setup, 'conv.invite', { conv, user: m.id });
        kinds.set(conv, 'private');
        for (const m of members) m.convs.add(conv);
      }));
      await Promise.all(clients.filter((st) => st.i % 2 === 0).map(async (st) => {
        const other = clients[st.i + 1] || st; // an odd count: the last one writes notes to self
        const conv = (await okRetry(st.setup, 'dm.open', { user: other.id })).conversation.id;
        kinds.set(conv, 'dm');
        st.convs.add(conv);
        other.convs.add(conv);
      }));
      const blocks = [];
      for (let i = 0; i < CLIENTS; i += GROUP) blocks.push(clients.slice(i, i + GROUP));
      if (blocks.length > 1 && blocks[blocks.length - 1].length < 3) blocks[blocks.length - 2].push(...blocks.pop());
      await Promise.all(blocks.map(async (members) => {
        const [owner, ...rest] = members;
        const conv = (await okRetry(owner.setup, 'conv.create', { kind: 'group', members: rest.map((m) => m.id) })).conversation.id;
        kinds.set(conv, 'group');
        for (const m of members) m.convs.add(conv);
      }));
      // Requests and feedback items: each filed by one client, its
      // conversation joined (watched) by every fourth client. Filing writes
      // a system line first: `floor` keeps it out of the final check.
      const floor = new Map(); // conv id -> the last id written before the soak
      for (const [k, rec] of [...Array(RECORDS).keys()].flatMap((k) => [[k, 'request'], [k, 'feedback']])) {
        const owner = clients[(k * 2 + (rec === 'request' ? 0 : 1)) % CLIENTS];
        const fields = rec === 'request'
          ? { kind: 'battle_card', title: `Soak battle card ${k}`, body: 'Against Initech' }
          : { kind: 'objection', title: `Soak objection ${k}`, body: 'Security review is slow' };
        const conv = (await okRetry(owner.setup, `${rec}.create`, fields))[rec].conv;
        kinds.set(conv, rec);
        owner.convs.add(conv);
        const watchers = clients.filter((st) => st !== owner && st.i % 4 === (k + (rec === 'request' ? 0 : 2)) % 4);
        await Promise.all(watchers.map(async (st) => {
          await okRetry(st.setup, 'conv.join', { conv });
          st.convs.add(conv);
        }));
        const last = (await okRetry(owner.setup, 'msg.history', { conv, limit: 50 })).messages;
        floor.set(conv, last.length ? last[last.length - 1].id : 0);
      }
      for (const st of clients) {
        st.lastSeq = st.setup.lastSeq; // no message exists yet: replaying from here is harmless
        st.convList = [...st.convs];
        st.setup.terminate();
      }
      const convCount = kinds.size;
      const kindCount = {};
      for (const k of kinds.values()) kindCount[k] = (kindCount[k] || 0) + 1;

      // ---- connections ---------------------------------------------------
      // Our own listener on every connection: deliveries, seqs, replies.
      const attach = (st, c) => {
        const sentIds = () => c.nextId - 1;
        const seen = new Set();
        c.ws.on('message', (data) => {
          let f;
          try { f = JSON.parse(String(data)); } catch { fig.badFrames += 1; return; }
          if (f.event !== undefined) {
            if (f.seq !== undefined) {
              if (f.seq <= st.lastSeq) fig.seqRegress += 1;
              else st.lastSeq = f.seq;
            }
            if (f.event === 'message.new') {
              const m = f.data.message;
              if (!st.delivered.has(m.conv)) st.delivered.set(m.conv, []);
              st.delivered.get(m.conv).push(m.id);
            }
          } else if (f.id !== undefined) {
            if (f.id === null || f.id > sentIds()) fig.strayReplies += 1;
            else if (seen.has(f.id)) fig.dupReplies += 1;
            else { seen.add(f.id); fig.replies += 1; }
          }
        });
      };
      // A request that resolves with {r} (the reply) or {closed: true} when
      // the connection went away first; a missing reply on an open
      // connection throws.
      const call = (c, op, fields) => {
        fig.requests += 1;
        const p = c.request(op, fields, REQ_TIMEOUT_MS);
        p.catch(() => {});
        return Promise.race([
          p.then((r) => ({ r }), (err) => {
            if (c.ws.readyState === c.ws.OPEN) { fig.unanswered += 1; throw err; }
            return { closed: true };
          }),
          c.closed.then(() => ({ closed: true })),
        ]).then((out) => { if (out.closed) fig.closedBeforeReply += 1; return out; });
      };
      const reconnect = async (st) => {
        for (;;) {
          const c = await connect(srv);
          attach(st, c);
          const out = await call(c, 'hello', { token: st.token, since: st.lastSeq });
          if (out.closed) continue;
          if (!out.r.result) throw new Error(`hello failed: ${JSON.stringify(out.r)}`);
          if (out.r.result.resync) fig.resyncs += 1;
          fig.resumes += 1;
          st.conn = c;
          c.closed.then((info) => {
            if (st.conn !== c) return; // we dropped it on purpose
            st.conn = null;
            fig.unexpectedCloses += 1;
            errors.push(`client ${st.i}: server closed the connection: ${JSON.stringify(info)}`);
            st.dropping = reconnect(st).catch((e) => errors.push(`client ${st.i} reconnect: ${e.message}`));
          });
          return c;
        }
      };
      const drop = async (st) => {
        const c = st.conn;
        st.conn = null;
        if (rand() < 0.5) { fig.dropsClean += 1; await c.close(); } else { fig.dropsReset += 1; await c.terminate(); }
        await sleep(rand.int(0, 300));
        await reconnect(st);
      };
      let stopping = false;
      const scheduleDrop = (st) => {
        st.dropTimer = setTimeout(() => {
          if (stopping || !st.conn) return void (stopping || scheduleDrop(st));
          // Half the drops wait for the next send to be on the wire, so
          // that it goes unanswered and must be retried with its nonce.
          if (rand() < 0.5) { st.dropOnSend = true; return; }
          startDrop(st);
        }, rand.int(DROP_MIN_MS, DROP_MAX_MS));
      };
      const startDrop = (st) => {
        st.dropOnSend = false;
        if (stopping || !st.conn) return;
        st.dropping = drop(st)
            .catch((e) => errors.push(`client ${st.i} drop/resume: ${e.message}`))
          .then(() => { if (!stopping) scheduleDrop(st); });
      };

      // ---- sending -------------------------------------------------------
      const acked = new Map(); // conv -> Set of acknowledged message ids
      for (const conv of kinds.keys()) acked.set(conv, new Set());
      const ackByNonce = new Map(); // nonce -> message id
      const flush = async (st) => {
        while (st.outbox.length > 0) {
          const c = st.conn;
          if (!c) return;
          const m = st.outbox[0];
          if (m.tries > 0) fig.sendsRetried += 1;
          m.tries += 1;
          const pending = call(c, 'msg.send', { conv: m.conv, body: m.body, nonce: m.nonce });
          if (st.dropOnSend) { fig.dropsMidSend += 1; startDrop(st); }
          const out = await pending;
          if (out.closed) return; // dropped before the answer: retried with the same nonce
          const r = out.r;
          if (r.error) {
            if (r.error.code === 'rate_limited') { fig.rateLimited += 1; await sleep(200); continue; }
            throw new Error(`msg.send ${m.nonce}: ${JSON.stringify(r.error)}`);
          }
          const got = r.result.message;
          if (got.conv !== m.conv || got.body !== m.body || got.nonce !== m.nonce) throw new Error(`ack does not match: ${JSON.stringify(got)} for ${JSON.stringify(m)}`);
          const prev = ackByNonce.get(m.nonce);
          if (prev !== undefined && prev !== got.id) throw new Error(`nonce ${m.nonce} acknowledged as ${prev} and ${got.id}`);
          if (prev === undefined) { ackByNonce.set(m.nonce, got.id); fig.acked += 1; }
          acked.get(m.conv).add(got.id);
          st.outbox.shift();
        }
      };
      const sender = async (st) => {
        while (!stopping) {
          await sleep(rand.int(SEND_MIN_MS, SEND_MAX_MS));
          if (stopping) break;
          st.n += 1;
          const conv = rand.pick(st.convList);
          st.outbox.push({ conv, body: `soak ${st.i} #${st.n} to ${conv} ${'é'.repeat(st.n % 5)}`, nonce: `s${TAG}-${st.i}-${st.n}`, tries: 0 });
          if (!st.conn) fig.sendsQueuedOffline += 1;
          await flush(st);
        }
        const until = Date.now() + 30000;
        while (st.outbox.length > 0 && Date.now() < until) {
          if (!st.conn) await sleep(20);
          else await flush(st);
        }
        if (st.outbox.length > 0) throw new Error(`client ${st.i}: ${st.outbox.length} sends never acknowledged`);
      };

      await Promise.all(clients.map((st) => reconnect(st)));
      const pid = srv.proc.pid;
      const rss = { start: rssKiB(pid), mid: NaN, end: NaN };
      const t0 = Date.now();
      for (const st of clients) scheduleDrop(st);
      const senders = clients.map((st) => sender(st).catch((e) => errors.push(`client ${st.i} sender: ${e.message}`)));
      await sleep(SECONDS * 500);
      rss.mid = rssKiB(pid);
      await sleep(SECONDS * 500);
      stopping = true;
      for (const st of clients) clearTimeout(st.dropTimer);
      await Promise.all(senders);
      await Promise.all(clients.map((st) => st.dropping));
      const elapsed = (Date.now() - t0) / 1000;

      // ---- the final resume and the check ------------------------------
      const history = new Map(); // conv -> ascending ids, from msg.history
      await Promise.all(clients.map(async (st) => {
        const c = st.conn;
        st.conn = null;
        if (c) await c.close();
        await reconnect(st);
      }));
      const convMember = new Map();
      for (const st of clients) for (const conv of st.convList) if (!convMember.has(conv)) convMember.set(conv, st);
      for (const [conv, st] of convMember) {
        const ids = [];
        let before;
        for (;;) {
          let out;
          for (;;) { // reading every history back may meet the rate limit: wait it out
            out = await call(st.conn, 'msg.history', before ? { conv, before, limit: 200 } : { conv, limit: 200 });
            if (out.closed || !out.r.error || out.r.error.code !== 'rate_limited') break;
            await sleep(250);
          }
          assert.ok(!out.closed && out.r.result, `msg.history ${conv}: ${JSON.stringify(out.r)}`);
          const h = out.r.result;
          ids.unshift(...h.messages.map((m) => m.id));
          if (!h.more || h.messages.length === 0) break;
          before = h.messages[0].id;
        }
        history.set(conv, ids.filter((id) => id > (floor.get(conv) || 0)));
      }
      // Everyone catches up (bounded), then a short quiet spell for late duplicates.
      const caughtUp = () => clients.every((st) => st.convList.every((conv) => (st.delivered.get(conv) || []).length >= history.get(conv).length));
      const until = Date.now() + 15000;
      while (!caughtUp() && Date.now() < until) await sleep(100);
      await sleep(500);
      rss.end = rssKiB(pid);

      let deliveries = 0; let lost = 0; let duplicated = 0; let reordered = 0; let stray = 0;
      const examples = [];
      for (const st of clients) {
        for (const [conv, got] of st.delivered) if (!st.convs.has(conv)) stray += got.length;
        for (const conv of st.convList) {
          const want = history.get(conv);
          const got = st.delivered.get(conv) || [];
          deliveries += got.length;
          const gotSet = new Set(got);
          const l = want.filter((id) => !gotSet.has(id)).length;
          const d = got.length - gotSet.size;
          let o = 0;
          for (let k = 1; k < got.length; k++) if (got[k] <= got[k - 1]) o += 1;
          lost += l; duplicated += d; reordered += o;
          if ((l || d || o || got.length !== want.length) && examples.length < 5) {
            examples.push(`client ${st.i} conv ${conv} (${kinds.get(conv)}): lost ${l}, duplicated ${d}, reordered ${o}; want ${want.length} ids ${want.slice(-8)}, got ${got.length} ids ${got.slice(-8)}`);
          }
        }
      }
      let ackMismatch = 0;
      for (const [conv, ids] of history) {
        const a = acked.get(conv);
        if (ids.length !== a.size || ids.some((id) => !a.has(id))) {
          ackMismatch += 1;
          if (examples.length < 10) examples.push(`conv ${conv} (${kinds.get(conv)}): history has ${ids.length} messages, ${a.size} acknowledged`);
        }
        for (let k = 1; k < ids.length; k++) if (ids[k] <= ids[k - 1]) ackMismatch += 1;
      }
      const mib = (k) => (k / 1024).toFixed(1);
      console.log(`soak: ${CLIENTS} clients, ${convCount} conversations (${Object.entries(kindCount).map(([k, v]) => `${v} ${k}`).join(', ')}), ${elapsed.toFixed(0)} s, seed ${rand.seed}`);
      console.log(`soak: ${fig.acked} messages acknowledged (${fig.sendsRetried} sends retried with the same nonce, ${fig.sendsQueuedOffline} queued while disconnected), ${deliveries} deliveries checked; drops ${fig.dropsClean + fig.dropsReset} (${fig.dropsClean} clean, ${fig.dropsReset} reset; ${fig.dropsMidSend} with a send in flight), ${fig.resumes} resumes incl. the first and the final (${fig.resyncs} resync), ${fig.unexpectedCloses} closed by the server`);
      console.log(`soak: lost ${lost}, duplicated ${duplicated}, reordered ${reordered}, stray ${stray}, history/ack mismatches ${ackMismatch}; requests ${fig.requests}, replies ${fig.replies}, cut off by a drop ${fig.closedBeforeReply}, duplicate replies ${fig.dupReplies}, stray replies ${fig.strayReplies}, unanswered ${fig.unanswered}, rate_limited ${fig.rateLimited}, seq regressions ${fig.seqRegress}`);
      console.log(`soak: server RSS start ${mib(rss.start)} MiB, mid ${mib(rss.mid)} MiB, end ${mib(rss.end)} MiB`);
      for (const e of examples) console.log(`soak: ${e}`);

      assert.deepEqual(errors.slice(0, 10), []);
      assert.ok(fig.acked > CLIENTS, 'messages were acknowledged');
      assert.ok(fig.dropsClean > 0 && fig.dropsReset > 0 && fig.dropsMidSend > 0, 'all kinds of drop happened');
      assert.equal(lost, 0, 'lost deliveries');
      assert.equal(duplicated, 0, 'duplicated deliveries');
      assert.equal(reordered, 0, 'reordered deliveries');
      assert.equal(stray, 0, 'deliveries for conversations the recipient is not in');
      assert.equal(ackMismatch, 0, 'history equals the acknowledged messages');
      assert.equal(fig.requests, fig.replies + fig.closedBeforeReply, 'every request answered, or its connection closed first');
      assert.equal(fig.dupReplies, 0);
      assert.equal(fig.strayReplies, 0);
      assert.equal(fig.unanswered, 0);
      assert.equal(fig.seqRegress, 0);
      assert.equal(fig.resyncs, 0);
      assert.equal(fig.badFrames, 0);
      assert.ok(rss.end < rss.start + 64 * 1024, `RSS grew from ${rss.start} to ${rss.end} KiB`);
      for (const st of clients) if (st.conn) { const c = st.conn; st.conn = null; c.terminate(); }
      const exit = await srv.stop();
      assert.equal(exit.code, 0, srv.stderr().slice(-4000));
    } finally {
      for (const st of clients) { clearTimeout(st.dropTimer); if (st.conn) { const c = st.conn; st.conn = null; c.terminate(); } }
      await srv.kill9();
      fs.rmSync(srv.dataDir, { recursive: true, force: true });
    }
  });

// Authorization matrix, generated from ONE table: every op of PROTOCOL.md
// that takes an object, on every kind of object it takes (public channel,
// private channel, dm, group, a request and its conversation, a feedback
// item and its conversation, a glossary term, a buddy pair) for every role
// (a member from sales, a member from marketing, a non-member from each
// team, an admin who is not a member, logged out), plus the ops that take
// no object. Each cell runs on a fresh object (the dm, unique per pair, is
// reused: nothing done to it changes what the next cell sees) and its
// answer is compared with the table. Whatever a role may not see must
// answer not_found, exactly as an absent id does; a refused write must
// leave the object as it was.
//
// For a request, the members are its requester (the sales member) and its
// assignee (the marketing member); for a feedback item, its author (the
// sales member) and a voter (the marketing member); for a pair, its rep
// and its marketer. The sales member is a glossary approver.
//
// Meanwhile an outsider (team other, a member of nothing) listens for the
// whole run: it may receive what PROTOCOL.md sends to everyone (user.new,
// user.update, presence, conv.new/conv.update of public channels,
// request.update, sla.update, feedback.update, glossary.update) and nothing
// else; then it resumes from 0 and the replay is held to the same rule.

import {
  serverFixture, cleanExitTest, assert, expectResult, nonce, sleep, barrier,
} from '../integration/util.js';
import { connect, resume } from '../lib/server.js';

const fx = serverFixture({ args: ['--open-registration'] });

const ROLES = ['member_sales', 'member_marketing', 'non_member_sales', 'non_member_marketing', 'admin_non_member', 'logged_out'];
const CHAT = ['public', 'private', 'dm', 'group', 'request', 'feedback'];
const KINDS = [...CHAT, 'term', 'pair'];

// The table. Per op: the request (built from the cell's context) and the
// expected answer per kind it applies to, per role ('ok' or an error
// code): either `M` (both members), `N` (both non-members) and `A` (the
// admin), or per role `ms`, `mm`, `ns`, `nm`, `ad`. Logged out is always
// `unauthenticated`. `state` asks for a request moved first (to accepted,
// or delivered); `withFeedback` for a fresh feedback item in the context.
// Channels and the group: the owner (sales) created them with both members
// and a `victim` member; the dm is between the two members. The target
// message is by someone else than the acting role.
const HIDDEN = { M: null, N: 'not_found', A: 'not_found' };
const hidden = (M) => ({ ...HIDDEN, M });
const all = (answer) => ({ M: answer, N: answer, A: answer });
const MARKETERS = (yes, no) => ({ ms: no, mm: yes, ns: no, nm: yes, ad: yes });
const MEMBERS = { M: 'ok', N: 'forbidden', A: 'forbidden' };
// The same answers on the open conversations (public channel, request,
// feedback) and on the closed ones (private channel, dm, group).
const chat = (open, closed) => ({ public: open, private: closed, dm: closed, group: closed, request: open, feedback: open });
const TABLE = {
  'conv.get': { req: (c) => ({ conv: c.conv }), public: all('ok'), private: hidden('ok'), dm: hidden('ok'), group: hidden('ok'), request: all('ok'), feedback: all('ok') },
  'msg.history': { req: (c) => ({ conv: c.conv }), public: all('ok'), private: hidden('ok'), dm: hidden('ok'), group: hidden('ok'), request: all('ok'), feedback: all('ok') },
  // "Public channels only": a member of a private channel hears conflict
  // (already a member), a member of a dm or group not_found. Joining a
  // record's conversation is watching it.
  'conv.join': { req: (c) => ({ conv: c.conv }), public: { M: 'conflict', N: 'ok', A: 'ok' }, private: hidden('conflict'), dm: hidden('not_found'), group: hidden('not_found'), request: { M: 'conflict', N: 'ok', A: 'ok' }, feedback: { M: 'conflict', N: 'ok', A: 'ok' } },
  // Whoever filed a record cannot stop watching it.
  'conv.leave': { req: (c) => ({ conv: c.conv }), public: { M: 'ok', N: 'not_found', A: 'not_found' }, private: hidden('ok'), dm: hidden('conflict'), group: hidden('ok'), request: { ms: 'conflict', mm: 'ok', ns: 'not_found', nm: 'not_found', ad: 'not_found' }, feedback: { ms: 'conflict', mm: 'ok', ns: 'not_found', nm: 'not_found', ad: 'not_found' } },
  'conv.invite': { req: (c) => ({ conv: c.conv, user: c.guest }), public: { M: 'ok', N: 'forbidden', A: 'forbidden' }, private: hidden('ok'), dm: hidden('forbidden'), group: hidden('ok'), request: { M: 'ok', N: 'forbidden', A: 'forbidden' }, feedback: { M: 'ok', N: 'forbidden', A: 'forbidden' } },
  // The creator (of a record's conversation: whoever filed it) or an admin.
  'conv.remove': { req: (c) => ({ conv: c.conv, user: c.victim }), public: { M: 'forbidden', N: 'forbidden', A: 'ok' }, private: hidden('forbidden'), dm: hidden('forbidden'), group: hidden('forbidden'), request: { ms: 'ok', mm: 'forbidden', ns: 'forbidden', nm: 'forbidden', ad: 'ok' }, feedback: { ms: 'ok', mm: 'forbidden', ns: 'forbidden', nm: 'forbidden', ad: 'ok' } },
  // Whoever filed a record always watches it: nobody removes them.
  'conv.remove filer': { op: 'conv.remove', req: (c) => ({ conv: c.conv, user: c.filer }), request: { ms: 'conflict', mm: 'forbidden', ns: 'forbidden', nm: 'forbidden', ad: 'conflict' }, feedback: { ms: 'conflict', mm: 'forbidden', ns: 'forbidden', nm: 'forbidden', ad: 'conflict' } },
  // PROTOCOL.md: members set the topic; the creator or an admin (member or
  // not) renames a channel, and an admin may also set a topic from outside.
  'conv.update topic': { op: 'conv.update', req: (c) => ({ conv: c.conv, topic: 'new topic' }), public: { M: 'ok', N: 'forbidden', A: 'ok' }, private: hidden('ok'), dm: hidden('ok'), group: hidden('ok'), request: { M: 'ok', N: 'forbidden', A: 'ok' }, feedback: { M: 'ok', N: 'forbidden', A: 'ok' } },
  'conv.update name': { op: 'conv.update', req: (c) => ({ conv: c.conv, name: c.newName }), public: { M: 'forbidden', N: 'forbidden', A: 'ok' }, private: hidden('forbidden'), dm: hidden('forbidden'), group: hidden('forbidden'), request: all('forbidden'), feedback: all('forbidden') },
  'conv.archive': { req: (c) => ({ conv: c.conv }), public: { M: 'forbidden', N: 'forbidden', A: 'ok' }, private: hidden('forbidden'), dm: hidden('forbidden'), group: hidden('forbidden'), request: all('forbidden'), feedback: all('forbidden') },
  'msg.send': { req: (c) => ({ conv: c.conv, body: 'cell', nonce: nonce('cell') }), public: { M: 'ok', N: 'forbidden', A: 'forbidden' }, private: hidden('ok'), dm: hidden('ok'), group: hidden('ok'), request: { M: 'ok', N: 'forbidden', A: 'forbidden' }, feedback: { M: 'ok', N: 'forbidden', A: 'forbidden' } },
  'msg.edit': { req: (c) => ({ message: c.msg, body: 'defaced' }), public: all('forbidden'), private: hidden('forbidden'), dm: hidden('forbidden'), group: hidden('forbidden'), request: all('forbidden'), feedback: all('forbidden') },
  'msg.delete': { req: (c) => ({ message: c.msg }), public: { M: 'forbidden', N: 'forbidden', A: 'ok' }, private: hidden('forbidden'), dm: hidden('forbidden'), group: hidden('forbidden'), request: { M: 'forbidden', N: 'forbidden', A: 'ok' }, feedback: { M: 'forbidden', N: 'forbidden', A: 'ok' } },
  // typing documents only not_found: a non-member of an open conversation.
  typing: { req: (c) => ({ conv: c.conv }), public: { M: 'ok', N: 'not_found', A: 'not_found' }, private: hidden('ok'), dm: hidden('ok'), group: hidden('ok'), request: { M: 'ok', N: 'not_found', A: 'not_found' }, feedback: { M: 'ok', N: 'not_found', A: 'not_found' } },
  // Threads, read markers, reactions, pins, saved items: whoever may read
  // reads and saves; members react, pin and mark read (a non-member of an
  // open conversation hears forbidden).
  'thread.replies': { req: (c) => ({ message: c.msg }), ...chat(all('ok'), hidden('ok')) },
  'thread.follow': { req: (c) => ({ message: c.msg, follow: true }), ...chat(all('ok'), hidden('ok')) },
  'conv.read': { req: (c) => ({ conv: c.conv, message: c.msg }), ...chat(MEMBERS, hidden('ok')) },
  'react.add': { req: (c) => ({ message: c.msg, emoji: 'thumbsup' }), ...chat(MEMBERS, hidden('ok')) },
  'pin.add': { req: (c) => ({ message: c.msg }), ...chat(MEMBERS, hidden('ok')) },
  'pin.list': { req: (c) => ({ conv: c.conv }), ...chat(all('ok'), hidden('ok')) },
  'save.add': { req: (c) => ({ message: c.msg }), ...chat(all('ok'), hidden('ok')) },
  // Content requests: anyone reads and watches; the requester or a
  // marketer edits; marketers triage; the requester withdraws; the
  // requester and sales reps give verdicts.
  'request.get': { req: (c) => ({ request: c.request }), request: all('ok') },
  'request.update': { req: (c) => ({ request: c.request, title: `retitled ${c.newName}` }), request: { ms: 'ok', mm: 'ok', ns: 'forbidden', nm: 'ok', ad: 'ok' } },
  'request.move accept': { op: 'request.move', req: (c) => ({ request: c.request, status: 'accepted' }), request: MARKETERS('ok', 'forbidden') },
  'request.move decline': { op: 'request.move', req: (c) => ({ request: c.request, status: 'declined', reason: 'not now' }), request: MARKETERS('ok', 'forbidden') },
  'request.move withdraw': { op: 'request.move', req: (c) => ({ request: c.request, status: 'closed' }), request: { ms: 'ok', mm: 'forbidden', ns: 'forbidden', nm: 'forbidden', ad: 'forbidden' } },
  'request.move wait': { op: 'request.move', state: 'accepted', req: (c) => ({ request: c.request, status: 'waiting_on_requester' }), request: MARKETERS('ok', 'forbidden') },
  'request.assign': { req: (c) => ({ request: c.request, assignee: c.victim2 }), request: MARKETERS('ok', 'forbidden') },
  'request.watch on': { op: 'request.watch', req: (c) => ({ request: c.request, watch: true }), request: all('ok') },
  'request.watch off': { op: 'request.watch', req: (c) => ({ request: c.request, watch: false }), request: { ms: 'conflict', mm: 'ok', ns: 'ok', nm: 'ok', ad: 'ok' } },
  'request.deliver': { state: 'accepted', req: (c) => ({ request: c.request, url: 'https://example.com/asset' }), request: MARKETERS('ok', 'forbidden') },
  'request.verdict': { state: 'delivered', req: (c) => ({ request: c.request, verdict: 'helped' }), request: { ms: 'ok', mm: 'forbidden', ns: 'ok', nm: 'forbidden', ad: 'forbidden' } },
  'request.link': { withFeedback: true, req: (c) => ({ request: c.request, feedback: c.feedback }), request: MARKETERS('ok', 'forbidden') },
  // Feedback: anyone reads, votes (not on their own item) and files a
  // request from it; marketers and admins set the status.
  'feedback.get': { req: (c) => ({ feedback: c.feedback }), feedback: all('ok') },
  'feedback.vote': { req: (c) => ({ feedback: c.feedback, weight: 'important' }), feedback: { ms: 'conflict', mm: 'ok', ns: 'ok', nm: 'ok', ad: 'ok' } },
  'feedback.unvote': { req: (c) => ({ feedback: c.feedback }), feedback: { ms: 'not_found', mm: 'ok', ns: 'not_found', nm: 'not_found', ad: 'not_found' } },
  'feedback.status': { req: (c) => ({ feedback: c.feedback, status: 'acknowledged' }), feedback: MARKETERS('ok', 'forbidden') },
  'feedback.to_request': { req: (c) => ({ feedback: c.feedback, nonce: nonce('ftr') }), feedback: all('ok') },
  // Glossary: anyone reads and edits; only approvers acknowledge (being an
  // admin is not enough).
  'glossary.get': { req: (c) => ({ term: c.term }), term: all('ok') },
  'glossary.edit': { req: (c) => ({ term: c.term, body: `edited by ${c.newName}` }), term: all('ok') },
  'glossary.ack': { req: (c) => ({ term: c.term, version: 1 }), term: { ms: 'ok', mm: 'forbidden', ns: 'forbidden', nm: 'forbidden', ad: 'forbidden' } },
  // Pairs: only admins end them, members included.
  'pair.end': { req: (c) => ({ pair: c.pair }), pair: { M: 'forbidden', N: 'forbidden', A: 'ok' } },
};
// Ops without an object: the answer per role (`M`, `N`, `A`, `L`).
const anyone = { M: 'ok', N: 'ok', A: 'ok', L: 'unauthenticated' };
const adminOnly = { M: 'forbidden', N: 'forbidden', A: 'ok', L: 'unauthenticated' };
const GLOBAL = {
  ping: { req: () => ({}), M: 'ok', N: 'ok', A: 'ok', L: 'ok' },
  'user.list': { req: () => ({}), ...anyone },
  'conv.list': { req: () => ({}), ...anyone },
  'invite.create': { req: () => ({}), ...adminOnly },
  'conv.create': { req: (c) => ({ kind: 'channel', name: c.newName }), ...anyone },
  'dm.open': { req: (c) => ({ user: c.guest }), ...anyone },
  'request.templates': { req: () => ({}), ...anyone },
  'request.create': { req: (c) => ({ kind: 'deck', title: c.newName, body: 'a deck please' }), ...anyone },
  'request.list': { req: () => ({}), ...anyone },
  'sla.get': { req: () => ({}), ...anyone },
  'sla.set': { req: () => ({ priority: 'low', first_response: 2880, delivery: 28800 }), ...adminOnly },
  'feedback.create': { req: (c) => ({ kind: 'objection', body: `too expensive ${c.newName}` }), ...anyone },
  'feedback.list': { req: () => ({}), ...anyone },
  'feedback.spikes': { req: () => ({}), ...anyone },
  'glossary.create': { req: (c) => ({ title: c.newName, body: 'a definition' }), ...anyone },
  'glossary.list': { req: () => ({}), ...anyone },
  'approver.set': { req: (c) => ({ user: c.victim2, approver: false }), ...adminOnly },
  'pair.create': { req: (c) => ({ rep: c.spareRep, marketer: c.victim2 }), ...adminOnly },
  'pair.list': { req: () => ({}), ...anyone },
  'buddy.get': { req: () => ({}), ...anyone },
  'pair.prefs': { req: () => ({}), ...anyone },
  'pair.health': { req: () => ({}), ...adminOnly },
  'round.get': { req: () => ({}), ...anyone },
  'round.config': { req: () => ({ cadence: 'off' }), ...adminOnly },
  'round.run': { req: () => ({}), ...adminOnly },
  dashboard: { req: () => ({}), ...anyone },
  hello: { req: (c) => ({ token: c.token }), M: 'ok', N: 'ok', A: 'ok', L: 'ok', ownConnection: true },
  // Last: it revokes the role's token.
  logout: { req: () => ({}), M: 'ok', N: 'ok', A: 'ok', L: 'unauthenticated', ownConnection: true },
};

// Cells where the server answers something else than the table (read from
// PROTOCOL.md) and the difference was reported rather than fixed here: the
// server's answer is accepted, and printed. Neither leaks anything.
const KNOWN = {
};

const SHORT = { member_sales: 'ms', member_marketing: 'mm', non_member_sales: 'ns', non_member_marketing: 'nm', admin_non_member: 'ad' };
const LETTER = { ms: 'M', mm: 'M', ns: 'N', nm: 'N', ad: 'A' };

// The table's answer for one cell.
function expected(row, kind, role) {
  if (role === 'logged_out') return 'unauthenticated';
  const e = row[kind];
  const s = SHORT[role];
  return s in e ? e[s] : e[LETTER[s]];
}

// A request that waits out rate_limited (the limit is not what is tested).
async function call(client, op, fields) {
  for (let i = 0; i < 20; i++) {
    const r = await client.request(op, fields);
    if (!(r.error && r.error.code === 'rate_limited')) return r;
    await sleep(1000);
  }
  throw new Error(`${op}: still rate_limited`);
}
const okCall = async (client, op, fields) => {
  const r = await call(client, op, fields);
  return expectResult(r, `${op} ${JSON.stringify(fields)}`);
};

// Events the outsider may receive: what PROTOCOL.md sends to everyone.
const TO_EVERYONE = new Set(['user.new', 'user.update', 'presence', 'request.update', 'sla.update', 'feedback.update', 'glossary.update']);
function allowedForOutsider(e) {
  if (TO_EVERYONE.has(e.event)) return true;
  if (e.event === 'conv.new' || e.event === 'conv.update') {
    const c = e.data.conversation;
    return c.kind === 'channel' && c.private === false;
  }
  return false;
}

fx.test('authorization matrix: ops x kinds x roles from one table; an outsider sees nothing it may not', { timeout: 240000 }, async () => {
  const admin = await fx.user({ team: 'other' }); // first account: admin
  const outsider = await fx.user({ team: 'other' });
  const owner = await fx.user({ team: 'sales' });
  const ms = await fx.user({ team: 'sales' });
  const mm = await fx.user({ team: 'marketing' });
  const ns = await fx.user({ team: 'sales' });
  const nmk = await fx.user({ team: 'marketing' });
  const victim = await fx.user({ team: 'marketing' });
  const spareRep = await fx.user({ team: 'sales' });
  const guest = await fx.user({ team: 'other' });
  const lo = fx.track(await connect(fx.srv));
  const shared = (await okCall(owner.client, 'conv.create', { kind: 'channel', name: `shared-${process.pid % 10000}`, members: [outsider.user.id] })).conversation;
  const outsiderFrom = outsider.client.events.length;
  await okCall(admin.client, 'approver.set', { user: ms.user.id, approver: true });

  // Setup traffic is spread over several connections of each user.
  const pools = new Map();
  async function pooled(u) {
    if (!pools.has(u)) {
      const cs = [u.client];
      for (let i = 0; i < 4; i++) {
        const r = await resume(fx.srv, u.token);
        fx.track(r.client);
        expectResult(r.reply);
        cs.push(r.client);
      }
      pools.set(u, { cs, n: 0 });
    }
    const p = pools.get(u);
    p.n += 1;
    return p.cs[p.n % p.cs.length];
  }

  let counter = 0;
  const dm = (await okCall(ms.client, 'dm.open', { user: mm.user.id })).conversation;
  const fresh = (prefix) => { counter += 1; return `${prefix}-${process.pid % 10000}-${counter}`; };
  async function newFeedback(name) {
    const f = (await okCall(await pooled(ms), 'feedback.create', { kind: 'competitor', body: `they chose Globex ${name}` })).feedback;
    await okCall(await pooled(mm), 'feedback.vote', { feedback: f.id, weight: 'deal_blocker' });
    return f;
  }
  // A fresh object of `kind` (for `row`) and, where it has a conversation,
  // a message in it by someone other than `role`.
  async function makeCell(kind, role, row) {
    const name = fresh('mx');
    const ctx = { guest: guest.user.id, victim: victim.user.id, victim2: victim.user.id, newName: `${name}-r`, token: null };
    let conv;
    if (kind === 'dm') {
      conv = dm;
      ctx.victim = mm.user.id;
    } else if (kind === 'public' || kind === 'private' || kind === 'group') {
      const fields = kind === 'group'
        ? { kind: 'group', members: [ms.user.id, mm.user.id, victim.user.id] }
        : { kind: 'channel', name, private: kind === 'private', members: [ms.user.id, mm.user.id, victim.user.id] };
      conv = (await okCall(await pooled(owner), 'conv.create', fields)).conversation;
    } else if (kind === 'request') {
      const r = (await okCall(await pooled(ms), 'request.create', { kind: 'case_study', title: name, body: 'a case study for a bank' })).request;
      await okCall(await pooled(admin), 'request.assign', { request: r.id, assignee: mm.user.id });
      if (row.state) await okCall(await pooled(admin), 'request.move', { request: r.id, status: 'accepted' });
      if (row.state === 'delivered') await okCall(await pooled(admin), 'request.deliver', { request: r.id, url: 'https://example.com/case' });
      if (row.withFeedback) ctx.feedback = (await newFeedback(name)).id;
      ctx.request = r.id;
      ctx.victim = mm.user.id;
      ctx.filer = ms.user.id;
      conv = { id: r.conv };
    } else if (kind === 'feedback') {
      const f = await newFeedback(name);
      ctx.feedback = f.id;
      ctx.victim = mm.user.id;
      ctx.filer = ms.user.id;
      conv = { id: f.conv };
    } else if (kind === 'term') {
      ctx.term = (await okCall(await pooled(owner), 'glossary.create', { title: name, body: 'marketing qualified lead' })).term.id;
    } else if (kind === 'pair') {
      ctx.pair = (await okCall(await pooled(admin), 'pair.create', { rep: ms.user.id, marketer: mm.user.id })).pair.id;
    }
    if (conv) {
      const author = ['dm', 'request', 'feedback'].includes(kind) ? (role === 'member_sales' ? mm : ms) : owner;
      ctx.conv = conv.id;
      ctx.msg = (await okCall(await pooled(author), 'msg.send', { conv: conv.id, body: `target of ${role}`, nonce: nonce('t') })).message.id;
    }
    return ctx;
  }
  // What a refused op must leave unchanged, read by a member.
  async function snapshot(kind, ctx) {
    const c = await pooled(admin);
    if (kind === 'request') {
      const r = (await okCall(c, 'request.get', { request: ctx.request })).request;
      return JSON.stringify([r.status, r.title, r.assignee, r.asset, r.verdict_counts, r.feedback, r.watchers]);
    }
    if (kind === 'feedback') {
      const f = (await okCall(c, 'feedback.get', { feedback: ctx.feedback })).feedback;
      return JSON.stringify([f.status, f.votes, f.vote_list, f.requests]);
    }
    if (kind === 'term') {
      const t = (await okCall(c, 'glossary.get', { term: ctx.term })).term;
      return JSON.stringify([t.version, t.definition, t.acks, t.status]);
    }
    if (kind === 'pair') {
      const p = (await okCall(c, 'pair.list', {})).pairs.find((x) => x.id === ctx.pair);
      return JSON.stringify(p);
    }
    const h = await okCall(await pooled(ms), 'msg.history', { conv: ctx.conv, limit: 200 });
    return JSON.stringify(h.messages.find((x) => x.id === ctx.msg));
  }
  const actor = { member_sales: ms, member_marketing: mm, non_member_sales: ns, non_member_marketing: nmk, admin_non_member: admin };

  let cells = 0;
  const violations = [];
  const known = [];
  const seen = new Map();
  const perKind = {};
  for (const [name, row] of Object.entries(TABLE)) {
    const op = row.op || name;
    for (const kind of KINDS.filter((k) => row[k])) {
      for (const role of ROLES) {
        const ctx = await makeCell(kind, role, row);
        const checkWrite = !CHAT.includes(kind) || kind === 'request' || kind === 'feedback' || op === 'msg.edit' || op === 'msg.delete';
        const before = checkWrite ? await snapshot(kind, ctx) : null;
        const client = role === 'logged_out' ? lo : await pooled(actor[role]);
        const r = await call(client, op, row.req(ctx));
        const want = expected(row, kind, role);
        const got = r.result ? 'ok' : r.error.code;
        cells += 1;
        perKind[kind] = (perKind[kind] || 0) + 1;
        const key = `${name}|${kind}|${role}`;
        seen.set(key, got);
        if (got !== want && KNOWN[key] === got) known.push(`${name} on ${kind} as ${role}: PROTOCOL.md suggests ${want}, server answers ${got}`);
        else if (got !== want) violations.push(`${name} on ${kind} as ${role}: expected ${want}, got ${got} ${r.error ? r.error.message : ''}`);
        // A write that was refused changed nothing.
        if (checkWrite && got !== 'ok') {
          const after = await snapshot(kind, ctx);
          if (after !== before) violations.push(`${name} on ${kind} as ${role}: refused (${got}) but the object changed: ${before} -> ${after}`);
        }
        // The next pair cell pairs the same two people.
        if (kind === 'pair' && got !== 'ok') await call(await pooled(admin), 'pair.end', { pair: ctx.pair });
      }
    }
  }
  for (const [op, row] of Object.entries(GLOBAL)) {
    for (const role of ROLES) {
      const ctx = { guest: guest.user.id, victim2: victim.user.id, spareRep: spareRep.user.id, newName: fresh('gx'), token: role === 'logged_out' ? 'not-a-token' : actor[role].token };
      let client;
      if (row.ownConnection) {
        client = fx.track(await connect(fx.srv));
        if (role !== 'logged_out' && op !== 'hello') expectResult(await client.request('hello', { token: actor[role].token }));
      } else client = role === 'logged_out' ? lo : await pooled(actor[role]);
      const r = await call(client, op, row.req(ctx));
      let want = role === 'logged_out' ? row.L : row[LETTER[SHORT[role]]];
      if (op === 'hello' && role === 'logged_out') want = 'bad_token';
      const got = r.result ? 'ok' : r.error.code;
      cells += 1;
      perKind.none = (perKind.none || 0) + 1;
      if (got !== want) violations.push(`${op} as ${role}: expected ${want}, got ${got} ${r.error ? r.error.message : ''}`);
    }
  }

  // The outsider: live events, then a full replay from 0.
  await barrier(owner, shared.id, outsider.client, 15000);
  const live = outsider.client.events.slice(outsiderFrom);
  const leakedLive = live.filter((e) => !allowedForOutsider(e) && !(e.event === 'message.new' && e.data.message.conv === shared.id));
  const r = await resume(fx.srv, outsider.token, 0);
  fx.track(r.client);
  expectResult(r.reply);
  await barrier(owner, shared.id, r.client, 15000);
  const replay = r.client.events.filter((e) => e.seq !== undefined);
  const leakedReplay = replay.filter((e) => !allowedForOutsider(e) && !(e.event === 'message.new' && e.data.message.conv === shared.id)
    && !(e.event === 'member.join' && e.data.conv === shared.id) && !(e.event === 'conv.new' && e.data.conversation.id === shared.id));
  const count = (list) => Object.entries(list.reduce((m, e) => ({ ...m, [e.event]: (m[e.event] || 0) + 1 }), {})).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`authz matrix: ${cells} cells (${Object.keys(TABLE).length} object ops over ${KINDS.length} kinds x ${ROLES.length} roles + ${Object.keys(GLOBAL).length} global ops x ${ROLES.length} roles; per kind: ${Object.entries(perKind).map(([k, v]) => `${k} ${v}`).join(', ')}), ${violations.length} violations`);
  for (const k of known) console.log(`authz known difference: ${k}`);
  console.log(`authz outsider: ${live.length} live events and ${replay.length} replayed events received (live: ${count(live)}), ${leakedLive.length + leakedReplay.length} about things it may not see`);
  if (process.env.TANDEM_DEBUG) console.error([...seen].map(([k, v]) => `${k}=${v}`).join('\n'));
  assert.deepEqual(violations, []);
  assert.deepEqual(leakedLive.map((e) => e.event), [], 'live leaks');
  assert.deepEqual(leakedReplay.map((e) => e.event), [], 'replay leaks');
  assert.ok(live.length > 0, 'the outsider did receive the public events (the listener works)');
  assert.ok(live.some((e) => e.event === 'request.update'), 'the outsider heard of requests (sent to everyone)');
});

cleanExitTest(fx);

// Zulip-style check: for each op, fetch the observer's state, apply the
// op, apply the events the observer received to the old state, and compare
// with freshly fetched state. An event that lies (or is missing) fails.

import { serverFixture, cleanExitTest, assert, send, channel } from './util.js';
import { connect } from '../lib/server.js';

const fx = serverFixture({ args: ['--open-registration'] });

// The state one user sees of one conversation, fetched on a fresh
// connection of that user (each connection has its own rate limit).
async function fetchState(u, conv) {
  const c = fx.track(await connect(fx.srv));
  await c.ok('hello', { token: u.token });
  const history = (await c.ok('msg.history', { conv })).messages;
  const replies = {};
  for (const m of history) {
    if (m.reply_count > 0) replies[m.id] = (await c.ok('thread.replies', { message: m.id })).messages;
  }
  const counts = (await c.ok('unread.counts', {})).counts.filter((x) => x.conv === conv);
  const threads = (await c.ok('thread.list', {})).threads.map((t) => ({ ...t }));
  const pins = (await c.ok('pin.list', { conv })).pins;
  const saved = (await c.ok('save.list', {})).saved;
  c.terminate();
  return { history, replies, counts, threads, pins, saved };
}

// Ids of the messages that mentioned the observer (from mention events).
const mentioned = new Set();

const replaceMsg = (list, m) => list.map((x) => (x.id === m.id ? m : x));

// Apply one event to a state, as a client would.
function applyEvent(st, e, me) {
  const d = e.data;
  switch (e.event) {
    case 'message.new': {
      const m = d.message;
      if (m.thread === 0) {
        st.history.push(m);
        if (m.author !== me) for (const c of st.counts) if (c.conv === m.conv) c.unread += 1;
      } else {
        (st.replies[m.thread] ||= []).push(m);
        if (m.author !== me) for (const t of st.threads) if (t.message.id === m.thread) t.unread += 1;
      }
      break;
    }
    case 'message.edit':
    case 'message.delete': {
      const m = d.message;
      const old = st.history.find((x) => x.id === m.id);
      // A deleted message no longer counts as unread (nor as a mention).
      if (e.event === 'message.delete' && old && !old.deleted && m.author !== me) {
        for (const c of st.counts) {
          if (c.conv !== m.conv || m.id <= c.last_read) continue;
          c.unread -= 1;
          if (mentioned.has(m.id)) c.mentions -= 1;
        }
      }
      st.history = replaceMsg(st.history, m);
      for (const k of Object.keys(st.replies)) st.replies[k] = replaceMsg(st.replies[k], m);
      st.threads = st.threads.map((t) => (t.message.id === m.id ? { ...t, message: m } : t));
      if (e.event === 'message.delete') {
        st.pins = st.pins.filter((p) => p.message.id !== m.id);
        st.saved = st.saved.filter((s) => s.message.id !== m.id);
      } else {
        st.pins = st.pins.map((p) => (p.message.id === m.id ? { ...p, message: m } : p));
        st.saved = st.saved.map((s) => (s.message.id === m.id ? { ...s, message: m } : s));
      }
      break;
    }
    case 'thread.update':
    case 'reaction.update':
      st.history = replaceMsg(st.history, d.message);
      for (const k of Object.keys(st.replies)) st.replies[k] = replaceMsg(st.replies[k], d.message);
      st.threads = st.threads.map((t) => (t.message.id === d.message.id ? { ...t, message: d.message } : t));
      st.pins = st.pins.map((p) => (p.message.id === d.message.id ? { ...p, message: d.message } : p));
      st.saved = st.saved.map((s) => (s.message.id === d.message.id ? { ...s, message: d.message } : s));
      break;
    case 'pin.update':
      st.pins = st.pins.filter((p) => p.message.id !== d.message.id);
      if (d.pinned) st.pins.unshift({ message: d.message, pinned_by: d.pinned_by, pinned_at: d.pinned_at });
      break;
    case 'save.update':
      st.saved = st.saved.filter((s) => s.message.id !== d.message.id);
      if (d.saved) st.saved.unshift({ message: d.message, saved_at: d.saved_at });
      break;
    case 'read.update':
      if (d.thread === 0) {
        st.counts = st.counts.map((c) => (c.conv === d.conv ? { conv: d.conv, thread: 0, last_read: d.last_read, unread: d.unread, mentions: d.mentions, notify: d.notify } : c));
      } else {
        st.threads = st.threads.map((t) => (t.message.id === d.thread ? { message: d.message, following: d.following, last_read: d.last_read, unread: d.unread } : t));
      }
      break;
    case 'thread.follow':
      st.threads = st.threads.filter((t) => t.message.id !== d.message.id);
      if (d.following) st.threads.push({ message: d.message, following: true, last_read: d.last_read, unread: d.unread });
      break;
    case 'prefs.update':
      for (const c of st.counts) if (c.conv === d.conv) c.notify = d.notify;
      break;
    case 'mention':
      mentioned.add(d.message.id);
      if (d.message.thread === 0) for (const c of st.counts) if (c.conv === d.message.conv) c.mentions += 1;
      break;
    default:
      break;
  }
}

const byThread = (a, b) => a.message.id - b.message.id;

function normalize(st) {
  return { ...st, threads: [...st.threads].sort(byThread) };
}

// Run `op`, then check that ben's events turn his old state into the new.
async function verify(name, ben, ana, conv, op) {
  const before = await fetchState(ben, conv);
  const from = ben.client.events.length;
  await op();
  // A sentinel from ana in another conversation would not order ben's
  // events; a ping of each after the op is enough since events of a
  // committed op are queued before the reply of a later request.
  await ana.client.ok('ping');
  await ben.client.ok('ping');
  const after = await fetchState(ben, conv);
  for (const e of ben.client.events.slice(from)) applyEvent(before, e, ben.user.id);
  assert.deepEqual(normalize(before), normalize(after), `events of ${name} do not give the new state`);
}

fx.test('every op: old state + its events == new state', { timeout: 60000 }, async () => {
  const [ana, ben] = await fx.users(2);
  const conv = await channel(ana, [ben]);
  const c = conv.id;
  const root = await send(ana, c, 'root');
  let reply;
  await verify('msg.send', ben, ana, c, async () => { await send(ana, c, `hi @${ben.user.handle}`); });
  await verify('msg.send reply', ben, ana, c, async () => { reply = await send(ana, c, 'reply one', { thread: root.id }); });
  await verify('msg.send reply by ben', ben, ana, c, () => send(ben, c, 'reply two', { thread: root.id }));
  await verify('msg.send reply mentioning', ben, ana, c, () => send(ana, c, `@${ben.user.handle} in thread`, { thread: root.id }));
  await verify('thread.follow false', ben, ana, c, () => ben.client.ok('thread.follow', { message: root.id, follow: false }));
  await verify('thread.follow true', ben, ana, c, () => ben.client.ok('thread.follow', { message: root.id, follow: true }));
  await verify('thread.read', ben, ana, c, () => ben.client.ok('thread.read', { message: reply.id }));
  await verify('conv.read', ben, ana, c, () => ben.client.ok('conv.read', { conv: c, message: root.id }));
  await verify('conv.unread', ben, ana, c, () => ben.client.ok('conv.unread', { conv: c, message: root.id }));
  await verify('react.add', ben, ana, c, () => ana.client.ok('react.add', { message: root.id, emoji: 'tada' }));
  await verify('react.add on reply', ben, ana, c, () => ana.client.ok('react.add', { message: reply.id, emoji: 'eyes' }));
  await verify('react.remove', ben, ana, c, () => ana.client.ok('react.remove', { message: root.id, emoji: 'tada' }));
  await verify('pin.add', ben, ana, c, () => ana.client.ok('pin.add', { message: root.id }));
  await verify('save.add', ben, ana, c, () => ben.client.ok('save.add', { message: root.id }));
  await verify('msg.edit', ben, ana, c, () => ana.client.ok('msg.edit', { message: root.id, body: 'root edited' }));
  await verify('pin.remove', ben, ana, c, () => ana.client.ok('pin.remove', { message: root.id }));
  await verify('save.remove', ben, ana, c, () => ben.client.ok('save.remove', { message: root.id }));
  await verify('pin.add again', ben, ana, c, () => ana.client.ok('pin.add', { message: root.id }));
  await verify('msg.delete reply', ben, ana, c, () => ana.client.ok('msg.delete', { message: reply.id }));
  await verify('msg.delete root', ben, ana, c, () => ana.client.ok('msg.delete', { message: root.id }));
  await verify('conv.prefs muted', ben, ana, c, () => ben.client.ok('conv.prefs', { conv: c, notify: 'muted' }));
  await verify('msg.send @channel while muted', ben, ana, c, () => send(ana, c, '@channel muted for ben'));
  await verify('msg.send @handle while muted', ben, ana, c, () => send(ana, c, `@${ben.user.handle} still direct`));
  await verify('conv.prefs mentions', ben, ana, c, () => ben.client.ok('conv.prefs', { conv: c, notify: 'mentions' }));
  await verify('msg.send @channel in mentions mode', ben, ana, c, () => send(ana, c, '@channel heard'));
});

cleanExitTest(fx);

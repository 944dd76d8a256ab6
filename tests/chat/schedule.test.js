// Scheduled send (msg.schedule, schedule.list, schedule.cancel) and
// reminders (remind.add, remind.list, remind.cancel): posted or fired by the
// server's timer, re-authorized at send time, durable across restarts.

import { serverFixture, cleanExitTest, expectError, expectResult, nonce, assert, send, channel } from './util.js';
import { resume, sleep } from '../lib/server.js';

const fx = serverFixture({ args: ['--open-registration'] });

const newMessage = (u, pred) => u.client.waitEvent((e) => e.event === 'message.new' && pred(e.data.message), 8000);

fx.test('msg.schedule posts the message when due, as msg.send would; retries are idempotent', async () => {
  const [ana, ben] = await fx.users(2);
  const conv = await channel(ana, [ben]);
  const at = Date.now() + 1200;
  const n = nonce('s');
  const r = await ben.client.ok('msg.schedule', { conv: conv.id, body: `later @${ana.user.handle}`, nonce: n, at });
  assert.equal(r.scheduled.conv, conv.id);
  assert.equal(r.scheduled.body, `later @${ana.user.handle}`);
  assert.equal(r.scheduled.at, at);
  assert.equal(r.scheduled.state, 'pending');
  assert.ok(r.scheduled.id > 0);
  const again = await ben.client.ok('msg.schedule', { conv: conv.id, body: `later @${ana.user.handle}`, nonce: n, at });
  assert.equal(again.scheduled.id, r.scheduled.id, 'a retry returns the same item');
  assert.deepEqual((await ben.client.ok('schedule.list', {})).scheduled.map((s) => s.id), [r.scheduled.id]);
  assert.deepEqual((await ana.client.ok('schedule.list', {})).scheduled, [], 'lists are per user');
  const ev = await newMessage(ana, (m) => m.nonce === n);
  assert.ok(Date.now() >= at - 20, 'not sent early');
  assert.equal(ev.data.message.author, ben.user.id);
  const mention = await ana.client.waitEvent((e) => e.event === 'mention' && e.data.message.id === ev.data.message.id);
  assert.ok(mention, 'mentions work as for msg.send');
  const sent = await ben.client.waitEvent('schedule.sent', 5000);
  assert.equal(sent.data.scheduled.id, r.scheduled.id);
  assert.equal(sent.data.scheduled.message, ev.data.message.id);
  assert.deepEqual((await ben.client.ok('schedule.list', {})).scheduled, []);
  const late = await ben.client.ok('msg.schedule', { conv: conv.id, body: `later @${ana.user.handle}`, nonce: n, at });
  assert.equal(late.scheduled.id, r.scheduled.id, 'a retry after sending still finds it');
  assert.equal(late.scheduled.state, 'sent');
  assert.equal(late.scheduled.message, ev.data.message.id);
  const h = await ana.client.ok('msg.history', { conv: conv.id });
  assert.equal(h.messages.filter((m) => m.nonce === n).length, 1, 'posted once');
  // msg.send with the same nonce is a retry of the posted message.
  const retry = await ben.client.ok('msg.send', { conv: conv.id, body: `later @${ana.user.handle}`, nonce: n });
  assert.equal(retry.message.id, ev.data.message.id);
});

fx.test('msg.schedule: bad input and authorization', async () => {
  const [ana, ben] = await fx.users(2);
  const pub = await channel(ana, []);
  const priv = await channel(ana, [], { private: true });
  const at = Date.now() + 60000;
  expectError(await ana.client.request('msg.schedule', { conv: pub.id, body: 'x', nonce: nonce(), at: Date.now() - 1000 }), 'bad_request', 'past');
  expectError(await ana.client.request('msg.schedule', { conv: pub.id, body: 'x', nonce: nonce(), at: Date.now() + 400 * 86400000 }), 'bad_request', 'too far');
  expectError(await ana.client.request('msg.schedule', { conv: pub.id, body: 'x', nonce: nonce() }), 'bad_request', 'no at');
  expectError(await ana.client.request('msg.schedule', { conv: pub.id, body: 'x', nonce: nonce(), at: 1.5 }), 'bad_request', 'real at');
  expectError(await ana.client.request('msg.schedule', { conv: pub.id, body: '   ', nonce: nonce(), at }), 'bad_request', 'blank body');
  expectError(await ben.client.request('msg.schedule', { conv: pub.id, body: 'x', nonce: nonce(), at }), 'forbidden', 'not joined');
  expectError(await ben.client.request('msg.schedule', { conv: priv.id, body: 'x', nonce: nonce(), at }), 'not_found', 'private');
  expectError(await ben.client.request('msg.schedule', { conv: 999999, body: 'x', nonce: nonce(), at }), 'not_found', 'missing');
  const n = nonce();
  await ana.client.ok('msg.schedule', { conv: pub.id, body: 'x', nonce: n, at });
  expectError(await ana.client.request('msg.schedule', { conv: pub.id, body: 'y', nonce: n, at }), 'nonce_conflict', 'other body');
  expectError(await ana.client.request('msg.schedule', { conv: pub.id, body: 'x', nonce: n, at: at + 1 }), 'nonce_conflict', 'other time');
  const m = await send(ana, pub.id, 'sent now');
  expectError(await ana.client.request('msg.schedule', { conv: pub.id, body: 'sent now', nonce: m.nonce, at }), 'nonce_conflict', 'a message has it');
});

fx.test('nobody can list or cancel someone else\'s scheduled messages or reminders', async () => {
  const [ana, ben] = await fx.users(2);
  const conv = await channel(ana, [ben]);
  const at = Date.now() + 60000;
  const s = (await ana.client.ok('msg.schedule', { conv: conv.id, body: 'mine', nonce: nonce(), at })).scheduled;
  const m = await send(ana, conv.id, 'remember');
  const r = (await ana.client.ok('remind.add', { message: m.id, at })).reminder;
  assert.deepEqual(r, { id: r.id, message: m.id, conv: conv.id, at });
  assert.deepEqual((await ben.client.ok('schedule.list', {})).scheduled, []);
  assert.deepEqual((await ben.client.ok('remind.list', {})).reminders, []);
  expectError(await ben.client.request('schedule.cancel', { schedule: s.id }), 'not_found');
  expectError(await ben.client.request('remind.cancel', { reminder: r.id }), 'not_found');
  expectError(await ana.client.request('schedule.cancel', { schedule: 999999 }), 'not_found');
  expectError(await ana.client.request('remind.cancel', { reminder: 999999 }), 'not_found');
  assert.deepEqual((await ana.client.ok('remind.list', {})).reminders, [r]);
  const c = await ana.client.ok('schedule.cancel', { schedule: s.id });
  assert.equal(c.scheduled.state, 'cancelled');
  expectError(await ana.client.request('schedule.cancel', { schedule: s.id }), 'conflict', 'twice');
  assert.deepEqual(await ana.client.ok('remind.cancel', { reminder: r.id }), { reminder: r });
  expectError(await ana.client.request('remind.cancel', { reminder: r.id }), 'not_found', 'twice');
  assert.deepEqual((await ana.client.ok('schedule.list', {})).scheduled, []);
  assert.deepEqual((await ana.client.ok('remind.list', {})).reminders, []);
});

fx.test('a scheduled message to a conversation left or archived is dropped with schedule.failed', async () => {
  const [ana, ben] = await fx.users(2);
  const priv = await channel(ana, [ben], { private: true });
  const other = await channel(ana, [ben]);
  const at = Date.now() + 1000;
  const s1 = (await ben.client.ok('msg.schedule', { conv: priv.id, body: 'left', nonce: nonce(), at })).scheduled;
  const s2 = (await ben.client.ok('msg.schedule', { conv: other.id, body: 'archived', nonce: nonce(), at })).scheduled;
  await ben.client.ok('conv.leave', { conv: priv.id });
  await ana.client.ok('conv.archive', { conv: other.id });
  const f1 = await ben.client.waitEvent((e) => e.event === 'schedule.failed' && e.data.scheduled.id === s1.id, 8000);
  assert.equal(f1.data.error, 'not_found');
  assert.equal(f1.data.scheduled.state, 'failed');
  const f2 = await ben.client.waitEvent((e) => e.event === 'schedule.failed' && e.data.scheduled.id === s2.id, 8000);
  assert.equal(f2.data.error, 'archived');
  assert.deepEqual((await ana.client.ok('msg.history', { conv: priv.id })).messages, []);
  assert.deepEqual((await ana.client.ok('msg.history', { conv: other.id })).messages, []);
  assert.deepEqual((await ben.client.ok('schedule.list', {})).scheduled, []);
  assert.ok(!ana.client.events.some((e) => e.event === 'schedule.failed'), 'only the author hears of it');
});

fx.test('remind.add: a reminder event when due, only while the message is visible', async () => {
  const [ana, ben] = await fx.users(2);
  const pub = await channel(ana, [ben]);
  const priv = await channel(ana, [ben], { private: true });
  const m1 = await send(ana, pub.id, 'follow up on this');
  const m2 = await send(ana, priv.id, 'secret plan');
  expectError(await ben.client.request('remind.add', { message: m1.id, at: Date.now() - 5 }), 'bad_request', 'past');
  expectError(await ben.client.request('remind.add', { message: 999999, at: Date.now() + 5000 }), 'not_found');
  const eve = await fx.user();
  expectError(await eve.client.request('remind.add', { message: m2.id, at: Date.now() + 5000 }), 'not_found', 'invisible');
  const at = Date.now() + 1000;
  const r1 = (await ben.client.ok('remind.add', { message: m1.id, at })).reminder;
  const r2 = (await ben.client.ok('remind.add', { message: m2.id, at })).reminder;
  await ben.client.ok('conv.leave', { conv: priv.id });
  const ev = await ben.client.waitEvent((e) => e.event === 'reminder', 8000);
  assert.ok(Date.now() >= at - 20);
  assert.deepEqual(ev.data.reminder, r1);
  assert.equal(ev.data.message.id, m1.id);
  assert.equal(ev.data.message.body, 'follow up on this');
  assert.deepEqual((await ben.client.ok('remind.list', {})).reminders, [], 'both fired (one silently)');
  await send(ana, pub.id, 'sentinel');
  await newMessage(ben, (m) => m.body === 'sentinel');
  assert.ok(!ben.client.events.some((e) => e.event === 'reminder' && e.data.reminder.id === r2.id), 'no reminder of what you cannot see');
  assert.ok(!ana.client.events.some((e) => e.event === 'reminder'));
  const dm = await send(ana, pub.id, 'to delete');
  expectResult(await ana.client.request('msg.delete', { message: dm.id }));
  expectError(await ben.client.request('remind.add', { message: dm.id, at: Date.now() + 5000 }), 'conflict', 'deleted');
});

fx.test('scheduled messages and reminders survive a restart; those due while down fire right after start', { timeout: 60000 }, async () => {
  const srv = fx.srv;
  const [ana, ben] = await fx.users(2);
  const conv = await channel(ana, [ben]);
  const note = await send(ana, conv.id, 'the note');
  const t0 = Date.now();
  const nDown = nonce('down');
  const nAfter = nonce('after');
  await ben.client.ok('msg.schedule', { conv: conv.id, body: 'due while down', nonce: nDown, at: t0 + 1500 });
  const rDown = (await ben.client.ok('remind.add', { message: note.id, at: t0 + 1500 })).reminder;
  const sAfter = (await ben.client.ok('msg.schedule', { conv: conv.id, body: 'due after restart', nonce: nAfter, at: t0 + 7000 })).scheduled;
  const rAfter = (await ben.client.ok('remind.add', { message: note.id, at: t0 + 7000 })).reminder;
  const since = ben.client.lastSeq;
  srv.stoppedAndChecked = true;
  const { code } = await srv.stop();
  assert.equal(code, 0, srv.stderr().slice(-4000));
  assert.ok(Date.now() < t0 + 1500, 'stopped before the first items were due');
  await sleep(t0 + 2000 - Date.now());
  const srv2 = await fx.start({ dataDir: srv.dataDir, args: ['--open-registration'] });
  fx.srv = srv2;
  const r = await resume(srv2, ben.token, since);
  fx.track(r.client);
  expectResult(r.reply);
  const b = { client: r.client };
  const m1 = await newMessage(b, (m) => m.nonce === nDown);
  assert.ok(Date.now() < t0 + 6000, 'fired right after start');
  assert.equal(m1.data.message.author, ben.user.id);
  const ev1 = await r.client.waitEvent((e) => e.event === 'reminder' && e.data.reminder.id === rDown.id, 8000);
  assert.equal(ev1.data.message.id, note.id);
  const pending = await r.client.ok('schedule.list', {});
  assert.deepEqual(pending.scheduled.map((s) => s.id), [sAfter.id]);
  assert.deepEqual((await r.client.ok('remind.list', {})).reminders, [rAfter]);
  const m2 = await newMessage(b, (m) => m.nonce === nAfter);
  assert.ok(Date.now() >= t0 + 7000 - 20, 'not early after a restart');
  assert.equal(m2.data.message.body, 'due after restart');
  await r.client.waitEvent((e) => e.event === 'reminder' && e.data.reminder.id === rAfter.id, 8000);
  const h = await r.client.ok('msg.history', { conv: conv.id });
  assert.deepEqual(h.messages.map((m) => m.body), ['the note', 'due while down', 'due after restart']);
});

cleanExitTest(fx);

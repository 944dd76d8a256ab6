// Search: partial words, words inside URLs, filters, ranking and paging,
// snippets, edits and deletes reflected at once, bad queries, and never a
// message from a conversation the searcher cannot see.

import { serverFixture, cleanExitTest, expectError, assert, send, channel } from './util.js';

const fx = serverFixture({ args: ['--open-registration'] });

const ids = (r) => r.results.map((x) => x.message.id);

fx.test('partial words, URLs, snippets, edits and deletes', async () => {
  const [ana, ben] = await fx.users(2);
  const conv = await channel(ana, [ben]);
  const m1 = await send(ana, conv.id, 'The onboarding deck for banks is ready');
  const m2 = await send(ben, conv.id, 'see https://example.com/zebracase/study.pdf');
  await send(ben, conv.id, 'unrelated chatter');
  let r = await ana.client.ok('search', { query: 'onboard' });
  assert.deepEqual(ids(r), [m1.id]);
  assert.match(r.results[0].snippet, /\u0002onboarding\u0003/i);
  r = await ana.client.ok('search', { query: 'zebracase' });
  assert.deepEqual(ids(r), [m2.id]);
  r = await ana.client.ok('search', { query: 'has:link' });
  assert.deepEqual(ids(r), [m2.id]);
  await ana.client.ok('msg.edit', { message: m1.id, body: 'The welcome deck is ready' });
  assert.deepEqual(ids(await ana.client.ok('search', { query: 'onboarding' })), []);
  assert.deepEqual(ids(await ana.client.ok('search', { query: 'welcome' })), [m1.id]);
  await ana.client.ok('msg.delete', { message: m1.id });
  assert.deepEqual(ids(await ana.client.ok('search', { query: 'welcome' })), []);
});

fx.test('edits and deletes before and after the index catches up', async () => {
  const [ana, ben, cy, di] = await fx.users(4);
  const conv = await channel(ana, [ben, cy, di]);
  // Not yet indexed (the store indexes in chunks, or before a search).
  const fresh = await send(ana, conv.id, 'quokka sighting report');
  const gone = await send(ana, conv.id, 'quokka rumour to retract');
  await ana.client.ok('msg.edit', { message: fresh.id, body: 'wombat sighting report' });
  await ana.client.ok('msg.delete', { message: gone.id });
  assert.deepEqual(ids(await ana.client.ok('search', { query: 'quokka' })), []);
  assert.deepEqual(ids(await ana.client.ok('search', { query: 'wombat' })), [fresh.id]);
  // More than one chunk (128) stored with no search in between: the
  // commits index them, and an edit of an indexed one re-indexes it.
  // Four senders stay within the per-connection rate limit.
  const many = [];
  for (let i = 0; i < 140; i++) many.push(await send([ana, ben, cy, di][i % 4], conv.id, `numbat tally ${i}`));
  await ana.client.ok('msg.edit', { message: many[0].id, body: 'bilby tally' });
  await ben.client.ok('msg.delete', { message: many[1].id });
  const r = await ana.client.ok('search', { query: `numbat in:#${conv.name}`, limit: 50 });
  assert.equal(r.results.length, 50);
  assert.ok(!ids(r).includes(many[0].id) && !ids(r).includes(many[1].id));
  const all = [];
  for (let off = 0; ; off += 50) {
    const p = await ana.client.ok('search', { query: 'numbat', limit: 50, offset: off });
    all.push(...ids(p));
    if (!p.more) break;
  }
  assert.equal(all.length, 138);
  assert.deepEqual(ids(await ana.client.ok('search', { query: 'bilby' })), [many[0].id]);
});

fx.test('ranking: more of the term in a shorter message first', async () => {
  const [ana] = await fx.users(1);
  const conv = await channel(ana, []);
  const weak = await send(ana, conv.id, 'kestrel one two three four five six seven eight');
  const strong = await send(ana, conv.id, 'kestrel kestrel');
  const mid = await send(ana, conv.id, 'kestrel and more kestrel words here');
  assert.deepEqual(ids(await ana.client.ok('search', { query: `kestrel in:#${conv.name}` })),
    [strong.id, mid.id, weak.id]);
});

fx.test('ids of conversations and authors are not words of the body', async () => {
  // Ids of at least two digits, so that they are searchable terms.
  let ana, conv;
  do ana = await fx.user(); while (ana.user.id < 10);
  do conv = await channel(ana, []); while (conv.id < 10);
  const m = await send(ana, conv.id, 'plain words only');
  for (const q of [String(conv.id), String(ana.user.id)]) {
    assert.ok(!ids(await ana.client.ok('search', { query: q })).includes(m.id), q);
  }
  assert.deepEqual(ids(await ana.client.ok('search', { query: `plain in:#${conv.name} from:@${ana.user.handle}` })), [m.id]);
});

fx.test('filters: in:, from:, before:, after:; paging', async () => {
  const [ana, ben] = await fx.users(2);
  const c1 = await channel(ana, [ben]);
  const c2 = await channel(ana, [ben]);
  const dm = (await ana.client.ok('dm.open', { user: ben.user.id })).conversation;
  const a = await send(ana, c1.id, 'quarterly pipeline review');
  const b = await send(ben, c2.id, 'quarterly pipeline numbers');
  const d = await send(ben, dm.id, 'quarterly pipeline in private');
  assert.deepEqual(ids(await ana.client.ok('search', { query: `quarterly in:#${c1.name}` })), [a.id]);
  assert.deepEqual(ids(await ana.client.ok('search', { query: `quarterly in:@${ben.user.handle}` })), [d.id]);
  assert.deepEqual(ids(await ana.client.ok('search', { query: `quarterly from:@${ben.user.handle}` })).sort(), [b.id, d.id].sort());
  assert.deepEqual(ids(await ana.client.ok('search', { query: 'quarterly before:2000-01-01' })), []);
  assert.equal(ids(await ana.client.ok('search', { query: 'quarterly after:2000-01-01' })).length, 3);
  const p1 = await ana.client.ok('search', { query: 'pipeline', limit: 2 });
  assert.equal(p1.results.length, 2);
  assert.equal(p1.more, true);
  const p2 = await ana.client.ok('search', { query: 'pipeline', limit: 2, offset: 2 });
  assert.equal(p2.results.length, 1);
  assert.equal(p2.more, false);
  assert.equal(new Set([...ids(p1), ...ids(p2)]).size, 3);
  assert.deepEqual(ids(await ana.client.ok('search', { query: 'quarterly in:#no-such-channel' })), []);
});

fx.test('bad queries answer bad_request; FTS syntax is just text', async () => {
  const u = await fx.user();
  const conv = await channel(u, []);
  const m = await send(u, conv.id, 'he said "NEAR(x" OR * and left');
  for (const q of ['"NEAR(x"', 'OR *', 'AND', '"', '*:-^', 'NEAR(']) {
    const r = await u.client.request('search', { query: q });
    assert.ok(r.result || r.error.code === 'bad_request', `${q}: ${JSON.stringify(r)}`);
  }
  assert.deepEqual(ids(await u.client.ok('search', { query: '"NEAR(x"' })), [m.id]);
  for (const q of ['a', 'before:2024-13-01', 'after:yesterday', 'in:nowhere', 'from:', 'has:pdf']) {
    expectError(await u.client.request('search', { query: q }), 'bad_request', q);
  }
  expectError(await u.client.request('search', { query: '' }), 'bad_request');
  expectError(await u.client.request('search', { query: 'x'.repeat(300) }), 'too_large');
  expectError(await u.client.request('search', { query: 'abc', limit: 51 }), 'bad_request');
});

fx.test('never a message the searcher cannot see', async () => {
  const [ana, ben, eve] = await fx.users(3);
  const priv = await channel(ana, [ben], { private: true });
  const dm = (await ana.client.ok('dm.open', { user: ben.user.id })).conversation;
  await send(ana, priv.id, 'confidential merger plan');
  await send(ana, dm.id, 'confidential salary talk');
  const pub = await channel(ana, []);
  const p = await send(ana, pub.id, 'confidential but public');
  assert.deepEqual(ids(await eve.client.ok('search', { query: 'confidential' })), [p.id]);
  assert.deepEqual(ids(await eve.client.ok('search', { query: `confidential in:#${priv.name}` })), []);
  assert.deepEqual(ids(await eve.client.ok('search', { query: `confidential in:@${ana.user.handle}` })), []);
  assert.deepEqual(ids(await eve.client.ok('search', { query: `from:@${ana.user.handle}` })), [p.id]);
  assert.equal(ids(await ben.client.ok('search', { query: 'confidential' })).length, 3);
  await ana.client.ok('conv.remove', { conv: priv.id, user: ben.user.id });
  assert.equal(ids(await ben.client.ok('search', { query: 'confidential' })).length, 2);
});

cleanExitTest(fx);

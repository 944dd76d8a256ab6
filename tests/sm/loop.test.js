// The loop across records: feedback turned into a content request, more
// feedback linked to it, the delivery telling everyone who filed, voted,
// requested or watched (and nobody else), verdicts; a buddy pair's starter
// drawn from the rep's real work; and the team dashboard's figures over all
// of it, under the test clock.

import { serverFixture, cleanExitTest, assert, patient } from '../integration/util.js';

const HOUR = 3600 * 1000;
// Wednesday 2030-01-09 10:00 UTC: the dashboard's week began on Monday.
const T0 = Date.UTC(2030, 0, 9, 10, 0, 0);
const fx = serverFixture({ args: ['--open-registration', '--test-clock', String(T0)] });


let people;
async function team() {
  if (people) return people;
  const admin = patient(await fx.user({ team: 'sales', prefix: 'adm' }));
  const rep1 = patient(await fx.user({ team: 'sales', prefix: 'rep' }));
  const rep2 = patient(await fx.user({ team: 'sales', prefix: 'rep' }));
  const rep3 = patient(await fx.user({ team: 'sales', prefix: 'rep' }));
  const mkt = patient(await fx.user({ team: 'marketing', prefix: 'mkt' }));
  const outsider = patient(await fx.user({ team: 'other', prefix: 'out' }));
  people = { admin, rep1, rep2, rep3, mkt, outsider };
  return people;
}

async function clock(u, at) {
  return (await u.client.ok('test.clock', { at })).time;
}

async function settle(...users) {
  for (const u of users) await u.client.ok('ping');
}

fx.test('delivery closes the loop: filers, voters, requester and watchers are told with the asset; nobody else', async () => {
  const { rep1, rep2, rep3, mkt, outsider } = await team();
  const f1 = (await rep1.client.ok('feedback.create', {
    kind: 'competitor', competitor: 'Acme', account: 'Globex', value: 40000,
    body: 'Acme keeps undercutting us on price in every bank deal.',
  })).feedback;
  await rep2.client.ok('feedback.vote', { feedback: f1.id, weight: 'deal_blocker', account: 'Initech', value: 25000 });
  const f2 = (await rep3.client.ok('feedback.create', {
    kind: 'objection', account: 'Umbrella', body: 'They asked how we compare with Acme on support.',
  })).feedback;

  // One step from feedback to a request, pre-filled and linked both ways.
  const r = (await mkt.client.ok('feedback.to_request', { feedback: f1.id })).request;
  assert.equal(r.requester, mkt.user.id);
  assert.equal(r.account, 'Globex');
  assert.equal(r.value, 40000);
  assert.ok(r.body.includes('undercutting'), r.body);
  assert.deepEqual(r.feedback, [f1.id]);
  assert.deepEqual((await rep1.client.ok('feedback.get', { feedback: f1.id })).feedback.requests, [r.id]);
  // Linked both ways, and the inbox hears of it: a line in the feedback's
  // conversation and feedback.update (change "link") to everyone.
  const linked = await outsider.client.waitEvent((e) => e.event === 'feedback.update' && e.data.change === 'link' && e.data.feedback.id === f1.id);
  assert.deepEqual(linked.data.feedback.requests, [r.id]);
  const fhist = await rep1.client.ok('msg.history', { conv: f1.conv });
  assert.ok(fhist.messages.some((m) => m.system && m.body.includes(`request #${r.id}`)), JSON.stringify(fhist.messages));
  await mkt.client.ok('request.link', { request: r.id, feedback: f2.id });
  assert.deepEqual((await mkt.client.ok('request.get', { request: r.id })).request.feedback.sort((a, b) => a - b), [f1.id, f2.id].sort((a, b) => a - b));

  await mkt.client.ok('request.move', { request: r.id, status: 'accepted' });
  await mkt.client.ok('request.move', { request: r.id, status: 'in_progress' });
  const marks = Object.fromEntries(Object.entries({ rep1, rep2, rep3, mkt, outsider }).map(([k, u]) => [k, u.client.events.length]));
  const url = 'https://cdn.example.com/battle-card-acme.pdf';
  await mkt.client.ok('request.deliver', { request: r.id, url, note: 'v1, pricing section first' });
  await settle(rep1, rep2, rep3, mkt, outsider);
  for (const name of ['rep1', 'rep2', 'rep3', 'mkt']) {
    const u = { rep1, rep2, rep3, mkt }[name];
    const got = u.client.events.slice(marks[name]).filter((e) => e.event === 'request.delivered');
    assert.equal(got.length, 1, `${name} is told once`);
    assert.equal(got[0].data.asset.url, url);
    assert.equal(got[0].data.request.id, r.id);
  }
  assert.equal(outsider.client.events.slice(marks.outsider).filter((e) => e.event === 'request.delivered').length, 0);

  // Did it help? The reps who used it say so; the asset shows it.
  await rep2.client.ok('request.verdict', { request: r.id, verdict: 'helped', deal: 'Initech renewal', note: 'closed it' });
  const got = (await rep1.client.ok('request.get', { request: r.id })).request;
  assert.equal(got.status, 'delivered');
  assert.equal(got.asset.url, url);
  assert.equal(got.verdict_counts.helped, 1);
  assert.equal(got.verdicts[0].deal, 'Initech renewal');
});

fx.test('a pair starter draws on the rep\'s open requests and recent feedback', async () => {
  const { admin, mkt } = await team();
  const rep = patient(await fx.user({ team: 'sales', prefix: 'rep' }));
  const m2 = patient(await fx.user({ team: 'marketing', prefix: 'mkt' }));
  await rep.client.ok('request.create', { kind: 'case_study', title: 'Case study for a German bank', body: 'For the Q1 push.' });
  await rep.client.ok('feedback.create', { kind: 'pain_point', title: 'Onboarding takes too long', body: 'Two weeks to get started.' });
  const pair = (await admin.client.ok('pair.create', { rep: rep.user.id, marketer: m2.user.id })).pair;
  const hist = await rep.client.ok('msg.history', { conv: pair.conv });
  const starter = hist.messages.find((m) => m.system);
  assert.ok(starter, 'the pair conversation opens with a starter');
  assert.ok(starter.body.includes('Case study for a German bank'), starter.body);
  assert.ok(starter.body.includes('Onboarding takes too long'), starter.body);
  void mkt;
});

fx.test('the dashboard adds up requests, SLA breaches, medians, verdicts, feedback and pairs', async () => {
  // A server of its own, so that only this test's records count.
  const srv = await fx.start({ args: ['--open-registration', '--test-clock', String(T0)] });
  const admin = patient(await fx.user({ team: 'sales' }, srv));
  const rep = patient(await fx.user({ team: 'sales' }, srv));
  const rep2 = patient(await fx.user({ team: 'sales' }, srv));
  const mkt = patient(await fx.user({ team: 'marketing' }, srv));
  const t0 = (await rep.client.ok('ping')).time;

  const r1 = (await rep.client.ok('request.create', { kind: 'deck', title: 'Deck for Globex', body: 'Board meeting.', priority: 'normal', value: 50000 })).request;
  const r2 = (await rep.client.ok('request.create', { kind: 'one_pager', title: 'One-pager in German', body: 'For Hamburg.', priority: 'urgent', value: 1000 })).request;
  await clock(rep, t0 + HOUR);
  await mkt.client.ok('request.move', { request: r1.id, status: 'accepted' });
  // r2 (urgent: first response within an hour) breached at t0 + 1 h.
  await clock(rep, t0 + 2 * HOUR);
  await mkt.client.ok('request.move', { request: r1.id, status: 'in_progress' });
  await clock(rep, t0 + 3 * HOUR);
  await mkt.client.ok('request.deliver', { request: r1.id, url: 'https://example.com/deck.pdf' });
  await rep.client.ok('request.verdict', { request: r1.id, verdict: 'helped' });

  const c1 = (await rep.client.ok('feedback.create', { kind: 'competitor', competitor: 'Acme', body: 'Acme is cheaper.', value: 10000 })).feedback;
  await rep.client.ok('feedback.create', { kind: 'competitor', competitor: 'Acme', body: 'Acme demoed first.' });
  await rep.client.ok('feedback.create', { kind: 'objection', body: 'Too expensive for year one.', value: 90000 });
  await rep2.client.ok('feedback.vote', { feedback: c1.id, weight: 'important' });

  const pair = (await admin.client.ok('pair.create', { rep: rep.user.id, marketer: mkt.user.id })).pair;
  await rep.client.ok('msg.send', { conv: pair.conv, body: 'coffee on Friday?', nonce: 'dash-1' });

  const d = (await admin.client.ok('dashboard')).dashboard;
  assert.equal(d.requests.by_status.new, 1);
  assert.equal(d.requests.by_status.delivered, 1);
  assert.equal(d.requests.open, 1);
  assert.equal(d.requests.sla_breaches_this_week.first_response, 1);
  assert.equal(d.requests.sla_breaches_this_week.delivery, 0);
  assert.equal(d.requests.first_responses_30d, 1);
  assert.ok(Math.abs(d.requests.median_first_response_ms - HOUR) < 10000, String(d.requests.median_first_response_ms));
  assert.equal(d.requests.delivered_30d, 1);
  assert.ok(Math.abs(d.requests.median_delivery_ms - 3 * HOUR) < 10000, String(d.requests.median_delivery_ms));
  assert.deepEqual(d.requests.verdicts_30d, { helped: 1, fell_flat: 0, outdated: 0 });
  assert.equal(d.feedback.by_kind_30d.competitor, 2);
  assert.equal(d.feedback.by_kind_30d.objection, 1);
  assert.equal(d.feedback.daily_by_kind.competitor.length, 30);
  assert.equal(d.feedback.daily_by_kind.competitor[29], 2);
  assert.equal(d.feedback.top_by_votes[0].id, c1.id);
  assert.equal(d.feedback.top_by_votes[0].votes, 1);
  assert.equal(d.feedback.top_by_value[0].value_total, 90000);
  assert.deepEqual(d.pairs, { active: 1, talking_7d: 1, silent_7d: 0, messages_7d: 1 });
  assert.ok(d.week_start <= d.time && d.time - d.week_start < 7 * 24 * HOUR);
  void r2;
  srv.stoppedAndChecked = true;
  const { code } = await srv.stop();
  assert.equal(code, 0, srv.stderr().slice(-3000));
});

cleanExitTest(fx);

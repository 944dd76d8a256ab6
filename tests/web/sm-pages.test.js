// Browser test of the sales-and-marketing pages against the real tandemd:
// the request list's filters and sorts, the new-request form's templates,
// the feedback inbox's filters and sorts, the buddy page (an admin pairs
// two people, the rep sees the buddy and the starter), the glossary
// (create, edit, history, acknowledgements, live on both sides) and the
// dashboard (each chart's numbers equal the server's figures).
//
// Run: cd tests && node --test web/sm-pages.test.js

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, resume, registerUser } from '../lib/server.js';
import {
  WAIT, T0, MIN, launch, newPage, register, shot, goPage, assertNoXss,
} from './sm-util.js';

const DAY = 1440 * MIN;

// The ids of the rows of the request list, in order.
async function rowIds(page, sel) {
  return page.locator(sel).evaluateAll((els) => els.map((e) => Number(e.dataset.id)));
}

// Wait until the rows are exactly `want` (the page refetches on change).
async function expectRows(page, sel, want) {
  const deadline = Date.now() + 15000;
  let got;
  for (;;) {
    got = await rowIds(page, sel);
    if (JSON.stringify(got) === JSON.stringify(want)) return;
    if (Date.now() > deadline) break;
    await page.waitForTimeout(100);
  }
  assert.deepEqual(got, want, `rows of ${sel}`);
}

test('web: request and feedback lists, templates, buddy, glossary, dashboard', { timeout: 150000 }, async (t) => {
  const srv = await startServer({ args: ['--open-registration', '--test-clock', String(T0)] });
  let browser = null;
  const apis = [];
  t.after(async () => {
    for (const a of apis) await a.client.close().catch(() => {});
    if (browser) await browser.close().catch(() => {});
    await srv.stop();
  });
  browser = await launch();
  const problems = [];
  const mark = await newPage(browser, 'mark', problems);
  const rita = await newPage(browser, 'rita', problems);
  const markToken = await register(mark, srv.url, { handle: 'mark', name: 'Mark Lee', team: 'marketing' });
  const ritaToken = await register(rita, srv.url, { handle: 'rita', name: 'Rita Gomez', team: 'sales' });
  const markApi = await resume(srv, markToken);
  const ritaApi = await resume(srv, ritaToken);
  const samApi = await registerUser(srv, { handle: 'sam', displayName: 'Sam Ode', team: 'sales' });
  apis.push(markApi, ritaApi, samApi);
  const M = markApi.client;
  const R = ritaApi.client;
  const S = samApi.client;

  // --- request list: defaults, sorts, filters ----------------------------------
  const r1 = (await R.ok('request.create', { kind: 'case_study', title: 'Bank case study', body: 'x', account: 'Acme Bank', value: 1000, priority: 'low' })).request;
  const r2 = (await R.ok('request.create', { kind: 'battle_card', title: 'Globex battle card', body: 'x', account: 'Globex Inc', value: 50000 })).request;
  const r3 = (await S.ok('request.create', { kind: 'one_pager', title: 'German one-pager', body: 'x', value: 20000, due: T0 + 2 * DAY })).request;
  await goPage(mark, 'requests');
  await goPage(rita, 'requests');
  assert.equal(await mark.locator('#rq-scope').inputValue(), 'all', 'marketers start on the queue');
  assert.equal(await rita.locator('#rq-scope').inputValue(), 'mine', 'reps start on their own requests');
  await expectRows(rita, '.sm-rcard', [r2.id, r1.id]); // hers only, the queue's order
  await mark.locator('button[data-view=list]').click();
  const rows = '#requests-table tbody tr';
  await expectRows(mark, rows, [r2.id, r3.id, r1.id]); // queue: value, highest first
  await mark.locator('#rq-f-sort').selectOption('newest');
  await expectRows(mark, rows, [r3.id, r2.id, r1.id]);
  await mark.locator('#requests-table button[data-sort=due]').click(); // the column head sorts
  await expectRows(mark, rows, [r3.id, r1.id, r2.id]);
  assert.equal(await mark.locator('#rq-f-sort').inputValue(), 'due');
  await mark.locator('#rq-f-kind').selectOption('battle_card');
  await expectRows(mark, rows, [r2.id]);
  await mark.locator('#rq-f-kind').selectOption('');
  await mark.locator('#rq-f-account').fill('acme bank');
  await mark.locator('#rq-f-account').press('Enter');
  await expectRows(mark, rows, [r1.id]);
  await mark.locator('#rq-f-account').fill('');
  await mark.locator('#rq-f-account').press('Enter');
  await mark.locator('#rq-scope').selectOption('assigned');
  await expectRows(mark, rows, []);
  await M.ok('request.assign', { request: r1.id, assignee: markApi.reply.result.user.id });
  await expectRows(mark, rows, [r1.id]); // live: the assignment arrives as an event
  await mark.locator('#rq-scope').selectOption('all');
  await M.ok('request.move', { request: r1.id, status: 'accepted' });
  await mark.locator('#rq-f-status').selectOption('new');
  await expectRows(mark, rows, [r3.id, r2.id]); // still sorted by due date
  await shot(mark, 'sm-10-request-list');
  // Mark declines one, with the reason the form asks for.
  await mark.locator('#requests-table a', { hasText: 'Globex battle card' }).click();
  const mPanel = mark.locator('#request-panel');
  await mPanel.locator('button[data-to=declined]').click();
  await mPanel.locator('#rq-decline-reason').fill('We have one already: see the wiki.');
  await mPanel.locator('.sm-inline-form button[type=submit]').click();
  await mPanel.locator('#request-status', { hasText: 'Declined' }).waitFor(WAIT);
  await mPanel.locator('.sm-reason', { hasText: 'We have one already' }).waitFor(WAIT);
  assert.equal(await mPanel.locator('.sm-moves button').count(), 0, 'declined is final');

  // --- the new-request form's templates -------------------------------------------
  const { templates } = await R.ok('request.templates');
  const tpl = Object.fromEntries(templates.map((x) => [x.kind, x]));
  await rita.locator('#new-request').click();
  await rita.locator('#rq-body').waitFor(WAIT);
  await rita.waitForFunction((body) => document.getElementById('rq-body').value === body, tpl.case_study.body);
  assert.equal(await rita.locator('#rq-title').inputValue(), tpl.case_study.title);
  await rita.locator('#rq-kind').selectOption('battle_card');
  assert.equal(await rita.locator('#rq-body').inputValue(), tpl.battle_card.body);
  await rita.locator('#rq-title').fill('Battle card: Globex in banking');
  await rita.locator('#rq-body').fill('Their new pricing page, point by point.');
  await rita.locator('#rq-kind').selectOption('deck');
  assert.equal(await rita.locator('#rq-body').inputValue(), 'Their new pricing page, point by point.', 'own words kept');
  await rita.locator('#rq-kind').selectOption('battle_card');
  await rita.locator('#rq-priority').selectOption('urgent');
  await rita.locator('#rq-account').fill('Initech');
  await shot(rita, 'sm-11-request-form');
  await rita.locator('#request-form button[type=submit]').click();
  const panel = rita.locator('#request-panel');
  await panel.locator('.sm-panel-title', { hasText: 'Battle card: Globex in banking' }).waitFor(WAIT);
  assert.match(await panel.locator('.sm-facts').textContent(), /Urgent/);
  // The requester may withdraw it; marketers' moves are not offered to her.
  assert.deepEqual(await panel.locator('.sm-moves button').evaluateAll((els) => els.map((e) => e.dataset.to)), ['closed']);
  // She lowers its priority: the first-response clock takes low's target (48 h).
  await panel.locator('#request-edit summary').click();
  await panel.locator('#rq-edit-priority').selectOption('low');
  await panel.locator('#request-edit').getByRole('button', { name: 'Save' }).click();
  await panel.locator('.sm-fact', { hasText: 'Priority' }).locator('.sm-fact-v', { hasText: 'Low' }).waitFor(WAIT);
  assert.match(await panel.locator('[data-clock=first_response]').textContent(), /due in 2 d/);
  await rita.locator('#message-log').waitFor(WAIT);

  // --- feedback inbox: sorts and filters ------------------------------------------------
  const f1 = (await R.ok('feedback.create', { kind: 'pain_point', body: 'Setup takes a week.', account: 'Acme', value: 1000 })).feedback;
  const f2 = (await S.ok('feedback.create', { kind: 'competitor', body: 'Globex is cheaper.', competitor: 'Globex', value: 90000 })).feedback;
  const f3 = (await R.ok('feedback.create', { kind: 'objection', body: 'No SSO, no deal.', account: 'Initech', value: 5000 })).feedback;
  await S.ok('feedback.vote', { feedback: f3.id, weight: 'important', account: 'Umbrella' });
  await M.ok('feedback.vote', { feedback: f3.id, weight: 'deal_blocker' });
  await M.ok('feedback.vote', { feedback: f1.id, weight: 'nice_to_have' });
  await goPage(mark, 'feedback');
  const inbox = '#feedback-inbox .sm-fb';
  await expectRows(mark, inbox, [f3.id, f1.id, f2.id]); // most votes
  await mark.locator('#fb-f-sort').selectOption('value');
  await expectRows(mark, inbox, [f2.id, f3.id, f1.id]);
  await mark.locator('#fb-f-sort').selectOption('newest');
  await expectRows(mark, inbox, [f3.id, f2.id, f1.id]);
  await mark.locator('#fb-f-kind').selectOption('competitor');
  await expectRows(mark, inbox, [f2.id]);
  await mark.locator('#fb-f-kind').selectOption('');
  await mark.locator('#fb-f-competitor').fill('GLOBEX');
  await mark.locator('#fb-f-competitor').press('Enter');
  await expectRows(mark, inbox, [f2.id]);
  await mark.locator('#fb-f-competitor').fill('');
  await mark.locator('#fb-f-competitor').press('Enter');
  await mark.locator('#fb-f-account').fill('umbrella'); // a voter's account
  await mark.locator('#fb-f-account').press('Enter');
  await expectRows(mark, inbox, [f3.id]);
  await mark.locator('#fb-f-account').fill('');
  await mark.locator('#fb-f-account').press('Enter');
  await M.ok('feedback.status', { feedback: f1.id, status: 'planned' });
  await mark.locator('#fb-f-status').selectOption('planned');
  await expectRows(mark, inbox, [f1.id]);
  await mark.locator('#fb-f-status').selectOption('');
  // Three days later: a new item; "filed after" the day before shows only it.
  await M.ok('test.clock', { at: T0 + 3 * DAY });
  const f4 = (await S.ok('feedback.create', { kind: 'content_idea', body: 'A video of the setup.' })).feedback;
  await expectRows(mark, inbox, [f4.id, f3.id, f2.id, f1.id]); // arrived live
  await mark.locator('#fb-f-after').fill(new Date(T0 + 2 * DAY).toISOString().slice(0, 10));
  await expectRows(mark, inbox, [f4.id]);
  await mark.locator('#fb-f-after').fill('');
  await mark.locator('#fb-f-before').fill(new Date(T0 + DAY).toISOString().slice(0, 10));
  await expectRows(mark, inbox, [f3.id, f2.id, f1.id]);
  await mark.locator('#fb-f-before').fill('');
  await shot(mark, 'sm-12-inbox');

  // --- buddy: the admin pairs Rita with Mark; Rita sees her buddy and the starter ----------
  await goPage(rita, 'buddy');
  await rita.locator('#my-buddy', { hasText: 'not in a buddy pair' }).waitFor(WAIT);
  assert.equal(await rita.locator('#pair-admin').count(), 0, 'only admins see the pairs');
  await goPage(mark, 'buddy');
  await mark.locator('#pair-rep').selectOption({ label: 'Rita Gomez' });
  await mark.locator('#pair-marketer').selectOption({ label: 'Mark Lee' });
  await mark.locator('#pair-admin button[type=submit]').click();
  await mark.locator('#pair-list .sm-pair-row', { hasText: 'Rita Gomez + Mark Lee' }).waitFor(WAIT);
  await mark.locator('#pair-health tbody tr', { hasText: 'Rita Gomez + Mark Lee' }).waitFor(WAIT);
  await rita.locator('#my-buddy .sm-buddy-name', { hasText: 'Mark Lee' }).waitFor(WAIT);
  const starter = await rita.locator('#buddy-starter').textContent();
  assert.match(starter, /Battle card: Globex in banking|Bank case study/, 'the starter draws on Rita\'s open requests');
  await shot(rita, 'sm-13-buddy');
  await rita.locator('#open-buddy-conv').click();
  await rita.locator('#pane-title', { hasText: 'Mark Lee' }).waitFor(WAIT);
  await rita.locator('#message-log', { hasText: starter.slice(0, 30) }).waitFor(WAIT);
  await mark.locator('#round-run').click();
  await mark.locator('#round-list li', { hasText: 'Round 1' }).waitFor(WAIT);
  await shot(mark, 'sm-14-buddy-admin');

  // --- glossary: create, live, acks, edit, history -------------------------------------------
  await goPage(rita, 'glossary');
  await goPage(mark, 'glossary');
  await rita.locator('#glossary-new summary').click();
  await rita.locator('#gl-name').fill('MQL');
  await rita.locator('#gl-def').fill('Downloaded a whitepaper.');
  await rita.locator('#glossary-form button[type=submit]').click();
  const markTerm = mark.locator('.sm-term', { hasText: 'MQL' });
  const ritaTerm = rita.locator('.sm-term', { hasText: 'MQL' });
  await markTerm.locator('.sm-term-def', { hasText: 'Downloaded a whitepaper.' }).waitFor(WAIT);
  await markTerm.locator('.sm-status', { hasText: 'Pending · v1' }).waitFor(WAIT);
  // Only admins choose approvers; Mark is one.
  assert.equal(await rita.locator('#glossary-approvers').count(), 0);
  assert.equal(await ritaTerm.getByRole('button', { name: 'Acknowledge v1' }).count(), 0, 'not an approver yet');
  await mark.locator('#glossary-approvers summary').click();
  await mark.getByLabel('Rita Gomez (Sales)').check();
  await mark.getByLabel('Mark Lee (Marketing)').check();
  await ritaTerm.getByRole('button', { name: 'Acknowledge v1' }).waitFor(WAIT); // live, by user.update
  await ritaTerm.getByRole('button', { name: 'Acknowledge v1' }).click();
  await markTerm.locator('.sm-acks', { hasText: 'Sales: Rita Gomez' }).waitFor(WAIT);
  await markTerm.getByRole('button', { name: 'Acknowledge v1' }).click();
  await ritaTerm.locator('.sm-status', { hasText: 'Agreed · v1' }).waitFor(WAIT);
  await markTerm.getByRole('button', { name: 'Edit' }).click();
  await markTerm.locator('textarea').fill('Scored 50 or more.');
  await markTerm.getByRole('button', { name: 'Save version' }).click();
  await ritaTerm.locator('.sm-status', { hasText: 'Pending · v2' }).waitFor(WAIT);
  await ritaTerm.locator('.sm-term-def', { hasText: 'Scored 50 or more.' }).waitFor(WAIT);
  await ritaTerm.locator('.sm-agreed', { hasText: 'Downloaded a whitepaper.' }).waitFor(WAIT);
  await ritaTerm.getByRole('button', { name: 'History' }).click();
  await ritaTerm.locator('.sm-history li').nth(1).waitFor(WAIT);
  assert.deepEqual(await ritaTerm.locator('.sm-history li').evaluateAll((els) => els.map((e) => e.dataset.version)), ['2', '1']);
  assert.match(await ritaTerm.locator('.sm-history li[data-version="1"]').textContent(), /agreed/);
  await shot(rita, 'sm-15-glossary');

  // --- dashboard: every chart's numbers are the server's ----------------------------------------
  await goPage(mark, 'dashboard');
  await mark.locator('#chart-status').waitFor(WAIT);
  const { dashboard: d } = await M.ok('dashboard');
  const table = async (id) => mark.locator(`#${id} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  const status = Object.fromEntries((await table('chart-status')).map(([k, v]) => [k, Number(v)]));
  assert.deepEqual(status, {
    New: d.requests.by_status.new, Accepted: d.requests.by_status.accepted, 'In progress': d.requests.by_status.in_progress,
    'Waiting on requester': d.requests.by_status.waiting_on_requester, 'In review': d.requests.by_status.in_review,
    Delivered: d.requests.by_status.delivered, Closed: d.requests.by_status.closed, Declined: d.requests.by_status.declined,
    Reopened: d.requests.by_status.reopened,
  });
  assert.equal(status.New, 2);
  assert.equal(status.Accepted, 1);
  assert.equal(status.Declined, 1);
  // The bars say their values as text.
  assert.equal(await mark.locator('#chart-status .chart-value[data-label="New"]').textContent(), '2');
  const kinds = Object.fromEntries((await table('chart-kinds')).map(([k, v]) => [k, Number(v)]));
  assert.deepEqual(kinds, { 'Pain point': 1, Objection: 1, 'Lost reason': 0, 'Product fit': 0, Competitor: 1, Testimonial: 0, 'Content idea': 1, 'Missing content': 0 });
  const daily = await table('chart-daily');
  assert.equal(daily.length, 30);
  assert.equal(daily.reduce((s, r) => s + Number(r[r.length - 1]), 0), 4, 'four items over the 30 days');
  const spikes = await table('chart-spikes');
  assert.deepEqual(spikes.map((r) => r[0]), d.feedback.spikes.map((s) => (s.dimension === 'kind' ? { objection: 'Objection', pain_point: 'Pain point', competitor: 'Competitor', content_idea: 'Content idea' }[s.key] : `vs ${s.key}`)));
  assert.ok(spikes.some((r) => r[0] === 'Objection' && r[1] === '3 (×3)'), 'objection: filed once, two votes');
  assert.equal(await mark.locator('[data-tile=open] .sm-tile-v').textContent(), String(d.requests.open));
  assert.equal(await mark.locator('[data-tile=pairs] .sm-tile-v').textContent(), String(d.pairs.active));
  assert.deepEqual(await mark.locator('#top-votes li a').allTextContents(), d.feedback.top_by_votes.map((f) => f.title));
  for (const id of ['chart-times', 'chart-verdicts', 'chart-cumulative']) await mark.locator(`#${id} svg`).waitFor(WAIT);
  await shot(mark, 'sm-16-dashboard');
  await mark.emulateMedia({ colorScheme: 'dark' });
  await shot(mark, 'sm-17-dashboard-dark');

  // --- phone width: the pages stay usable -------------------------------------------------------
  await rita.setViewportSize({ width: 390, height: 800 });
  await rita.goto(`${srv.url}#/requests`);
  await rita.locator('#requests-page .sm-rcard').first().waitFor(WAIT);
  const overflow = await rita.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling of the page (${overflow}px)`);
  await shot(rita, 'sm-18-phone-requests');
  for (const name of ['feedback', 'glossary', 'dashboard']) {
    await rita.goto(`${srv.url}#/${name}`);
    await rita.locator(`#${name}-page .sm-scroll`).waitFor(WAIT);
    await rita.waitForTimeout(300);
    const wide = await rita.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wide <= 0, `${name}: no sideways scrolling (${wide}px)`);
    await shot(rita, `sm-18-phone-${name}`);
  }
  await rita.goto(`${srv.url}#/requests`);
  // A request's panel covers its conversation; it folds away and back.
  await rita.locator('#requests-page .sm-rcard', { hasText: 'Battle card: Globex in banking' }).click();
  const phonePanel = rita.locator('#request-panel');
  await phonePanel.locator('.sm-panel-title').waitFor(WAIT);
  const onTop = () => rita.locator('#composer-input').evaluate((el) => {
    const r = el.getBoundingClientRect();
    return el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
  });
  assert.equal(await onTop(), false, 'the panel covers the conversation');
  await shot(rita, 'sm-19-phone-panel');
  await phonePanel.getByRole('button', { name: 'Show conversation' }).click();
  assert.equal(await onTop(), true, 'the conversation is reachable');
  assert.equal(await phonePanel.locator('.sm-panel-title').isVisible(), false);
  await shot(rita, 'sm-20-phone-conversation');
  await phonePanel.getByRole('button', { name: 'Details' }).click();
  await phonePanel.locator('.sm-panel-title').waitFor({ state: 'visible', ...WAIT });

  for (const [page, who] of [[mark, 'mark'], [rita, 'rita']]) await assertNoXss(page, who);
  assert.deepEqual(problems, [], 'no console errors, page errors or CSP violations');
  // A clean stop: a sanitizer report would make the exit status non-zero.
  for (const a of apis.splice(0)) await a.client.close();
  assert.deepEqual(await srv.stop(), { code: 0, signal: null }, `tandemd exit: ${srv.stderr()}`);
});

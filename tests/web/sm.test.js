// Browser test of the sales-and-marketing screens against the real tandemd:
// the loop from a rep's feedback to delivered content, seen live by both
// sides, the SLA colours as the server's clock moves, and an XSS corpus in
// every field a person can fill.
//
// Mark (a marketer, registered first: the admin), Rita (a sales rep) and
// Sam (Rita's colleague) each use their own browser context. Rita files a
// feedback item; Mark sees it arrive in his inbox; Sam says "me too"; Mark
// turns it into a content request, accepts it, assigns himself, starts
// work and delivers it with a link; Rita sees it delivered on her board
// and records a verdict; both see the verdict. Console errors, page errors
// and CSP violations fail the test.
//
// Run: cd tests && node --test web/sm.test.js

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, resume, registerUser } from '../lib/server.js';
import {
  WAIT, T0, MIN, XSS, launch, newPage, register, shot, goPage, assertNoXss,
} from './sm-util.js';

test('web: feedback to delivered request, live on both sides; SLA colours; no XSS', { timeout: 150000 }, async (t) => {
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
  const sam = await newPage(browser, 'sam', problems);
  const markToken = await register(mark, srv.url, { handle: 'mark', name: 'Mark Lee', team: 'marketing' });
  const ritaToken = await register(rita, srv.url, { handle: 'rita', name: 'Rita Gomez', team: 'sales' });
  await register(sam, srv.url, { handle: 'sam', name: 'Sam Ode', team: 'sales' });
  const markApi = await resume(srv, markToken);
  const ritaApi = await resume(srv, ritaToken);
  apis.push(markApi, ritaApi);

  // --- Rita files feedback; Mark sees it arrive live -------------------------
  await goPage(mark, 'feedback');
  await goPage(rita, 'feedback');
  await rita.locator('#new-feedback').click();
  await rita.locator('#fb-kind').selectOption('objection');
  await rita.locator('#fb-body').fill('Too expensive for a team of five.\nThey compared us with Globex.');
  await rita.locator('#fb-account').fill('Acme Corp');
  await rita.locator('#fb-competitor').fill('Globex');
  await rita.locator('#fb-value').fill('48000');
  await rita.locator('#feedback-form button[type=submit]').click();
  const markRow = mark.locator('.sm-fb', { hasText: 'Too expensive for a team of five.' });
  await markRow.waitFor(WAIT);
  assert.ok(await markRow.evaluate((el) => el.classList.contains('is-fresh')), 'marked as new for Mark');
  assert.match(await markRow.textContent(), /Objection/);
  assert.match(await markRow.textContent(), /vs Globex/);
  await shot(mark, 'sm-01-inbox-live');

  // --- Sam says "me too" with his account and a weight --------------------------
  await goPage(sam, 'feedback');
  const samRow = sam.locator('.sm-fb', { hasText: 'Too expensive' });
  await samRow.locator('button[data-metoo]').click();
  await samRow.locator('.sm-vote input').fill('First Savings');
  await samRow.locator('button[data-weight=deal_blocker]').click();
  await samRow.locator('.sm-voted').waitFor(WAIT);
  await markRow.locator('.sm-fb-count', { hasText: '1' }).waitFor(WAIT);
  // Rita cannot vote on her own item.
  assert.equal(await rita.locator('.sm-fb', { hasText: 'Too expensive' }).locator('button[data-metoo]').count(), 0);

  // --- Mark opens it: the conversation with its panel; turns it into a request -----
  await markRow.locator('.sm-fb-title').click();
  const fbPanel = mark.locator('#feedback-panel');
  await fbPanel.locator('.sm-panel-title', { hasText: 'Too expensive' }).waitFor(WAIT);
  await mark.locator('#pane-title', { hasText: 'Too expensive' }).waitFor(WAIT);
  await fbPanel.locator('#feedback-votes', { hasText: 'Sam Ode' }).waitFor(WAIT);
  assert.match(await fbPanel.locator('#feedback-votes').textContent(), /Deal blocker · First Savings/);
  assert.match(await fbPanel.locator('.sm-facts').textContent(), /Acme Corp, First Savings/);
  await fbPanel.locator('button[data-to=acknowledged]').click();
  await fbPanel.locator('#feedback-status', { hasText: 'Acknowledged' }).waitFor(WAIT);
  // The status line in her item's conversation: the Feedback page's badge.
  await rita.locator('.sb-pages a[href="#/feedback"] .badge', { hasText: '1' }).waitFor(WAIT);
  await shot(mark, 'sm-02-feedback-panel');
  await fbPanel.locator('#feedback-to-request').click();
  const rqPanel = mark.locator('#request-panel');
  await rqPanel.locator('#request-status', { hasText: 'New' }).waitFor(WAIT);
  assert.match(await rqPanel.locator('.sm-kind').textContent(), /Battle card/);
  assert.match(await rqPanel.locator('.sm-facts').textContent(), /Acme Corp/);
  const reqId = Number((await rqPanel.locator('.sm-kind').textContent()).match(/#(\d+)/)[1]);

  // --- Rita sees the request on her board (everyone's requests) ------------------
  await goPage(rita, 'requests');
  await rita.locator('#rq-scope').selectOption('all');
  const ritaCard = rita.locator(`.sm-rcard[data-id="${reqId}"]`);
  await ritaCard.waitFor(WAIT);
  assert.equal(await ritaCard.evaluate((el) => el.closest('.sm-col').dataset.status), 'new');

  // --- Mark: accept, assign himself, start work -----------------------------------
  await rqPanel.locator('button[data-to=accepted]').click();
  await rqPanel.locator('#request-status', { hasText: 'Accepted' }).waitFor(WAIT);
  await rita.locator('.sm-col[data-status=accepted]').locator(`.sm-rcard[data-id="${reqId}"]`).waitFor(WAIT);
  await rqPanel.getByRole('button', { name: 'Assign to me' }).click();
  await rqPanel.locator('#request-assignee', { hasText: 'Mark Lee' }).waitFor(WAIT);
  await ritaCard.locator('.sm-assignee', { hasText: 'Mark Lee' }).waitFor(WAIT);
  await rqPanel.locator('button[data-to=in_progress]').click();
  await rqPanel.locator('#request-status', { hasText: 'In progress' }).waitFor(WAIT);
  await rita.locator('.sm-col[data-status=in_progress]').locator(`.sm-rcard[data-id="${reqId}"]`).waitFor(WAIT);
  // Rita (not a marketer, not the requester) has no moves of her own here.

  // A javascript: URL is refused with the server's message; nothing is delivered.
  await rqPanel.locator('#rq-deliver-url').fill('javascript:window.__xss=1');
  await rqPanel.locator('#rq-deliver-url').evaluate((el) => { el.type = 'text'; });
  await rqPanel.locator('#deliver-form button[type=submit]').click();
  await rqPanel.locator('.form-error').waitFor(WAIT);
  assert.equal(await rqPanel.locator('#request-asset').count(), 0);

  // --- Mark delivers; Rita sees it live and records a verdict -----------------------
  await rqPanel.locator('#rq-deliver-url').fill('https://example.com/battle-card-globex.pdf');
  await rqPanel.locator('#rq-deliver-note').fill('Page 2 answers the price objection.');
  // A live change redraws the panel; what Mark typed stays.
  await markApi.client.ok('request.update', { request: reqId, deal: 'Acme renewal' });
  await rqPanel.locator('.sm-facts', { hasText: 'Acme renewal' }).waitFor(WAIT);
  assert.equal(await rqPanel.locator('#rq-deliver-url').inputValue(), 'https://example.com/battle-card-globex.pdf');
  await rqPanel.locator('#deliver-form button[type=submit]').click();
  await rqPanel.locator('#request-status', { hasText: 'Delivered' }).waitFor(WAIT);
  await rita.locator('.sm-col[data-status=delivered]').locator(`.sm-rcard[data-id="${reqId}"]`).waitFor(WAIT);
  await shot(rita, 'sm-03-board-delivered');
  await ritaCard.click();
  const ritaPanel = rita.locator('#request-panel');
  const asset = ritaPanel.locator('#request-asset a');
  await asset.waitFor(WAIT);
  assert.equal(await asset.getAttribute('href'), 'https://example.com/battle-card-globex.pdf');
  assert.equal(await asset.getAttribute('rel'), 'noopener noreferrer');
  assert.match(await ritaPanel.locator('#request-asset').textContent(), /Page 2 answers/);
  // Rita watches it: she joins its conversation and hears what follows.
  await ritaPanel.locator('#request-watch', { hasText: 'Watch' }).click();
  await ritaPanel.locator('#request-watchers', { hasText: 'Rita Gomez' }).waitFor(WAIT);
  await ritaPanel.locator('#request-watch', { hasText: 'Stop watching' }).waitFor(WAIT);
  await rqPanel.locator('#request-watchers', { hasText: 'Rita Gomez' }).waitFor(WAIT);
  await ritaPanel.locator('#rq-verdict-deal').fill('Acme renewal');
  await ritaPanel.locator('button[data-verdict=helped]').click();
  await ritaPanel.locator('.sm-vcount[data-verdict=helped]', { hasText: 'Helped: 1' }).waitFor(WAIT);
  await rqPanel.locator('.sm-vcount[data-verdict=helped]', { hasText: 'Helped: 1' }).waitFor(WAIT);
  await rqPanel.locator('.sm-verdict', { hasText: 'Rita Gomez' }).waitFor(WAIT);
  assert.match(await rqPanel.locator('.sm-verdict').textContent(), /Helped \(deal: Acme renewal\)/);
  // The story is told in the conversation too.
  await rita.locator('#message-log', { hasText: 'recorded a verdict' }).waitFor(WAIT);
  await shot(mark, 'sm-04-request-panel');

  // #/requests/<id> opens the same conversation and panel; so does a fresh
  // load of the conversation's own address (the panel finds its request).
  await rita.goto(`${srv.url}#/requests/${reqId}`);
  await rita.locator('#request-panel #request-status', { hasText: 'Delivered' }).waitFor(WAIT);
  const convHash = await rita.evaluate(() => location.hash);
  assert.match(convHash, /^#\/c\/\d+$/);
  await mark.goto(`${srv.url}${convHash}`);
  await mark.reload();
  await mark.locator('#request-panel .sm-vcount[data-verdict=helped]', { hasText: 'Helped: 1' }).waitFor(WAIT);
  // Sam, who does not watch it, reads it from its address and may join.
  await sam.goto(`${srv.url}${convHash}`);
  await sam.reload();
  await sam.locator('#request-panel #request-status', { hasText: 'Delivered' }).waitFor(WAIT);
  await sam.locator('#message-log', { hasText: 'recorded a verdict' }).waitFor(WAIT);
  await sam.locator('.join-bar').waitFor(WAIT);
  // An address naming no request says so and shows the list.
  await sam.goto(`${srv.url}#/requests/999`);
  await sam.locator('.toast', { hasText: 'Request #999' }).waitFor(WAIT);
  await sam.locator('#requests-page .sm-empty', { hasText: 'No requests match' }).waitFor(WAIT); // he filed none

  // --- SLA colours follow the server's clock ------------------------------------------
  // High priority: first response 240 min. 200 min in, a sixth is left: amber.
  const { request: slaReq } = await ritaApi.client.ok('request.create', {
    kind: 'deck', title: 'Deck for the Initech pitch', body: 'Ten slides.', priority: 'high', value: 9000,
  });
  await goPage(rita, 'requests');
  const slaChip = rita.locator(`.sm-rcard[data-id="${slaReq.id}"] .sla`);
  await slaChip.waitFor(WAIT);
  assert.equal(await slaChip.getAttribute('data-tone'), 'ok');
  assert.match(await slaChip.textContent(), /due in 4 h/);
  const now0 = (await markApi.client.ok('ping')).time;
  await markApi.client.ok('test.clock', { at: now0 + 200 * MIN });
  await rita.locator(`.sm-rcard[data-id="${slaReq.id}"] .sla[data-tone=warn]`).waitFor(WAIT);
  await shot(rita, 'sm-05-sla-amber');
  await markApi.client.ok('test.clock', { at: now0 + 241 * MIN });
  await rita.locator(`.sm-rcard[data-id="${slaReq.id}"] .sla[data-tone=bad]`).waitFor(WAIT);
  assert.match(await slaChip.textContent(), /overdue/);
  await shot(rita, 'sm-06-sla-red');

  // --- XSS corpus in every field people fill ------------------------------------------
  const payload = XSS.join(' ');
  const xssFb = await ritaApi.client.ok('feedback.create', {
    kind: 'competitor', body: payload, title: XSS[0], account: XSS[1], competitor: XSS[4], nonce: 'x1',
  });
  const { request: xssReq } = await ritaApi.client.ok('request.create', {
    kind: 'other', title: XSS[4], body: payload, account: XSS[5], deal: XSS[2],
  });
  const evilUrl = 'https://example.com/"><img/src=x/onerror=window.__xss=1>';
  await markApi.client.ok('request.move', { request: xssReq.id, status: 'accepted' });
  await markApi.client.ok('request.deliver', { request: xssReq.id, url: evilUrl, note: payload });
  await ritaApi.client.ok('request.verdict', { request: xssReq.id, verdict: 'outdated', note: XSS[6], deal: XSS[3] });
  await ritaApi.client.ok('glossary.create', { title: XSS[5], body: payload });
  // A person whose name is markup files feedback and votes.
  const mallory = await registerUser(srv, { handle: 'mallory', displayName: XSS[0], team: 'sales' });
  apis.push(mallory);
  await mallory.client.ok('feedback.create', { kind: 'testimonial', body: 'They love it.', title: 'Mallory says hi' });
  await mallory.client.ok('feedback.vote', { feedback: xssFb.feedback.id, weight: 'nice_to_have' });
  await markApi.client.ok('feedback.vote', { feedback: xssFb.feedback.id, weight: 'important', account: XSS[6] });

  await goPage(mark, 'feedback');
  await mark.locator('.sm-fb-title', { hasText: XSS[0] }).waitFor(WAIT);
  await mark.locator('.sm-fb', { hasText: 'Mallory says hi' }).locator('.sm-fb-meta', { hasText: XSS[0] }).waitFor(WAIT);
  await goPage(mark, 'requests');
  await mark.locator('#rq-f-status').selectOption('delivered');
  await mark.locator('.sm-rcard-title', { hasText: XSS[4] }).waitFor(WAIT);
  await mark.locator('button[data-view=list]').click();
  await mark.locator('#requests-table td', { hasText: XSS[4] }).waitFor(WAIT);
  await goPage(mark, 'glossary');
  await mark.locator('.sm-term-name', { hasText: XSS[5] }).waitFor(WAIT);
  await goPage(mark, 'dashboard');
  await mark.locator('#top-votes a', { hasText: XSS[0] }).waitFor(WAIT);
  await mark.goto(`${srv.url}#/requests/${xssReq.id}`);
  const xPanel = mark.locator('#request-panel');
  await xPanel.locator('.sm-panel-title', { hasText: XSS[4] }).waitFor(WAIT);
  await xPanel.locator('#request-asset', { hasText: 'onerror' }).waitFor(WAIT);
  assert.equal(await xPanel.locator('#request-asset a').getAttribute('href'), evilUrl);
  await xPanel.locator('.sm-verdict', { hasText: XSS[6] }).waitFor(WAIT);
  await assertNoXss(mark, 'mark (request panel)');
  await mark.goto(`${srv.url}#/feedback/${xssFb.feedback.id}`);
  await mark.locator('#feedback-panel .sm-quote', { hasText: XSS[2] }).waitFor(WAIT);
  await mark.locator('#feedback-votes', { hasText: XSS[6] }).waitFor(WAIT);
  await mark.locator('#feedback-votes strong', { hasText: XSS[0] }).waitFor(WAIT);
  await shot(mark, 'sm-07-xss-as-text');
  await assertNoXss(mark, 'mark (feedback panel)');
  for (const [page, who] of [[rita, 'rita'], [sam, 'sam']]) await assertNoXss(page, who);

  assert.deepEqual(problems, [], 'no console errors, page errors or CSP violations');
  // A clean stop: a sanitizer report would make the exit status non-zero.
  for (const a of apis.splice(0)) await a.client.close();
  assert.deepEqual(await srv.stop(), { code: 0, signal: null }, `tandemd exit: ${srv.stderr()}`);
});

// Browser test of the web client's chat features against the real tandemd.
//
// Ana (a rep) and Ben (a marketer) are registered through the protocol and
// sign in by token in their own browser contexts; Ana also has a second
// tab. Driven through the UI and checked live in the other context:
// server unread and mention counts at start-up, read markers synced across
// tabs, mark unread; threads (panel, replies paged, follow/unfollow, the
// threads page), the mentions page; reactions, pins, saved items; search
// with filters and highlighted snippets that opens the message in context
// (paging back to it); the quick switcher, keyboard navigation, the
// composer's completions, notification preferences and desktop
// notifications, the theme toggle, phone width, reminders and scheduled
// messages. An XSS corpus posted as
// thread replies, searched for, and as a reacting user's name executes
// nothing. Console errors and CSP violations fail the test; screenshots go
// to tests/out/screenshots/chat-*.png.
//
// Run: cd tests && node --test web/chat.test.js

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, registerUser, sleep } from '../lib/server.js';
import { launch, signedInPage, cspViolations, shot, log, msgRow, send, assertNoXss, fill, WAIT } from './browser.js';

const XSS = [
  '<img src=x onerror=window.__xss=1>',
  '<script>window.__xss=1</script>',
  '[x](javascript:window.__xss=1)',
  '<svg onload=window.__xss=1>',
  '"><iframe src="javascript:window.__xss=1"></iframe>',
  '- <b onmouseover=window.__xss=1>list</b>\n1. `<u>x</u>` :tada:',
];

// Ben's page: desktop notifications granted and recorded, and a switch to
// pretend the tab is hidden.
function fakeNotifications() {
  window.__notes = [];
  window.__hidden = false;
  Object.defineProperty(document, 'visibilityState', { get: () => (window.__hidden ? 'hidden' : 'visible') });
  window.Notification = class {
    constructor(title, opts) { window.__notes.push({ title, body: opts.body }); }
    static get permission() { return 'granted'; }
    static requestPermission() { return Promise.resolve('granted'); }
    close() {}
  };
}

function sidebarLink(page, name) {
  return page.locator('#sidebar .conv-link', { hasText: name });
}

test('web chat: unread, threads, reactions, pins, saved, search, keyboard, notifications', { timeout: 180000 }, async (t) => {
  const srv = await startServer({ args: ['--open-registration', '--test-clock', String(Date.now())] });
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close().catch(() => {});
    await srv.stop();
  });

  // --- people and channels through the protocol ---------------------------------
  const ana = await registerUser(srv, { handle: 'ana', displayName: 'Ana Reyes', team: 'sales' });
  const ben = await registerUser(srv, { handle: 'ben', displayName: 'Ben Okafor', team: 'marketing' });
  const launchCh = (await ana.client.ok('conv.create', { kind: 'channel', name: 'launch' })).conversation;
  const random = (await ana.client.ok('conv.create', { kind: 'channel', name: 'random' })).conversation;
  await ben.client.ok('conv.join', { conv: launchCh.id });
  await ben.client.ok('conv.join', { conv: random.id });
  let n = 0;
  // Send through the protocol, waiting out the rate limit when it bites.
  const post = async (who, conv, body, extra = {}) => {
    const fields = { conv, body, nonce: `t${++n}`, ...extra };
    for (;;) {
      const reply = await who.client.request('msg.send', fields);
      if (reply.result) return reply.result;
      assert.equal(reply.error.code, 'rate_limited', `msg.send: ${JSON.stringify(reply.error)}`);
      await sleep(500);
    }
  };
  // Two messages before Ana's page starts: counted by unread.counts.
  await post(ben, launchCh.id, 'Before you arrived: one');
  await post(ben, launchCh.id, 'Before you arrived: two');

  browser = await launch();
  const problems = [];
  const a = await signedInPage(browser, srv, 'ana', ana.token, problems, `#/c/${random.id}`);
  await a.locator('#pane-title', { hasText: 'random' }).waitFor(WAIT);
  const b = await signedInPage(browser, srv, 'ben', ben.token, problems, `#/c/${launchCh.id}`, { init: fakeNotifications });
  await b.locator('#pane-title', { hasText: 'launch' }).waitFor(WAIT);

  // --- 1. unread counts at start-up, live, mentions, synced across tabs ------------
  await sidebarLink(a, 'launch').locator('.badge', { hasText: /^2$/ }).waitFor(WAIT);
  await send(b, 'Live while you look elsewhere');
  await sidebarLink(a, 'launch').locator('.badge', { hasText: /^3$/ }).waitFor(WAIT);
  await send(b, 'Can you check the deck @ana?');
  await sidebarLink(a, 'launch').locator('.mention-badge', { hasText: '@1' }).waitFor(WAIT);
  await a.locator('#sidebar a[href="#/mentions"] .badge', { hasText: '1' }).waitFor(WAIT);
  // A second tab of Ana's starts with the same counts from the server.
  const a2 = await a.context().newPage();
  a2.on('pageerror', (err) => problems.push(`ana2 pageerror: ${err.message}`));
  await a2.goto(`${srv.url}#/mentions`);
  await a2.locator('.shell').waitFor(WAIT);
  await sidebarLink(a2, 'launch').locator('.mention-badge', { hasText: '@1' }).waitFor(WAIT);
  await shot(a, 'chat-01-unread-mention');
  // The mentions page lists the message.
  await a2.locator('.results .result', { hasText: 'check the deck' }).waitFor(WAIT);
  // Ana opens #launch in the first tab: read there and in the second tab.
  await sidebarLink(a, 'launch').click();
  await msgRow(a, 'check the deck').waitFor(WAIT);
  // "New messages" marks where the unread part began; the mention of Ana
  // stands out.
  const divider = log(a).locator('.new-divider');
  await divider.waitFor(WAIT);
  assert.match(await divider.evaluate((el) => el.nextElementSibling.textContent), /Before you arrived: one/);
  assert.equal(await msgRow(a, 'check the deck').locator('.mention.mention-me').textContent(), '@ana');
  await sidebarLink(a, 'launch').locator('.badge').waitFor({ state: 'detached', ...WAIT });
  await sidebarLink(a2, 'launch').locator('.badge').waitFor({ state: 'detached', ...WAIT });
  // Mark unread from a message: the count comes back in both tabs and stays
  // while the conversation is open.
  const live = msgRow(a, 'Live while you look');
  await live.hover();
  await live.getByRole('button', { name: 'Mark unread' }).click();
  await sidebarLink(a, 'launch').locator('.badge').waitFor(WAIT);
  await sidebarLink(a2, 'launch').locator('.badge').waitFor(WAIT);
  await sleep(500);
  assert.equal(await sidebarLink(a, 'launch').locator('.badge').count(), 1, 'stays unread while open');
  // The second tab reloads: the marker is the server's.
  await a2.reload();
  await a2.locator('.shell').waitFor(WAIT);
  await sidebarLink(a2, 'launch').locator('.badge').waitFor(WAIT);
  // Opening another conversation and coming back reads it again.
  await sidebarLink(a, 'random').click();
  await sidebarLink(a, 'launch').click();
  await sidebarLink(a2, 'launch').locator('.badge').waitFor({ state: 'detached', ...WAIT });
  await a2.close();

  // --- 2. threads: reply, live summary, follow, threads page, paging ---------------
  await send(a, 'Root question: which case study for banks?');
  const rootB = msgRow(b, 'Root question');
  await rootB.waitFor(WAIT);
  await rootB.hover();
  await rootB.getByRole('button', { name: 'Reply in thread' }).click();
  await b.locator('.thread-panel').waitFor(WAIT);
  await send(b, 'The Acme Bank one, updated last month.', '#thread-input');
  await msgRow(b, 'The Acme Bank one', '#thread-log').waitFor(WAIT);
  // Not in the main list; the root shows "1 reply" live on Ana's side.
  assert.equal(await msgRow(b, 'The Acme Bank one').count(), 0, 'replies stay out of the main list');
  await msgRow(a, 'Root question').locator('.thread-summary', { hasText: '1 reply' }).waitFor(WAIT);
  // Ana follows her root: the Threads page has it, unread first.
  await a.locator('#sidebar a[href="#/threads"] .badge', { hasText: '1' }).waitFor(WAIT);
  await a.locator('#sidebar a[href="#/threads"]').click();
  const threadItem = a.locator('.results .result', { hasText: 'Root question' });
  await threadItem.locator('.badge', { hasText: '1' }).waitFor(WAIT);
  await shot(a, 'chat-02-threads-page');
  await threadItem.locator('.result-open').click();
  await msgRow(a, 'The Acme Bank one', '#thread-log').waitFor(WAIT);
  await a.locator('#sidebar a[href="#/threads"] .badge').waitFor({ state: 'detached', ...WAIT });
  // XSS corpus as thread replies, from Ana's thread composer.
  for (const payload of XSS) await send(a, payload, '#thread-input');
  await msgRow(b, 'onmouseover', '#thread-log').waitFor(WAIT);
  await shot(b, 'chat-03-thread-panel');
  // Unfollow, then follow again.
  await a.getByRole('button', { name: 'Unfollow thread' }).click();
  await a.getByRole('button', { name: 'Follow thread' }).waitFor(WAIT);
  await a.getByRole('button', { name: 'Follow thread' }).click();
  await a.getByRole('button', { name: 'Unfollow thread' }).waitFor(WAIT);
  await a.keyboard.press('Escape');
  await a.locator('.side-panel').waitFor({ state: 'hidden', ...WAIT });
  // Replies are paged: a thread Ana never opened, with 70 replies, loads
  // older replies on demand.
  const root2 = (await post(ben, launchCh.id, 'Second root with a long thread')).message;
  for (let i = 0; i < 70; i += 1) await post(ben, launchCh.id, `filler reply ${i}`, { thread: root2.id });
  await msgRow(a, 'Second root').locator('.thread-summary', { hasText: '70 replies' }).waitFor(WAIT);
  await msgRow(a, 'Second root').locator('.thread-summary').click();
  await msgRow(a, 'filler reply 69', '#thread-log').waitFor(WAIT);
  assert.equal(await msgRow(a, 'filler reply 0', '#thread-log').count(), 0, 'older replies not loaded yet');
  await a.locator('#thread-log').getByRole('button', { name: 'Load older replies' }).waitFor(WAIT);
  await a.locator('#thread-log').evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); });
  await msgRow(a, /^filler reply 0$/, '#thread-log').waitFor(WAIT);
  const replyIds = await a.locator('#thread-log .msg[data-id]').evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.equal(replyIds.length, 71, 'root and every reply');
  assert.equal(new Set(replyIds).size, replyIds.length, 'no duplicate replies');
  await a.keyboard.press('Escape');

  // --- 3. reactions, pins, saved -------------------------------------------------------
  const deckA = msgRow(a, 'check the deck');
  await deckA.hover();
  await deckA.getByRole('button', { name: 'Add reaction' }).click();
  await deckA.getByRole('button', { name: 'React with tada' }).click();
  const chipB = msgRow(b, 'check the deck').locator('.reaction[data-emoji="tada"]');
  await chipB.locator('.reaction-count', { hasText: '1' }).waitFor(WAIT);
  assert.equal(await chipB.getAttribute('aria-pressed'), 'false');
  assert.match(await chipB.getAttribute('title'), /Ana Reyes/);
  await chipB.click();
  await msgRow(a, 'check the deck').locator('.reaction[data-emoji="tada"] .reaction-count', { hasText: '2' }).waitFor(WAIT);
  assert.equal(await chipB.getAttribute('aria-pressed'), 'true');
  await chipB.click();
  await msgRow(a, 'check the deck').locator('.reaction[data-emoji="tada"] .reaction-count', { hasText: '1' }).waitFor(WAIT);
  // A reacting user whose name is an XSS payload: shown as text in the chip's
  // label, live.
  const mal = await registerUser(srv, { handle: 'mallory', displayName: XSS[0], team: 'other' });
  await mal.client.ok('conv.join', { conv: launchCh.id });
  const deckId = Number(await msgRow(a, 'check the deck').getAttribute('data-id'));
  await mal.client.ok('react.add', { message: deckId, emoji: 'eyes' });
  const eyes = msgRow(a, 'check the deck').locator('.reaction[data-emoji="eyes"]');
  await eyes.waitFor(WAIT);
  assert.match(await eyes.getAttribute('title'), /<img src=x onerror=window.__xss=1> reacted/);
  // Ben pins Ana's root question: Ana's header counts it, the panel lists it.
  const rootB2 = msgRow(b, 'Root question');
  await rootB2.hover();
  await rootB2.getByRole('button', { name: 'Pin message' }).click();
  await a.getByRole('button', { name: 'Pinned messages: 1' }).waitFor(WAIT);
  await msgRow(a, 'Root question').locator('.mark.pinned').waitFor(WAIT);
  await a.getByRole('button', { name: 'Pinned messages: 1' }).click();
  await a.locator('.pins-panel .side-item', { hasText: 'Root question' }).waitFor(WAIT);
  await shot(a, 'chat-04-pins');
  await a.locator('.pins-panel').getByRole('button', { name: 'Unpin' }).click();
  await b.getByRole('button', { name: 'Pinned messages: 0' }).waitFor(WAIT);
  await a.keyboard.press('Escape');
  // Ana saves Ben's message; the Saved page lists it.
  const liveA = msgRow(a, 'Live while you look');
  await liveA.hover();
  await liveA.getByRole('button', { name: 'Save message' }).click();
  await liveA.locator('.mark.saved').waitFor(WAIT);
  await a.locator('#sidebar a[href="#/saved"]').click();
  await a.locator('.results .result', { hasText: 'Live while you look' }).waitFor(WAIT);

  // --- 4. search: filters, highlights, open in context (paging back) ----------------
  await post(ben, launchCh.id, 'The onboarding guide is https://example.com/onboarding-guide');
  await post(ben, launchCh.id, `xsscanary ${XSS[0]} ${XSS[3]}`);
  await fill(srv, ben.token, launchCh.id, 130, (i) => `filler top ${i}`);
  await a.locator('#sidebar a[href="#/search"]').click();
  await a.locator('#search-input').fill('onboard');
  await a.locator('#search-from').selectOption('ben');
  await a.locator('#search-in').selectOption('#launch');
  await a.locator('#search-has-link').check();
  await a.locator('#search-input').press('Enter');
  const hit = a.locator('.results .result', { hasText: 'guide' });
  await hit.waitFor(WAIT);
  assert.equal(await hit.locator('mark').first().textContent(), 'onboarding');
  assert.match(decodeURIComponent(await a.evaluate(() => location.hash)), /from:@ben/);
  await shot(a, 'chat-05-search');
  // A filter that matches nothing.
  await a.locator('#search-from').selectOption('ana');
  await a.locator('#search-input').press('Enter');
  await a.locator('.page-note', { hasText: 'No messages match' }).waitFor(WAIT);
  await a.locator('#search-from').selectOption('ben');
  await a.locator('#search-input').press('Enter');
  // Open it: the conversation pages back to the message and highlights it.
  await a.locator('.results .result', { hasText: 'guide' }).locator('.result-open').click();
  const target = a.locator('#message-log .msg.highlight', { hasText: 'onboarding-guide' });
  await target.waitFor(WAIT);
  assert.ok(await target.isVisible(), 'highlighted message scrolled into view');
  // The XSS corpus found by search shows as text.
  await a.locator('#sidebar a[href="#/search"]').click();
  await a.locator('#search-input').fill('xsscanary');
  await a.locator('#search-from').selectOption('');
  await a.locator('#search-in').selectOption('');
  await a.locator('#search-has-link').uncheck();
  await a.locator('#search-input').press('Enter');
  await a.locator('.results .result', { hasText: 'onerror' }).waitFor(WAIT);
  await assertNoXss(a, 'ana search');

  // --- reconnect: what happened while Ben was offline arrives once ----------------------
  await b.goto(`${srv.url}#/c/${random.id}`);
  await b.locator('#pane-title', { hasText: 'random' }).waitFor(WAIT);
  await b.evaluate(() => window.tandem.conn.stop());
  await b.locator('.conn[data-state=closed]').waitFor(WAIT);
  await post(ana, launchCh.id, '@ben while you were away');
  await b.evaluate(() => window.tandem.conn.start());
  await b.locator('.conn[data-state=open]').waitFor(WAIT);
  await sidebarLink(b, 'launch').locator('.mention-badge', { hasText: '@1' }).waitFor(WAIT);
  await sidebarLink(b, 'launch').click();
  await msgRow(b, 'while you were away').waitFor(WAIT);
  await sidebarLink(b, 'launch').locator('.badge').waitFor({ state: 'detached', ...WAIT });
  assert.equal(await msgRow(b, 'while you were away').count(), 1, 'shown once');

  // --- 5. quick switcher, keyboard navigation ------------------------------------------
  await a.keyboard.press('Control+k');
  await a.locator('#switcher-input').waitFor(WAIT);
  await a.locator('#switcher-input').fill('rand');
  await a.locator('.switcher-item.active', { hasText: '#random' }).waitFor(WAIT);
  await shot(a, 'chat-06-switcher');
  await a.locator('#switcher-input').press('Enter');
  await a.locator('#pane-title', { hasText: 'random' }).waitFor(WAIT);
  await a.keyboard.press('Alt+ArrowUp');
  await a.locator('#pane-title', { hasText: 'launch' }).waitFor(WAIT);
  await a.keyboard.press('Alt+ArrowDown');
  await a.locator('#pane-title', { hasText: 'random' }).waitFor(WAIT);
  // The switcher finds people: Enter opens the direct message.
  await a.keyboard.press('Control+k');
  await a.locator('#switcher-input').fill('okafor');
  await a.locator('#switcher-input').press('Enter');
  await a.locator('#pane-title', { hasText: 'Ben Okafor' }).waitFor(WAIT);

  // --- 6. composer: @ completion, emoji shortcodes, lists --------------------------------
  await sidebarLink(a, 'launch').click();
  await a.locator('#pane-title', { hasText: 'launch' }).waitFor(WAIT);
  // Up and Down move between messages from the list.
  await log(a).focus();
  await a.keyboard.press('ArrowUp');
  const lastId = await a.evaluate(() => Number(document.activeElement.dataset.id));
  await a.keyboard.press('ArrowUp');
  const prevId = await a.evaluate(() => Number(document.activeElement.dataset.id));
  assert.ok(lastId > 0 && prevId > 0 && prevId < lastId, `focus moved up (${lastId} -> ${prevId})`);
  await a.keyboard.press('ArrowDown');
  assert.equal(await a.evaluate(() => Number(document.activeElement.dataset.id)), lastId);
  const box = a.locator('#composer-input');
  await box.fill('');
  await box.pressSequentially('Plan for @be');
  await a.locator('#composer-suggest .suggest-item.active', { hasText: '@ben' }).waitFor(WAIT);
  await box.press('Enter');
  assert.equal(await box.inputValue(), 'Plan for @ben ');
  await box.pressSequentially('and @team-m');
  await a.locator('#composer-suggest .suggest-item', { hasText: '@team-marketing' }).waitFor(WAIT);
  await box.press('Tab');
  await box.pressSequentially(':tad');
  await a.locator('#composer-suggest .suggest-item', { hasText: ':tada:' }).waitFor(WAIT);
  await box.press('Tab');
  assert.equal(await box.inputValue(), 'Plan for @ben and @team-marketing 🎉 ');
  await box.press('Shift+Enter');
  await box.pressSequentially('- first :rocket:');
  await box.press('Shift+Enter');
  await box.pressSequentially('- **second**');
  await box.press('Enter');
  const planB = msgRow(b, 'Plan for @ben');
  await planB.locator('.msg-body ul li').nth(1).locator('strong', { hasText: 'second' }).waitFor(WAIT);
  assert.equal(await planB.locator('.msg-body ul li .emoji').first().getAttribute('title'), ':rocket:');

  // --- 7. notification preferences and desktop notifications ------------------------
  await b.locator('#notify-select').selectOption('muted');
  await sidebarLink(b, 'launch').locator('.badge.quiet, .badge').first().waitFor({ state: 'detached', ...WAIT }).catch(() => {});
  await b.evaluate(() => { window.__hidden = true; });
  await send(a, 'Heads up @channel, the group mention a muted member does not get');
  await send(a, '@ben a direct mention always notifies');
  const dm = (await ana.client.ok('dm.open', { user: ben.user.id })).conversation;
  await post(ana, dm.id, XSS[0]);
  await b.waitForFunction(() => window.__notes.length >= 2, null, WAIT);
  await sleep(500);
  const notes = await b.evaluate(() => window.__notes);
  assert.equal(notes.length, 2, `notifications: ${JSON.stringify(notes)}`);
  assert.match(notes[0].title, /Ana Reyes mentioned you in #launch/);
  assert.equal(notes[0].body, '@ben a direct mention always notifies');
  assert.equal(notes[1].body, XSS[0], 'notification text is the literal text');
  // Muted in the menu of another tab's view too (prefs.update), after reload.
  await b.evaluate(() => { window.__hidden = false; });
  await b.reload();
  await b.locator('.shell').waitFor(WAIT);
  await b.goto(`${srv.url}#/c/${launchCh.id}`);
  await b.locator('#pane-title', { hasText: 'launch' }).waitFor(WAIT);
  assert.equal(await b.locator('#notify-select').inputValue(), 'muted');

  // --- 8. theme toggle (remembered), phone width ------------------------------------------
  await a.getByRole('button', { name: 'Switch to dark theme' }).click();
  assert.equal(await a.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await a.reload();
  await a.locator('.shell').waitFor(WAIT);
  assert.equal(await a.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await shot(a, 'chat-07-dark');
  await a.getByRole('button', { name: 'Switch to light theme' }).click();
  assert.equal(await a.evaluate(() => document.documentElement.dataset.theme), 'light');
  await b.setViewportSize({ width: 390, height: 780 });
  await b.goto(`${srv.url}#/threads`);
  await b.locator('.results .result', { hasText: 'Root question' }).locator('.result-open').click();
  await msgRow(b, 'The Acme Bank one', '#thread-log').waitFor(WAIT);
  await shot(b, 'chat-08-phone-thread');
  assert.ok(await b.evaluate(() => document.documentElement.scrollWidth <= 390), 'no horizontal scroll at phone width');
  await b.getByRole('button', { name: 'Close thread' }).click();
  await b.goto(`${srv.url}#/search`);
  await b.locator('#search-input').waitFor(WAIT);
  await shot(b, 'chat-09-phone-search');
  assert.ok(await b.evaluate(() => document.documentElement.scrollWidth <= 390), 'search fits at phone width');
  // From a page, the drawer opens too.
  await b.getByRole('button', { name: 'Show conversations' }).click();
  await b.locator('#sidebar').waitFor({ state: 'visible', ...WAIT });
  await sidebarLink(b, 'random').click();
  await b.locator('#pane-title', { hasText: 'random' }).waitFor(WAIT);

  // --- 9. remind me and send later (the test clock makes them due) ----------------------
  await a.goto(`${srv.url}#/c/${launchCh.id}`);
  const plan = msgRow(a, 'Plan for @ben');
  await plan.hover();
  await plan.getByRole('button', { name: 'Remind me about this message' }).click();
  await plan.getByRole('button', { name: 'In 1 hour' }).click();
  await a.locator('.toast', { hasText: 'I will remind you of this message in 1 hour' }).waitFor(WAIT);
  // Send later: two scheduled from the composer, one cancelled on the page.
  for (const text of ['Scheduled hello for the morning', 'Cancel me before it goes']) {
    await a.locator('#composer-input').fill(text);
    await a.getByRole('button', { name: 'Send later' }).click();
    await a.getByRole('button', { name: 'Schedule', exact: true }).click();
    await a.locator('.toast', { hasText: 'Scheduled for' }).waitFor(WAIT);
    assert.equal(await a.locator('#composer-input').inputValue(), '');
  }
  await a.locator('#sidebar a[href="#/scheduled"]').click();
  const cancelMe = a.locator('.results .result', { hasText: 'Cancel me' });
  await cancelMe.getByRole('button', { name: 'Cancel scheduled message' }).click();
  await cancelMe.waitFor({ state: 'detached', ...WAIT });
  await a.locator('.results .result', { hasText: 'Scheduled hello' }).waitFor(WAIT);
  // Two hours later (test clock): the reminder fires, the scheduled message
  // goes out (and leaves the list), the cancelled one does not.
  await ana.client.ok('test.clock', { at: Date.now() + 2 * 3600000 });
  await a.locator('.toast', { hasText: 'Reminder: Ana Reyes: Plan for @ben' }).waitFor(WAIT);
  await a.locator('.results .result', { hasText: 'Scheduled hello' }).waitFor({ state: 'detached', ...WAIT });
  await b.goto(`${srv.url}#/c/${launchCh.id}`);
  await msgRow(b, 'Scheduled hello for the morning').waitFor(WAIT);
  assert.equal(await msgRow(b, 'Cancel me before it goes').count(), 0, 'the cancelled one never went out');

  await assertNoXss(a, 'ana');
  await assertNoXss(b, 'ben');
  for (const [page, who] of [[a, 'ana'], [b, 'ben']]) {
    assert.deepEqual(await cspViolations(page), [], `${who}: CSP violations`);
  }
  assert.deepEqual(problems, [], 'console errors or page errors');
  await browser.close();
  browser = null;
  const exit = await srv.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, `tandemd exit: ${srv.stderr()}`);
});

// Browser smoke test of the web client against the real tandemd.
//
// Two people in two browser contexts (Ana, a rep in sales, and Ben, a
// marketer) register, share a channel, talk live, reload, survive a server
// restart on the same port (a message sent while the server is down shows
// as pending and is delivered exactly once), and an XSS corpus posted as
// messages, as a channel topic and as a display name executes nothing.
// Console errors, page errors and CSP violations fail the test. Screenshots
// of the main screens go to tests/out/screenshots/.
//
// Run: cd tests && node --test web/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, ROOT, sleep, resume } from '../lib/server.js';

const SHOTS = path.join(ROOT, 'tests', 'out', 'screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'correct horse battery';
const WAIT = { timeout: 20000 };

const XSS = [
  '<img src=x onerror=window.__xss=1>',
  '<script>window.__xss=1</script>',
  '[x](javascript:window.__xss=1)',
  'javascript:window.__xss=1',
  '<svg onload=window.__xss=1>',
  '"><iframe src="javascript:window.__xss=1"></iframe>',
  '**<b onmouseover=window.__xss=1>bold</b>** _<i>x</i>_ `<u>code</u>`',
  'https://example.com/"><img src=x onerror=window.__xss=1>',
];

// Expected noise while the server is deliberately down: the browser logs
// each refused WebSocket connection attempt.
const OFFLINE_NOISE = /WebSocket connection to '.*\/ws' failed|ERR_CONNECTION_REFUSED/;

// Record console errors, page errors and CSP violations of a page.
function watch(page, who, problems, phase) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error' && msg.type() !== 'warning') return;
    const text = msg.text();
    if (phase.offline && OFFLINE_NOISE.test(text)) return;
    problems.push(`${who} console.${msg.type()}: ${text}`);
  });
  page.on('pageerror', (err) => problems.push(`${who} pageerror: ${err.message}`));
}

async function cspViolations(page) {
  return page.evaluate(() => window.__csp || []);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

async function newPage(browser, who, problems, phase, opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts });
  // Runs before the page's own scripts; injected by the test harness, so the
  // page's CSP does not apply to it.
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const page = await context.newPage();
  watch(page, who, problems, phase);
  return page;
}

async function register(page, url, { handle, name, team, expectError }) {
  await page.goto(url);
  await page.locator('#tab-register').click();
  await page.locator('#reg-handle').fill(handle);
  await page.locator('#reg-display_name').fill(name);
  await page.locator('#reg-team').selectOption(team);
  await page.locator('#reg-password').fill(PASSWORD);
  await page.locator('#register-form button[type=submit]').click();
  if (expectError) return;
  await page.locator('.shell').waitFor(WAIT);
}

function log(page) {
  return page.locator('#message-log');
}

function msgBody(page, text) {
  return log(page).locator('.msg:not(.pending) .msg-body', { hasText: text });
}

async function send(page, text) {
  const box = page.locator('#composer-input');
  await box.fill(text);
  await box.press('Enter');
}

async function assertNoXss(page, who) {
  const found = await page.evaluate(() => ({
    xss: window.__xss,
    dangerous: document.querySelectorAll('#message-log script, #message-log img, #message-log svg, #message-log iframe, #message-log b, #message-log u').length,
    jsLinks: [...document.querySelectorAll('a')].filter((a) => !/^(https?:|#)/.test(a.getAttribute('href') || '#')).length,
    scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src')),
  }));
  assert.equal(found.xss, undefined, `${who}: injected code ran`);
  assert.equal(found.dangerous, 0, `${who}: markup from user text reached the DOM`);
  assert.equal(found.jsLinks, 0, `${who}: a non-http link was rendered`);
  assert.deepEqual(found.scripts, ['app.js'], `${who}: unexpected script elements`);
}

test('web client: register, talk live, reload, reconnect, no XSS', { timeout: 240000 }, async (t) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const args = ['--open-registration'];
  let srv = await startServer({ args });
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close().catch(() => {});
    await srv.stop();
  });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const problems = [];
  const phase = { offline: false };
  const ana = await newPage(browser, 'ana', problems, phase);
  const ben = await newPage(browser, 'ben', problems, phase);

  // --- sign-in screen, registration ---------------------------------------
  await ana.goto(srv.url);
  await ana.locator('#login-form').waitFor(WAIT);
  await ana.locator('.auth-conn').waitFor({ state: 'hidden', ...WAIT }); // hello done
  await shot(ana, '01-login');
  await register(ana, srv.url, { handle: 'ana', name: 'Ana Reyes', team: 'sales' });
  assert.ok(await ana.evaluate(() => localStorage.getItem('tandem.token')), 'token saved');
  await shot(ana, '02-empty-workspace');

  // --- ana creates #launch ---------------------------------------------------
  await ana.getByRole('button', { name: 'Create channel' }).click();
  await shot(ana, '03-create-channel');
  await ana.locator('#new-channel-name').fill('launch');
  await ana.locator('#new-channel-topic').fill('Q3 launch: assets, timing, owners');
  await ana.locator('#new-channel-name').press('Enter');
  await ana.locator('#pane-title', { hasText: 'launch' }).waitFor(WAIT);
  await ana.locator('.pane-topic', { hasText: 'Q3 launch' }).waitFor(WAIT);

  // A duplicate channel name: the server's message is shown in the dialog.
  await ana.getByRole('button', { name: 'Create channel' }).click();
  await ana.locator('#new-channel-name').fill('launch');
  await ana.locator('#new-channel-name').press('Enter');
  await ana.locator('#new-channel-error').waitFor(WAIT);
  assert.equal(await ana.locator('#new-channel-error').getAttribute('data-code'), 'conflict');
  await ana.locator('#new-channel-name').press('Escape');

  // --- ben registers: first with a taken handle, then for real ------------------
  await register(ben, srv.url, { handle: 'ana', name: 'Ben Okafor', team: 'marketing', expectError: true });
  const handleErr = ben.locator('#reg-handle-error');
  await handleErr.waitFor(WAIT);
  assert.equal(await handleErr.getAttribute('data-code'), 'handle_taken');
  assert.ok((await handleErr.textContent()).length > 0, 'server message shown');
  await ben.locator('#reg-handle').fill('ben');
  await ben.locator('#register-form button[type=submit]').click();
  await ben.locator('.shell').waitFor(WAIT);

  // ben joins #launch from the sidebar.
  await ben.getByRole('button', { name: 'Join #launch' }).click();
  await ben.locator('#pane-title', { hasText: 'launch' }).waitFor(WAIT);
  await ben.locator('#composer-input').waitFor(WAIT);

  // A public channel created while ben is online reaches him live (conv.new
  // goes to everyone) as one he has not joined, while ana is in it.
  const anaApi = await resume(srv, await ana.evaluate(() => localStorage.getItem('tandem.token')));
  await anaApi.client.ok('conv.create', { kind: 'channel', name: 'pricing' });
  await anaApi.client.close();
  await ben.getByRole('button', { name: 'Join #pricing' }).waitFor(WAIT);
  await ana.getByRole('button', { name: 'Join #pricing' }).waitFor({ state: 'detached', ...WAIT });

  // --- live messages both ways, markup -------------------------------------------
  const hello = 'Kickoff: the **launch** plan is in `plan.md`, see https://example.com/plan.';
  await send(ana, hello);
  await msgBody(ben, 'Kickoff: the').waitFor(WAIT);
  const rendered = msgBody(ben, 'Kickoff: the');
  assert.equal(await rendered.locator('strong').textContent(), 'launch');
  assert.equal(await rendered.locator('code').textContent(), 'plan.md');
  const link = rendered.locator('a');
  assert.equal(await link.getAttribute('href'), 'https://example.com/plan');
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await link.getAttribute('target'), '_blank');
  await msgBody(ana, 'Kickoff: the').waitFor(WAIT); // no longer pending

  // Typing indicator: ben types, ana sees it.
  await ben.locator('#composer-input').fill('On it');
  await ana.locator('.typing', { hasText: 'Ben Okafor is typing' }).waitFor(WAIT);
  await ben.locator('#composer-input').fill('');
  await send(ben, 'On it, I will _share the deck_ today.');
  await msgBody(ana, 'share the deck').waitFor(WAIT);
  assert.equal(await msgBody(ana, 'share the deck').locator('em').textContent(), 'share the deck');
  // Author names and team labels come from user.list / user.new.
  await log(ana).locator('.author', { hasText: 'Ben Okafor' }).first().waitFor(WAIT);
  await log(ben).locator('.author', { hasText: 'Ana Reyes' }).first().waitFor(WAIT);

  // --- a direct message, with an unread badge -----------------------------------
  await ben.getByRole('button', { name: 'New direct message' }).click();
  await ben.locator('.user-item', { hasText: 'Ana Reyes' }).click();
  await ben.locator('#pane-title', { hasText: 'Ana Reyes' }).waitFor(WAIT);
  await send(ben, 'Quick question about the pricing page?');
  const dmLink = ana.locator('.conv-link', { hasText: 'Ben Okafor' });
  await dmLink.locator('.badge', { hasText: '1' }).waitFor(WAIT);
  await shot(ana, '04-unread-badge');
  await dmLink.click();
  await msgBody(ana, 'pricing page').waitFor(WAIT);
  await dmLink.locator('.badge').waitFor({ state: 'detached', ...WAIT });
  await ana.locator('.conv-link', { hasText: 'launch' }).click();
  await msgBody(ana, 'share the deck').waitFor(WAIT);
  await ben.locator('.conv-link', { hasText: 'launch' }).click();
  await msgBody(ben, 'share the deck').waitFor(WAIT);

  // --- edit and delete ---------------------------------------------------------------
  await send(ana, 'Draft timing: week 3');
  await send(ana, 'typo message to delete');
  await msgBody(ben, 'typo message to delete').waitFor(WAIT);
  const draft = log(ana).locator('.msg', { has: ana.locator('.msg-body', { hasText: 'Draft timing' }) });
  await draft.hover();
  await draft.getByRole('button', { name: 'Edit message' }).click();
  const editBox = log(ana).locator('.edit-box textarea');
  await editBox.fill('Draft timing: week 4');
  await editBox.press('Enter');
  await log(ben).locator('.msg-body', { hasText: 'Draft timing: week 4' }).locator('.edited').waitFor(WAIT);
  const typo = log(ana).locator('.msg', { has: ana.locator('.msg-body', { hasText: 'typo message' }) });
  await typo.hover();
  await typo.getByRole('button', { name: 'Delete message' }).click();
  await typo.getByRole('button', { name: 'Delete', exact: true }).click();
  await log(ben).locator('.tombstone', { hasText: 'message deleted' }).waitFor(WAIT);
  assert.equal(await msgBody(ben, 'typo message').count(), 0);
  await shot(ana, '05-channel');
  await shot(ben, '06-channel-ben');

  // --- reload: still signed in, history shown ----------------------------------------
  await ana.reload();
  await ana.locator('.shell').waitFor(WAIT);
  await ana.locator('#pane-title', { hasText: 'launch' }).waitFor(WAIT);
  await msgBody(ana, 'share the deck').waitFor(WAIT);
  await msgBody(ana, 'Draft timing: week 4').waitFor(WAIT);
  await log(ana).locator('.tombstone').waitFor(WAIT);
  await ana.locator('.conn[data-state=open]').waitFor(WAIT);

  // --- server restart on the same port: pending, then delivered exactly once ---------
  const { dataDir, port } = srv;
  phase.offline = true;
  const firstExit = await srv.stop();
  assert.deepEqual(firstExit, { code: 0, signal: null }, `tandemd exit after SIGTERM: ${srv.stderr()}`);
  await ana.locator('.banner').waitFor(WAIT);
  await ben.locator('.banner').waitFor(WAIT);
  const offlineText = 'Sent while the server was down';
  await send(ana, offlineText);
  await log(ana).locator('.msg.pending', { hasText: offlineText }).waitFor(WAIT);
  await shot(ana, '07-offline-pending');
  await sleep(1500); // let the client hit the refused port a few times
  srv = await startServer({ dataDir, port, args });
  await log(ana).locator('.msg.pending').waitFor({ state: 'detached', timeout: 30000 });
  await msgBody(ana, offlineText).waitFor(WAIT);
  await msgBody(ben, offlineText).waitFor({ timeout: 30000 });
  await ana.locator('.conn[data-state=open]').waitFor(WAIT);
  await ben.locator('.conn[data-state=open]').waitFor(WAIT);
  phase.offline = false;
  await sleep(1000); // a duplicate would arrive by now
  assert.equal(await msgBody(ana, offlineText).count(), 1, 'ana sees the offline message once');
  assert.equal(await msgBody(ben, offlineText).count(), 1, 'ben sees the offline message once');
  // Live traffic still flows after the resume.
  await send(ben, 'Back online, all good.');
  await msgBody(ana, 'Back online').waitFor(WAIT);
  await ben.reload();
  await msgBody(ben, offlineText).waitFor(WAIT);
  assert.equal(await msgBody(ben, offlineText).count(), 1, 'stored once');
  const ids = await log(ben).locator('.msg[data-id]').evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.equal(new Set(ids).size, ids.length, 'no duplicate message rows');

  // --- XSS corpus: messages, topic, display name -----------------------------------------
  for (const payload of XSS) await send(ana, payload);
  await ana.locator('.topic-edit').click();
  const topicInput = ana.getByRole('textbox', { name: 'Channel topic' });
  await topicInput.fill(XSS[0] + XSS[4]);
  await topicInput.press('Enter');
  const mal = await newPage(browser, 'mallory', problems, phase);
  await register(mal, srv.url, { handle: 'mallory', name: '<img src=x onerror=window.__xss=1>', team: 'other' });
  await mal.getByRole('button', { name: 'Join #launch' }).click();
  await mal.locator('#composer-input').waitFor(WAIT);
  await send(mal, '<svg onload=window.__xss=1>hi');
  for (const page of [ana, ben]) {
    await log(page).locator('.author', { hasText: '<img src=x onerror' }).first().waitFor(WAIT);
    await msgBody(page, 'example.com/"><img').waitFor(WAIT);
    await page.locator('.pane-topic', { hasText: '<img src=x' }).waitFor(WAIT);
  }
  // Every payload is visible as literal text.
  const texts = await log(ben).locator('.msg-body').allTextContents();
  for (const payload of XSS.slice(0, 6)) {
    assert.ok(texts.some((s) => s.includes(payload)), `payload shown as text: ${payload}`);
  }
  await sleep(500);
  for (const [page, who] of [[ana, 'ana'], [ben, 'ben'], [mal, 'mallory']]) await assertNoXss(page, who);
  await shot(ben, '08-xss-as-text');

  // --- phone width and dark theme -----------------------------------------------------------
  await ben.setViewportSize({ width: 390, height: 780 });
  await ben.locator('.menu-btn').waitFor(WAIT);
  assert.equal(await ben.locator('#sidebar').isVisible(), false, 'sidebar collapsed at phone width');
  await shot(ben, '09-phone');
  await ben.getByRole('button', { name: 'Show conversations' }).click();
  await ben.locator('#sidebar').waitFor({ state: 'visible', ...WAIT });
  await sleep(300); // the drawer slides in
  await shot(ben, '10-phone-sidebar');
  await ben.keyboard.press('Escape');
  await ben.setViewportSize({ width: 1280, height: 800 });
  await ana.emulateMedia({ colorScheme: 'dark' });
  await shot(ana, '11-dark');
  await ana.emulateMedia({ colorScheme: 'light' });

  // --- log out: back to the sign-in screen, token gone -------------------------------------
  await ana.getByRole('button', { name: 'Log out' }).click();
  await ana.locator('#login-form').waitFor(WAIT);
  assert.equal(await ana.evaluate(() => localStorage.getItem('tandem.token')), null);
  // Wrong password: the server's message is shown on the form.
  await ana.locator('#login-handle').fill('ana');
  await ana.locator('#login-password').fill('not the password');
  await ana.locator('#login-form button[type=submit]').click();
  await ana.locator('#login-error').waitFor(WAIT);
  assert.equal(await ana.locator('#login-error').getAttribute('data-code'), 'invalid_credentials');
  await shot(ana, '12-login-error');
  await ana.locator('#login-password').fill(PASSWORD);
  await ana.locator('#login-form button[type=submit]').click();
  await ana.locator('.shell').waitFor(WAIT);
  await msgBody(ana, 'Back online').waitFor(WAIT);

  // --- no console errors, no CSP violations --------------------------------------------------
  for (const [page, who] of [[ana, 'ana'], [ben, 'ben'], [mal, 'mallory']]) {
    assert.deepEqual(await cspViolations(page), [], `${who}: CSP violations`);
  }
  assert.deepEqual(problems, [], 'console errors or page errors');

  await browser.close();
  browser = null;
  const exit = await srv.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, `tandemd exit after SIGTERM: ${srv.stderr()}`);
});

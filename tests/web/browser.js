// Shared helpers of the chat browser tests (tests/web/chat*.test.js): the
// system Chromium through playwright-core, pages that record console
// errors, page errors and CSP violations, sign-in with a token made through
// the protocol, and a few locators of the message list.

import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { ROOT, resume, sleep } from '../lib/server.js';

export const SHOTS = path.join(ROOT, 'tests', 'out', 'screenshots');
export const WAIT = { timeout: 20000 };
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export async function launch() {
  fs.mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A page signed in with `token` (saved before the app starts), opened at
// `hash`. Console errors and warnings, page errors and CSP violations land
// in `problems`. opts.init: a function run in the page before its scripts.
export async function signedInPage(browser, srv, who, token, problems, hash = '', opts = {}) {
  const { init, ...contextOpts } = opts;
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...contextOpts });
  if (init) await context.addInitScript(init);
  await context.addInitScript((tok) => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
    if (!sessionStorage.getItem('seeded')) {
      localStorage.setItem('tandem.token', tok);
      sessionStorage.setItem('seeded', '1');
    }
  }, token);
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${who} console.${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`${who} pageerror: ${err.message}`));
  await page.goto(`${srv.url}${hash}`);
  await page.locator('.shell').waitFor(WAIT);
  return page;
}

export async function cspViolations(page) {
  return page.evaluate(() => window.__csp || []);
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

export function log(page) {
  return page.locator('#message-log');
}

export function msgRow(page, text, scope = '#message-log') {
  return page.locator(`${scope} .msg:not(.pending)`, { has: page.locator('.msg-body', { hasText: text }) });
}

export async function send(page, text, input = '#composer-input') {
  const box = page.locator(input);
  await box.fill(text);
  await box.press('Enter');
}

// Nothing injected ran, and no element from user text reached the DOM.
export async function assertNoXss(page, who) {
  const found = await page.evaluate(() => ({
    xss: window.__xss,
    dangerous: document.querySelectorAll('.log script, .log img, .log svg, .log iframe, .log b, .log u, .results script, .results img, .results svg, .results iframe, .results b').length,
    jsLinks: [...document.querySelectorAll('a')].filter((a) => !/^(https?:|#)/.test(a.getAttribute('href') || '#')).length,
    scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src')),
  }));
  assert.equal(found.xss, undefined, `${who}: injected code ran`);
  assert.equal(found.dangerous, 0, `${who}: markup from user text reached the DOM`);
  assert.equal(found.jsLinks, 0, `${who}: a non-http link was rendered`);
  assert.deepEqual(found.scripts, ['app.js'], `${who}: unexpected script elements`);
}

// Post `count` messages (bodyOf(i)) to a conversation through the protocol,
// over `conns` connections of the token's user, each kept under the
// published rate limit (20 requests per second). Resolves with the stored
// messages in posting order.
export async function fill(srv, token, conv, count, bodyOf, conns = 4) {
  const clients = await Promise.all(Array.from({ length: conns }, () => resume(srv, token).then((r) => r.client)));
  const out = new Array(count);
  await Promise.all(clients.map(async (client, k) => {
    const start = Date.now();
    let sent = 0;
    for (let i = k; i < count; i += conns) {
      const due = start + sent * 55;
      if (due > Date.now()) await sleep(due - Date.now());
      sent += 1;
      for (;;) {
        const reply = await client.request('msg.send', { conv, body: bodyOf(i), nonce: `fill-${conv}-${i}` });
        if (reply.result) {
          out[i] = reply.result.message;
          break;
        }
        if (reply.error.code !== 'rate_limited') throw new Error(`msg.send: ${reply.error.code}`);
        await sleep(1000);
      }
    }
  }));
  await Promise.all(clients.map((c) => c.close()));
  return out;
}

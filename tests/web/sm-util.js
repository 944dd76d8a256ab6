// Helpers shared by the sales-and-marketing browser tests (sm*.test.js):
// launching Chromium, pages that record console errors and CSP violations,
// registering through the UI, screenshots, and the XSS checks.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from '../lib/server.js';

export const SHOTS = path.join(ROOT, 'tests', 'out', 'screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const PASSWORD = 'correct horse battery';
export const WAIT = { timeout: 20000 };

// Monday 2 November 2026, 09:00 UTC: the server's test clock starts here.
export const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
export const MIN = 60000;

export const XSS = [
  '<img src=x onerror=window.__xss=1>',
  '<script>window.__xss=1</script>',
  '[x](javascript:window.__xss=1)',
  'javascript:window.__xss=1',
  '<svg onload=window.__xss=1>',
  '"><iframe src="javascript:window.__xss=1"></iframe>',
  '<a href="javascript:window.__xss=1">click</a>',
];

export async function launch() {
  fs.mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A page in its own context (its own storage: one person), recording
// console errors, page errors and CSP violations into `problems`.
export async function newPage(browser, who, problems, opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: 'UTC', ...opts });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${who} console.${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`${who} pageerror: ${err.message}`));
  return page;
}

export async function register(page, url, { handle, name, team }) {
  await page.goto(url);
  await page.locator('#tab-register').click();
  await page.locator('#reg-handle').fill(handle);
  await page.locator('#reg-display_name').fill(name);
  await page.locator('#reg-team').selectOption(team);
  await page.locator('#reg-password').fill(PASSWORD);
  await page.locator('#register-form button[type=submit]').click();
  await page.locator('.shell').waitFor(WAIT);
  return page.evaluate(() => localStorage.getItem('tandem.token'));
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

// Follow a sidebar link to a page of routes.js.
export async function goPage(page, name) {
  await page.locator(`.sb-pages a[href="#/${name}"]`).click();
  await page.locator(`#${name}-page`).waitFor(WAIT);
}

// Nothing injected ran, no element carries an event handler attribute, no
// link leads anywhere but http(s) or inside the app, no foreign elements.
export async function assertNoXss(page, who) {
  const found = await page.evaluate(() => ({
    xss: window.__xss,
    handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name))).length,
    foreign: document.querySelectorAll('img, iframe, object, embed, script:not([src="app.js"])').length,
    svgInText: document.querySelectorAll('.sm-rcard-title svg, .sm-fb-title svg, .sm-term svg, .sm-panel-title svg, .sm-quote *').length,
    badLinks: [...document.querySelectorAll('a[href]')].filter((a) => !/^(https?:|#)/.test(a.getAttribute('href'))).length,
    openerLinks: [...document.querySelectorAll('a[href^="http"]')].filter((a) => a.rel !== 'noopener noreferrer').length,
    csp: window.__csp,
  }));
  assert.equal(found.xss, undefined, `${who}: injected code ran`);
  assert.equal(found.handlers, 0, `${who}: an element has an on* attribute`);
  assert.equal(found.foreign, 0, `${who}: markup from user text reached the DOM`);
  assert.equal(found.svgInText, 0, `${who}: markup inside user text`);
  assert.equal(found.badLinks, 0, `${who}: a non-http link was rendered`);
  assert.equal(found.openerLinks, 0, `${who}: an external link without rel=noopener noreferrer`);
  assert.deepEqual(found.csp, [], `${who}: CSP violations`);
}

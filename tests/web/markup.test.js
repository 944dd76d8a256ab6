// The web client's safe markup renderer (web/js/markup.js), run in a real
// browser page served by tandemd: inputs map to the expected DOM shape, and
// nothing but text, <strong>, <em>, <code>, emoji and mention <span>, lists
// and http(s) <a> ever comes out.
//
// Run: cd tests && node --test web/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startServer } from '../lib/server.js';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// [input, expected]: expected is a list of strings (text nodes) and
// [tag, attrs, ...children] arrays.
const LINK = (href, text) => ['a', { href, rel: 'noopener noreferrer', target: '_blank' }, text || href];
const CASES = [
  ['plain text', ['plain text']],
  ['a **b** c', ['a ', ['strong', {}, 'b'], ' c']],
  ['_x_ y', [['em', {}, 'x'], ' y']],
  ['snake_case_name stays', ['snake_case_name stays']],
  ['`<b>hi</b>` and `x`', [['code', {}, '<b>hi</b>'], ' and ', ['code', {}, 'x']]],
  ['**bold _it_**', [['strong', {}, 'bold ', ['em', {}, 'it']]]],
  ['**unclosed and _open', ['**unclosed and _open']],
  ['** spaced **', ['** spaced **']],
  ['line one\nline **two**', ['line one\nline ', ['strong', {}, 'two']]],
  ['see https://example.com/x).', ['see ', LINK('https://example.com/x'), ').']],
  ['https://en.wikipedia.org/wiki/A_(b)', [LINK('https://en.wikipedia.org/wiki/A_(b)')]],
  ['HTTP://EXAMPLE.COM/Path', [LINK('http://example.com/Path', 'HTTP://EXAMPLE.COM/Path')]],
  ['http://', ['http://']],
  ['javascript:alert(1)', ['javascript:alert(1)']],
  ['[x](javascript:alert(1))', ['[x](javascript:alert(1))']],
  ['data:text/html,<script>alert(1)</script>', ['data:text/html,<script>alert(1)</script>']],
  ['<img src=x onerror=alert(1)>', ['<img src=x onerror=alert(1)>']],
  ['`https://example.com`', [['code', {}, 'https://example.com']]],
  ['https://example.com/"><svg onload=alert(1)>', [LINK('https://example.com/'), '"><svg onload=alert(1)>']],
  ['hi @ana, mail a@b.com or @team-sales. x@y', ['hi ', ['span', { class: 'mention' }, '@ana'], ', mail a@b.com or ', ['span', { class: 'mention' }, '@team-sales'], '. x@y']],
  [':tada: shipped :nope: :+1:', [['span', { class: 'emoji', title: ':tada:' }, '🎉'], ' shipped :nope: ', ['span', { class: 'emoji', title: ':+1:' }, '👍']]],
  ['plan:\n- one\n- **two**\n1. first\nafter', ['plan:', ['ul', {}, ['li', {}, 'one'], ['li', {}, ['strong', {}, 'two']]], ['ol', {}, ['li', {}, 'first']], 'after']],
  ['-not a list\n* <script>x</script>', ['-not a list', ['ul', {}, ['li', {}, '<script>x</script>']]]],
  ['x https://a.example/p?q=1&r=<b>', ['x ', LINK('https://a.example/p?q=1&r=', 'https://a.example/p?q=1&r='), '<b>']],
];

test('markup renderer builds only safe nodes', { timeout: 60000 }, async (t) => {
  const srv = await startServer();
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
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(srv.url);
  const results = await page.evaluate(async (inputs) => {
    const { renderMarkup } = await import('/js/markup.js');
    const shape = (node) => {
      if (node.nodeType === Node.TEXT_NODE) return node.data;
      const attrs = {};
      for (const a of node.attributes) attrs[a.name] = a.value;
      return [node.localName, attrs, ...[...node.childNodes].map(shape)];
    };
    return inputs.map((input) => {
      const div = document.createElement('div');
      div.appendChild(renderMarkup(input));
      div.normalize();
      return [...div.childNodes].map(shape);
    });
  }, CASES.map(([input]) => input));
  CASES.forEach(([input, expected], i) => {
    assert.deepEqual(results[i], expected, `markup of ${JSON.stringify(input)}`);
  });
  assert.deepEqual(errors, []);
  await browser.close();
  browser = null;
  const exit = await srv.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, `tandemd exit: ${srv.stderr()}`);
});

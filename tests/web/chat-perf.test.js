// Browser benchmark of a long channel: 10,000 messages posted through the
// protocol (several connections, each under the rate limit), then the web
// client opens the channel and scrolls to its very beginning, paging on
// demand. It PRINTS the figures (first paint of the messages, time and
// pages to reach the top, frame lengths, DOM size) and asserts only
// correctness: the oldest message is reached, every message is shown on the
// way, rows are never duplicated and always in order, the DOM stays bounded
// (the list is windowed), and the page stays free of errors.
//
// Run: cd tests && node --test web/chat-perf.test.js
// (TANDEM_PERF_MESSAGES=n changes the size.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, registerUser } from '../lib/server.js';
import { launch, signedInPage, cspViolations, shot, fill, WAIT } from './browser.js';

const COUNT = Number(process.env.TANDEM_PERF_MESSAGES || 10000);

// Runs in the page before its scripts: note when the first message row
// appears in the log, and every frame's length.
function probe() {
  window.__perf = { firstMsg: 0, frames: [] };
  new MutationObserver((_, obs) => {
    if (document.querySelector('#message-log .msg')) {
      window.__perf.firstMsg = performance.now();
      obs.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
  let last = 0;
  const tick = (now) => {
    if (last) window.__perf.frames.push(now - last);
    last = now;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

test(`web chat: a channel of ${COUNT} messages opens and scrolls to the top`, { timeout: 240000 }, async (t) => {
  const srv = await startServer({ args: ['--open-registration'] });
  let browser = null;
  t.after(async () => {
    if (browser) await browser.close().catch(() => {});
    await srv.stop();
  });
  const ana = await registerUser(srv, { handle: 'ana', displayName: 'Ana Reyes', team: 'sales' });
  const big = (await ana.client.ok('conv.create', { kind: 'channel', name: 'big' })).conversation;
  const t0 = Date.now();
  await fill(srv, ana.token, big.id, COUNT, (i) => `msg ${i} of the long channel`, 20);
  console.log(`# filled ${COUNT} messages in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  browser = await launch();
  const problems = [];
  const a = await signedInPage(browser, srv, 'ana', ana.token, problems, `#/c/${big.id}`, { init: probe });
  await a.locator('#message-log .msg', { hasText: `msg ${COUNT - 1} of` }).waitFor(WAIT);
  const first = await a.evaluate(() => ({
    firstMsg: window.__perf.firstMsg,
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime || 0,
  }));
  console.log(`# first contentful paint ${first.fcp.toFixed(0)} ms, first message rows ${first.firstMsg.toFixed(0)} ms after navigation start`);
  await shot(a, 'chat-10-long-channel');

  // Scroll to the top repeatedly, as a reader dragging the scrollbar would,
  // until the beginning of the channel is shown.
  const run = await a.evaluate(async () => {
    const log = document.getElementById('message-log');
    window.__perf.frames = [];
    const start = performance.now();
    let scrolls = 0;
    const seen = new Set();
    let maxRows = 0;
    let bad = '';
    const look = () => {
      const ids = [...log.querySelectorAll('.msg[data-id]')].map((e) => Number(e.dataset.id));
      maxRows = Math.max(maxRows, ids.length);
      for (let i = 1; i < ids.length; i += 1) if (ids[i] <= ids[i - 1]) bad = `rows out of order or repeated at ${ids[i]}`;
      for (const id of ids) seen.add(id);
    };
    look();
    while (!document.querySelector('#message-log .log-start')) {
      log.scrollTop = 0;
      log.dispatchEvent(new Event('scroll'));
      scrolls += 1;
      await new Promise((r) => setTimeout(r, 16));
      look();
      if (performance.now() - start > 180000) break;
    }
    const frames = window.__perf.frames.slice().sort((x, y) => x - y);
    return {
      ms: performance.now() - start,
      scrolls,
      longest: frames.length ? frames[frames.length - 1] : 0,
      p95: frames.length ? frames[Math.floor(frames.length * 0.95)] : 0,
      frames: frames.length,
      nodes: document.getElementsByTagName('*').length,
      rows: log.querySelectorAll('.msg').length,
      maxRows,
      seen: seen.size,
      bad,
      loaded: window.tandem.store.history(window.tandem.store.active).byId.size,
    };
  });
  console.log(`# reached the top in ${(run.ms / 1000).toFixed(2)} s (${run.scrolls} scroll steps); frames: ${run.frames}, p95 ${run.p95.toFixed(1)} ms, longest ${run.longest.toFixed(1)} ms; DOM ${run.nodes} elements, ${run.rows} message rows (at most ${run.maxRows})`);

  assert.equal(run.bad, '', 'rows in id order, never twice');
  assert.equal(run.seen, COUNT, 'every message was shown on the way up');
  assert.equal(run.loaded, COUNT, 'every message loaded once');
  assert.ok(run.maxRows <= 260, `the DOM stays bounded (${run.maxRows} rows)`);
  await a.locator('#message-log .msg', { hasText: 'msg 0 of' }).waitFor(WAIT);
  assert.ok(await a.locator('#message-log .msg', { hasText: 'msg 0 of' }).isVisible(), 'the oldest message is on screen');
  await shot(a, 'chat-11-long-channel-top');

  // Scrolling down again moves the window forward over loaded messages.
  const down = await a.evaluate(async () => {
    const log = document.getElementById('message-log');
    const firstId = () => Number(log.querySelector('.msg[data-id]').dataset.id);
    const from = firstId();
    let ordered = true;
    let maxRows = 0;
    for (let i = 0; i < 10; i += 1) {
      log.scrollTop = log.scrollHeight;
      log.dispatchEvent(new Event('scroll'));
      await new Promise((r) => setTimeout(r, 50));
      const ids = [...log.querySelectorAll('.msg[data-id]')].map((e) => Number(e.dataset.id));
      maxRows = Math.max(maxRows, ids.length);
      for (let k = 1; k < ids.length; k += 1) if (ids[k] <= ids[k - 1]) ordered = false;
    }
    return { from, to: firstId(), ordered, maxRows };
  });
  assert.ok(down.ordered, 'rows stay in order while scrolling down');
  assert.ok(down.to > down.from, `the window moved forward (${down.from} -> ${down.to})`);
  assert.ok(down.maxRows <= 260, `bounded while scrolling down (${down.maxRows} rows)`);

  // Back to the newest in one click: the window moves, the DOM stays bounded.
  await a.locator('.jump').click();
  await a.locator('#message-log .msg', { hasText: `msg ${COUNT - 1} of` }).waitFor(WAIT);
  const back = await a.evaluate(() => {
    const log = document.getElementById('message-log');
    return { rows: log.querySelectorAll('.msg').length, atBottom: log.scrollHeight - log.scrollTop - log.clientHeight < 100 };
  });
  assert.ok(back.rows <= 260 && back.atBottom, `at the newest message with ${back.rows} rows`);

  assert.deepEqual(await cspViolations(a), [], 'CSP violations');
  assert.deepEqual(problems, [], 'console errors or page errors');
  await browser.close();
  browser = null;
  const exit = await srv.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, `tandemd exit: ${srv.stderr()}`);
});

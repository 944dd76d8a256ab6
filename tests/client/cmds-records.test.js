// One-shot commands of the terminal client for content requests, feedback
// items, the buddy pair and the dashboard, against the real tandemd: text
// output (tables fit 80 columns), --json shapes, error exits (usage 2,
// authentication 3, not found 4, network 5, refusals 1), SLA states on the
// test clock, and hostile titles from a fake server printed inertly.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { registerUser } from '../lib/server.js';
import {
  cleanup, server, stopServer, tmpHome, run, ok, fails, cliUser, jsonLines, fakeServer, dangerousBytes, width,
} from './cmds-lib.js';

after(cleanup);

const T0 = Date.UTC(2030, 0, 7, 9, 0, 0); // a Monday, 09:00 UTC
const HOUR = 3600000;

// A workspace: boss (admin, first user), ana (sales) and cat (marketing).
async function workspace(args = []) {
  const srv = await server({ args });
  const boss = await registerUser(srv, { handle: 'boss', team: 'other' });
  const ana = await cliUser(srv, 'ana', 'sales');
  const cat = await cliUser(srv, 'cat', 'marketing');
  return { srv, boss, ana, cat };
}

const idOf = (r, what) => Number(r.stdout.match(new RegExp(`${what} #(\\d+)`))[1]);

test('request new, requests, show, assign, move, deliver: text and --json', { timeout: 90000 }, async () => {
  const { srv, boss, ana, cat } = await workspace();
  let r = await ok(ana.home, ['request', 'new', '--kind', 'case-study', '--title', 'Case study: a bank',
    '--body', '-', '--account', 'Acme Bank', '--deal', 'Acme renewal', '--stage', 'proposal', '--value', '120k',
    '--due', '2099-06-30', '--priority', 'high'], { input: 'Results with numbers.\nA bank of our size.\n' });
  assert.match(r.stdout, /^filed request #\d+ \(new\): Case study: a bank$/m);
  const id = idOf(r, 'request');
  r = await ok(ana.home, ['--json', 'request', 'new', '--kind', 'battle_card', '--title', 'Battle card: Globex',
    '--body', 'How do we win against Globex?']);
  const second = JSON.parse(r.stdout);
  assert.equal(r.lines.length, 1);
  assert.equal(second.kind, 'battle_card');
  assert.equal(second.status, 'new');
  assert.equal(second.priority, 'normal');
  assert.equal(second.sla.first_response.state, 'running');

  // The queue: a header and one row per request, within 80 columns.
  r = await ok(cat.home, ['requests']);
  assert.match(r.lines[0], /^ID +STATUS +KIND +TITLE +FROM +ASSIGNEE +DUE +VALUE +SLA$/);
  assert.equal(r.lines.length, 3, r.stdout);
  for (const l of r.lines) assert.ok(width(l) <= 80, `"${l}" is ${width(l)} columns`);
  const row = r.lines.find((l) => l.startsWith(`${id} `));
  assert.match(row, /^\d+ +new +case +Case study: a … @ana +- +in \d+d +120k +ok$/);
  r = await ok(cat.home, ['--json', 'requests', '--sort', 'newest']);
  assert.deepEqual(jsonLines(r).map((q) => q.id), [second.id, id]);
  assert.equal(jsonLines(r)[1].value, 120000);
  assert.equal(jsonLines(r)[1].due, Date.UTC(2099, 5, 30, 23, 59));
  r = await ok(cat.home, ['--json', 'requests', '--sort', 'newest', '--limit', '1', '--offset', '1']);
  assert.deepEqual(jsonLines(r).map((q) => q.id), [id]);
  r = await ok(cat.home, ['requests', '--sort', 'newest', '--limit', '1']);
  assert.match(r.stderr, /more requests follow: use --offset/);

  // Triage by the marketer.
  r = await ok(cat.home, ['request', 'assign', String(id), '@cat']);
  assert.match(r.stdout, /^assigned request #\d+ \(new\)/);
  r = await ok(cat.home, ['request', 'move', String(id), 'accepted']);
  assert.match(r.stdout, /\(accepted\)/);
  r = await ok(cat.home, ['--json', 'request', 'move', `#${id}`, 'in-progress']);
  assert.equal(JSON.parse(r.stdout).status, 'in_progress');
  r = await ok(cat.home, ['request', 'deliver', String(id), 'https://example.com/bank-case.pdf',
    '--note', 'Numbers on page 2']);
  assert.match(r.stdout, /^delivered request #\d+ \(delivered\)/);

  // The requester's verdict on the asset.
  r = await ok(ana.home, ['request', 'verdict', String(id), 'helped', '--deal', 'Initech', '--note', 'Won it']);
  assert.match(r.stdout, /^recorded a verdict on request #\d+ \(delivered\)/);
  await fails(cat.home, ['request', 'verdict', String(id), 'helped'], 1, 'forbidden');
  await fails(ana.home, ['request', 'verdict', String(second.id), 'helped'], 1, 'conflict');

  // Filters.
  r = await ok(ana.home, ['--json', 'requests', '--assignee', 'cat', '--status', 'delivered']);
  assert.deepEqual(jsonLines(r).map((q) => q.id), [id]);
  r = await ok(ana.home, ['--json', 'requests', '--assignee', 'none']);
  assert.deepEqual(jsonLines(r).map((q) => q.id), [second.id]);
  r = await ok(cat.home, ['--json', 'requests', '--mine']);
  assert.deepEqual(jsonLines(r), [], 'cat filed nothing');
  r = await ok(ana.home, ['--json', 'requests', '--mine', '--kind', 'battle-card']);
  assert.deepEqual(jsonLines(r).map((q) => q.id), [second.id]);
  r = await ok(ana.home, ['requests', '--account', 'nobody inc']);
  assert.equal(r.stdout, 'no requests\n');

  // Everything about one request.
  r = await ok(ana.home, ['request', 'show', String(id)]);
  for (const re of [/^Request #\d+: Case study: a bank$/m, /^Status: +delivered$/m, /^Requester: +@ana$/m,
    /^Assignee: +@cat$/m, /^Account: +Acme Bank$/m, /^Deal: +Acme renewal$/m, /^Stage: +proposal$/m,
    /^Value: +120000$/m, /^Due: +2099-06-30 23:59 UTC \(in \d+d\)$/m, /^SLA response: +met \(target 4h, due /m,
    /^SLA delivery: +met \(target 5d, due /m,
    /^Asset: +https:\/\/example\.com\/bank-case\.pdf \(delivered .* by @cat\)$/m, /^Note: +Numbers on page 2$/m,
    /^Verdicts: +helped 1, fell flat 0, outdated 0\n {2}@ana helped \(deal Initech\): Won it$/m,
    /^Watchers: +@ana, @cat$/m, /^ {4}Results with numbers\.\n {4}A bank of our size\.$/m])
    assert.match(r.stdout, re);
  r = await ok(ana.home, ['--json', 'request', 'show', String(id)]);
  const full = JSON.parse(r.stdout);
  assert.equal(full.asset.url, 'https://example.com/bank-case.pdf');
  assert.equal(full.asset.note, 'Numbers on page 2');
  assert.equal(full.watchers.length, 2);
  assert.deepEqual(full.verdicts.map((v) => [v.verdict, v.deal, v.note]), [['helped', 'Initech', 'Won it']]);

  // The template of a kind, for a script to fill in.
  r = await ok(ana.home, ['request', 'template', 'case_study']);
  assert.ok(r.lines.length >= 2, r.stdout);
  r = await ok(ana.home, ['--json', 'request', 'template', 'deck']);
  assert.equal(JSON.parse(r.stdout).kind, 'deck');

  // Errors: usage 2, not found 4, refusals 1, authentication 3, network 5.
  for (const args of [['request'], ['request', 'bogus'], ['request', 'show'], ['request', 'show', 'abc'],
    ['request', 'new', '--title', 'x', '--body', 'y'], ['request', 'new', '--kind', 'poem', '--title', 'x', '--body', 'y'],
    ['request', 'new', '--kind', 'deck', '--title', 'x'], ['request', 'new', '--kind', 'deck', '--title', 'x',
      '--body', 'y', '--due', 'tomorrow'], ['request', 'new', '--kind', 'deck', '--title', 'x', '--body', 'y',
      '--value', '-5'], ['request', 'move', String(id), 'finished'], ['request', 'move', String(id), 'delivered'],
    ['request', 'deliver', String(id), 'ftp://x'], ['requests', '--sort', 'random'], ['requests', '--limit', '101'],
    ['requests', '--status'], ['requests', '--offset', '-1'], ['request', 'show', '1', '--title', 'x'], ['request', 'verdict', String(id), 'great']])
    await fails(ana.home, args, 2, 'usage');
  await fails(ana.home, ['request', 'show', '999999'], 4, 'not_found');
  await fails(cat.home, ['request', 'assign', String(id), 'nobody'], 4, 'not_found');
  await fails(ana.home, ['request', 'assign', String(second.id), 'cat'], 1, 'forbidden');
  await fails(cat.home, ['request', 'move', String(second.id), 'in_review'], 1, 'conflict');
  await fails(ana.home, ['--token', 'A'.repeat(43), 'requests'], 3, 'bad_token');
  await fails(tmpHome(), ['--server', srv.wsUrl, 'request', 'show', String(id)], 3, 'unauthenticated');
  boss.client.close();
  await stopServer(srv);
  await fails(ana.home, ['requests'], 5, 'network');
  await fails(ana.home, ['request', 'show', String(id)], 5, 'network');
  // Arguments are checked before connecting: a usage error stays one.
  await fails(ana.home, ['request', 'show', 'abc'], 2, 'usage');
  await fails(ana.home, ['requests', '--kind', 'poem'], 2, 'usage');
});

test('requests shows SLA states on the test clock: ok, paused, breach', { timeout: 60000 }, async () => {
  const { boss, ana, cat } = await workspace(['--test-clock', String(T0)]);
  let r = await ok(ana.home, ['--json', 'request', 'new', '--kind', 'deck', '--title', 'Urgent deck',
    '--body', 'For Friday', '--priority', 'urgent']);
  const urgent = JSON.parse(r.stdout).id;
  r = await ok(ana.home, ['--json', 'request', 'new', '--kind', 'video', '--title', 'Waiting video',
    '--body', 'A demo video', '--priority', 'urgent']);
  const waiting = JSON.parse(r.stdout).id;
  await ok(cat.home, ['request', 'move', String(waiting), 'accepted']);
  await ok(cat.home, ['request', 'move', String(waiting), 'waiting_on_requester']);
  r = await ok(cat.home, ['requests']);
  const sla = (id) => r.lines.find((l) => l.startsWith(`${id} `)).split(/ +/).pop();
  assert.equal(sla(urgent), 'ok');
  assert.equal(sla(waiting), 'paused');
  assert.match(r.lines.find((l) => l.startsWith(`${waiting} `)), / waiting /);
  // Two hours later the urgent request's first response (1 h) breached.
  await boss.client.ok('test.clock', { at: T0 + 2 * HOUR });
  r = await ok(cat.home, ['requests']);
  assert.equal(sla(urgent), 'breach');
  assert.equal(sla(waiting), 'paused');
  r = await ok(cat.home, ['--json', 'request', 'show', String(urgent)]);
  assert.equal(JSON.parse(r.stdout).sla.first_response.state, 'breached');
  r = await ok(cat.home, ['request', 'show', String(urgent)]);
  assert.match(r.stdout, /^SLA response: +breached \(target 1h, due .*, breached 2030-01-07 10:00 UTC\)$/m);
  boss.client.close();
});

test('feedback new, list, show, vote, status, to-request', { timeout: 90000 }, async () => {
  const { boss, ana, cat } = await workspace();
  let r = await ok(ana.home, ['feedback', 'new', '--kind', 'objection', '--body', '-', '--account', 'Acme Corp',
    '--competitor', 'Globex', '--stage', 'proposal', '--value', '48000'],
  { input: 'Too expensive for a team of five.\nThey compared us with Globex.\n' });
  assert.match(r.stdout, /^filed feedback #\d+ \(new, 0 votes\): Too expensive for a team of five\.$/m);
  const fb = idOf(r, 'feedback');
  r = await ok(ana.home, ['--json', 'feedback', 'new', '--kind', 'content_idea', '--title', 'A webinar',
    '--body', 'Customers ask for a webinar on onboarding']);
  const idea = JSON.parse(r.stdout);
  assert.equal(idea.title, 'A webinar');
  assert.equal(idea.kind, 'content_idea');

  r = await ok(cat.home, ['feedback', 'vote', String(fb), '--weight', 'deal-blocker', '--account', 'First Savings',
    '--value', '35000', '--stage', 'demo']);
  assert.match(r.stdout, /^voted on feedback #\d+ \(new, 1 votes\)/);
  r = await ok(cat.home, ['--json', 'feedback', 'vote', String(idea.id)]);
  assert.equal(JSON.parse(r.stdout).weights.nice_to_have, 1, 'the default weight');

  r = await ok(ana.home, ['feedback']);
  assert.match(r.lines[0], /^ID +STATUS +KIND +TITLE +VOTES +VALUE +FROM$/);
  for (const l of r.lines) assert.ok(width(l) <= 80, `"${l}" is ${width(l)} columns`);
  assert.match(r.lines.find((l) => l.startsWith(`${fb} `)), /^\d+ +new +objection +Too expensive for a team … +1 83k +@ana$/);
  r = await ok(ana.home, ['--json', 'feedback', 'list', '--competitor', 'globex']);
  assert.deepEqual(jsonLines(r).map((x) => x.id), [fb]);
  assert.equal(jsonLines(r)[0].value_total, 83000);
  r = await ok(ana.home, ['--json', 'feedback', 'list', '--kind', 'content-idea', '--sort', 'newest']);
  assert.deepEqual(jsonLines(r).map((x) => x.id), [idea.id]);
  r = await ok(ana.home, ['--json', 'feedback', '--sort', 'newest', '--offset', '1']);
  assert.deepEqual(jsonLines(r).map((x) => x.id), [fb]);

  r = await ok(ana.home, ['feedback', 'show', String(fb)]);
  for (const re of [/^Feedback #\d+: Too expensive for a team of five\.$/m, /^Status: +new$/m, /^Kind: +objection$/m,
    /^Author: +@ana$/m, /^Competitor: +Globex$/m, /^Stage: +proposal$/m,
    /^Votes: +1 \(nice to have 0, important 0, deal blocker 1\); deal value affected 83000$/m,
    /^ {2}@cat deal_blocker, First Savings, value 35000, demo, /m, /^Accounts: +Acme Corp, First Savings$/m,
    /^ {4}They compared us with Globex\.$/m])
    assert.match(r.stdout, re);
  r = await ok(ana.home, ['--json', 'feedback', 'show', String(fb)]);
  assert.equal(JSON.parse(r.stdout).vote_list[0].weight, 'deal_blocker');

  r = await ok(cat.home, ['feedback', 'status', String(fb), 'planned']);
  assert.match(r.stdout, /^moved feedback #\d+ \(planned/);
  await fails(ana.home, ['feedback', 'status', String(idea.id), 'planned'], 1, 'forbidden');
  await fails(cat.home, ['feedback', 'status', String(fb), 'acknowledged'], 1, 'conflict');
  await fails(ana.home, ['feedback', 'vote', String(fb)], 1, 'conflict');

  r = await ok(cat.home, ['--json', 'feedback', 'to-request', String(fb), '--priority', 'high',
    '--body', 'Please make a battle card']);
  const req = JSON.parse(r.stdout);
  assert.equal(req.kind, 'battle_card');
  assert.equal(req.priority, 'high');
  assert.deepEqual(req.feedback, [fb]);
  r = await ok(ana.home, ['feedback', 'show', String(fb)]);
  assert.match(r.stdout, new RegExp(`^Requests: +#${req.id}$`, 'm'));

  for (const args of [['feedback', 'new', '--body', 'x'], ['feedback', 'new', '--kind', 'rumour', '--body', 'x'],
    ['feedback', 'new', '--kind', 'objection'], ['feedback', 'vote', String(fb), '--weight', 'huge'],
    ['feedback', 'status', String(fb), 'finished'], ['feedback', 'show', '0'], ['feedback', 'list', '--sort', 'x'],
    ['feedback', 'bogus', '1'], ['feedback', 'to-request', 'x']])
    await fails(ana.home, args, 2, 'usage');
  await fails(ana.home, ['feedback', 'show', '999999'], 4, 'not_found');
  await fails(ana.home, ['feedback', 'to-request', '999999'], 4, 'not_found');
  boss.client.close();
});

test('buddy and dashboard', { timeout: 60000 }, async () => {
  const { boss, ana, cat } = await workspace();
  let r = await ok(ana.home, ['buddy']);
  assert.equal(r.stdout, 'no buddy: you are in no active pair\n');
  r = await ok(ana.home, ['--json', 'buddy']);
  assert.deepEqual(JSON.parse(r.stdout), { pair: null });

  await ok(ana.home, ['request', 'new', '--kind', 'deck', '--title', 'Deck for banks', '--body', 'Slides']);
  const users = (await boss.client.ok('user.list')).users;
  const idh = (h) => users.find((u) => u.handle === h).id;
  const pair = (await boss.client.ok('pair.create', { rep: idh('ana'), marketer: idh('cat') })).pair;
  r = await ok(ana.home, ['buddy']);
  assert.match(r.stdout, /^Buddy: +@cat \(cat display, marketing\)$/m);
  assert.match(r.stdout, new RegExp(`^Conversation: +${pair.conv} `, 'm'));
  assert.match(r.stdout, /^Streak: +0 working days; written today: no$/m);
  assert.match(r.stdout, /^Paired: .* \(by hand\)$/m);
  assert.match(r.stdout, /^Starter:\n {4}New buddy pair[^]*"Deck for banks"/m, 'the starter names the open request');
  await ok(cat.home, ['post', String(pair.conv), 'Morning Ana!']);
  r = await ok(ana.home, ['--json', 'buddy']);
  const b = JSON.parse(r.stdout);
  assert.equal(b.conv, pair.conv);
  assert.equal(b.buddies[0].handle, 'cat');
  assert.equal(b.today, true);

  r = await ok(ana.home, ['dashboard']);
  for (const re of [/^Team dashboard, \d{4}-\d\d-\d\d \d\d:\d\d UTC$/m, /^Requests$/m, /^ {2}Open: +1$/m,
    /^ {2}By status: +new 1$/m, /^Feedback$/m, /^ {2}Spikes: +none$/m, /^Buddy pairs$/m,
    /^ {2}Active: +1 \(talking 1, silent 0 in the last 7 days\)$/m, /^ {2}Messages: +1 \(last 7 days\)$/m])
    assert.match(r.stdout, re);
  r = await ok(ana.home, ['--json', 'dashboard']);
  const d = JSON.parse(r.stdout);
  assert.equal(r.lines.length, 1);
  assert.equal(d.requests.open, 1);
  assert.equal(d.pairs.active, 1);
  assert.equal(d.feedback.daily_by_kind.objection.length, 30);
  await fails(ana.home, ['buddy', 'extra'], 2, 'usage');
  await fails(ana.home, ['--token', 'B'.repeat(43), 'dashboard'], 3, 'bad_token');
  boss.client.close();
});

// Every text member a hostile server could fill, with terminal controls.
const EVIL = 'x\x1b[2J\x1b]0;pwned\x07\u009b31m\u202eevil\u202c\x7fy';

function hostileReplies(req) {
  const user = { id: 1, handle: 'ana', display_name: `Ana ${EVIL}`, team: 'sales', role: 'member' };
  const clock = { target: 60, due_at: 1, stopped_at: 0, breached_at: 0, state: `run${EVIL}` };
  const request = { id: 7, conv: 3, kind: `deck${EVIL}`, title: `Title ${EVIL}`, body: `Body ${EVIL}\nline 2`,
    account: `Acme ${EVIL}`, deal: `Deal ${EVIL}`, stage: `stage${EVIL}`, value: 5, due: 0, priority: `p${EVIL}`,
    status: `new${EVIL}`, reason: `r${EVIL}`, requester: 1, assignee: 0, created_at: 1, updated_at: 1,
    sla: { first_response: clock, delivery: clock },
    asset: { url: `https://x/${EVIL}`, note: `note ${EVIL}`, delivered_at: 1, by: 1 },
    verdict_counts: { helped: 0, fell_flat: 0, outdated: 0 }, feedback: [],
    watchers: [1], verdicts: [{ user: 1, verdict: `v${EVIL}`, note: `n${EVIL}`, deal: `d${EVIL}`, created_at: 1 }] };
  const feedback = { id: 9, conv: 4, kind: `k${EVIL}`, title: `Fb ${EVIL}`, body: `said ${EVIL}`,
    account: `a${EVIL}`, competitor: `c${EVIL}`, stage: `s${EVIL}`, value: 1, status: `st${EVIL}`, author: 1,
    created_at: 1, updated_at: 1, votes: 1, weights: {}, accounts: [`acc${EVIL}`], value_total: 1, voted: false,
    requests: [], vote_list: [{ user: 1, account: `va${EVIL}`, weight: `w${EVIL}`, value: 1, stage: `vs${EVIL}`,
      created_at: 1 }] };
  const pair = { id: 1, rep: 1, marketer: 2, third: 0, round: 0, conv: 3, created_at: 0, ended_at: 0, created_by: 1 };
  switch (req.op) {
    case 'hello': return { head: 0, user };
    case 'user.list': return { users: [{ ...user, handle: `ana${EVIL}` }] };
    case 'request.get': return { request };
    case 'request.list': return { requests: [request], more: false };
    case 'request.templates': return { templates: [{ kind: 'deck', title: `t${EVIL}`, body: `q ${EVIL}` }] };
    case 'feedback.get': return { feedback };
    case 'feedback.list': return { feedback: [feedback], more: false };
    case 'buddy.get': return { pair, buddies: [{ ...user, id: 2 }], conv: 3, streak: 0, today: false };
    case 'msg.history': return { messages: [{ id: 1, conv: 3, author: 1, body: `starter ${EVIL}`, nonce: '',
      created_at: 0, edited_at: 0, deleted: false, system: true }], more: false };
    case 'search': return { results: [{ message: { id: 5, conv: 3, author: 1, body: `b ${EVIL}`, nonce: '',
      created_at: 1, edited_at: 0, deleted: false }, snippet: `s \u0002hit${EVIL}\u0003 ${EVIL}` }], more: false };
    case 'conv.get': return { conversation: { id: 3, kind: 'request', name: '', topic: `topic ${EVIL}`,
      private: false, archived: false, created_by: 1, created_at: 1, last_message_id: 5, member_count: 1,
      member: true }, members: [1] };
    case 'dashboard': return { dashboard: { time: 1, requests: { by_status: { [`new${EVIL}`]: 1 } },
      feedback: { spikes: [{ dimension: `d${EVIL}`, key: `k${EVIL}`, last_7_days: 3, ratio: 3 }],
        top_by_votes: [{ id: 1, title: `top ${EVIL}`, votes: 1, value_total: 1 }] }, pairs: {} } };
    default: return null;
  }
}

test('hostile text from a server reaches the terminal inert', { timeout: 60000 }, async () => {
  const fake = await fakeServer((ws, req) => {
    const result = hostileReplies(req);
    ws.send(JSON.stringify(result ? { id: req.id, result } : { id: req.id, error: { code: 'unknown_op', message: EVIL } }));
  });
  try {
    const base = ['--server', fake.url, '--token', 'A'.repeat(43)];
    for (const args of [['request', 'show', '7'], ['requests'], ['request', 'template', 'deck'], ['feedback', 'show', '9'],
      ['feedback'], ['buddy'], ['dashboard'], ['search', 'hit']]) {
      for (const json of [[], ['--json']]) {
        const r = await run(tmpHome(), [...base, ...json, ...args]);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.deepEqual(dangerousBytes(r.out), [], `tandem ${json.join('')} ${args.join(' ')} printed:\n${r.stdout}`);
        assert.ok(r.stdout.includes(json.length ? '\\u001b[2J' : '\\x1b[2J'), `${args.join(' ')}: ${r.stdout}`);
      }
    }
    // An error message from the server is sanitized too.
    const r = await run(tmpHome(), [...base, 'request', 'move', '7', 'accepted']);
    assert.equal(r.code, 1);
    assert.deepEqual(dangerousBytes(Buffer.from(r.stderr)), []);
    assert.match(r.stderr, /\\x1b\[2J/);
  } finally {
    await fake.close();
  }
});

// Shared helpers of the one-shot command tests (tests/client/cmds-*.test.js):
// the real tandem binary run in a fresh HOME against the real tandemd, a
// fake server for hostile replies, and a detector of bytes a terminal would
// interpret. Everything started here is stopped by cleanup().

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { startServer, TANDEM, sleep } from '../lib/server.js';

export const PASSWORD = 'correct horse battery';
const servers = [];
const homes = [];
const children = new Set();

export async function cleanup() {
  for (const p of children) p.kill('SIGKILL');
  for (const s of servers) await stopServer(s);
  for (const d of new Set(servers.map((s) => s.dataDir))) fs.rmSync(d, { recursive: true, force: true });
  for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
}

// Stop a server: SIGTERM, then SIGKILL if it has not exited in 5 s.
export async function stopServer(srv) {
  const done = await Promise.race([srv.stop().then(() => true), sleep(5000).then(() => false)]);
  if (!done) await srv.kill9();
}

export async function server(opts = {}) {
  const srv = await startServer({ ...opts, args: ['--open-registration', ...(opts.args || [])] });
  servers.push(srv);
  return srv;
}

export function tmpHome() {
  const h = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-cmds-'));
  homes.push(h);
  return h;
}

function clientEnv(home, extra = {}) {
  const env = { ...process.env, HOME: home };
  for (const k of ['XDG_CONFIG_HOME', 'TANDEM_SERVER', 'TANDEM_TOKEN', 'TANDEM_INSECURE']) delete env[k];
  Object.assign(env, extra);
  env.ASAN_OPTIONS = process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0';
  return env;
}

// Start tandem; resolves when it exits with {code, out (Buffer), stdout,
// stderr, lines (stdout split into non-empty lines)}.
export function run(home, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(TANDEM, args, { env: clientEnv(home, opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(p);
    const out = [];
    let stderr = '';
    p.stdout.on('data', (d) => out.push(d));
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`tandem ${args.join(' ')} timed out`)); },
      opts.timeout || 20000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      children.delete(p);
      const buf = Buffer.concat(out);
      assert.doesNotMatch(stderr, /AddressSanitizer|LeakSanitizer|runtime error:/, `sanitizer report:\n${stderr}`);
      const stdout = buf.toString('utf8');
      resolve({ code, out: buf, stdout, stderr, lines: stdout.split('\n').filter((l) => l) });
    });
    p.stdin.on('error', () => {});
    p.stdin.end(opts.input ?? '');
  });
}

// Run and expect exit status 0; returns the result.
export async function ok(home, args, opts) {
  const r = await run(home, args, opts);
  assert.equal(r.code, 0, `tandem ${args.join(' ')}: ${r.stderr}`);
  return r;
}

// Run and expect `code`, with "tandem: <name>: " on stderr when name is given.
export async function fails(home, args, code, name, opts) {
  const r = await run(home, args, opts);
  assert.equal(r.code, code, `tandem ${args.join(' ')} should exit ${code}: ${r.stderr}`);
  if (name) assert.match(r.stderr, new RegExp(`^tandem: ${name}: `, 'm'), r.stderr);
  return r;
}

// Register a user through the CLI in a fresh HOME; returns {home, handle}.
export async function cliUser(srv, handle, team = 'sales') {
  const home = tmpHome();
  await ok(home, ['--server', srv.wsUrl, 'register', handle, '--team', team, '--name', `${handle} display`,
    '--password-stdin'], { input: `${PASSWORD}\n` });
  return { home, handle };
}

// The lines of --json output, parsed.
export const jsonLines = (r) => r.lines.map((l) => JSON.parse(l));

// A fake tandemd: onRequest(ws, request, connection number) answers.
export async function fakeServer(onRequest) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws', handleProtocols: () => 'tandem.v1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  let conns = 0;
  wss.on('connection', (ws) => {
    const conn = ++conns;
    ws.on('message', (data) => onRequest(ws, JSON.parse(String(data)), conn));
  });
  return {
    url: `ws://127.0.0.1:${wss.address().port}/ws`,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

// Bytes a terminal would interpret: ESC, C0 other than \n and \t, DEL, C1
// (UTF-8 c2 80..9f) and bidi embeddings/overrides/isolates.
export function dangerousBytes(buf) {
  const found = [];
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if ((b < 0x20 && b !== 0x0a && b !== 0x09) || b === 0x7f) found.push(`0x${b.toString(16)} at ${i}`);
    if (b === 0xc2 && i + 1 < buf.length && buf[i + 1] >= 0x80 && buf[i + 1] <= 0x9f) found.push(`C1 at ${i}`);
    if (b === 0xe2 && i + 2 < buf.length &&
        ((buf[i + 1] === 0x80 && buf[i + 2] >= 0xaa && buf[i + 2] <= 0xae) ||
         (buf[i + 1] === 0x81 && buf[i + 2] >= 0xa6 && buf[i + 2] <= 0xa9))) found.push(`bidi at ${i}`);
  }
  return found;
}

// Display width of a line in code points (the tables are plain text).
export const width = (line) => [...line].length;

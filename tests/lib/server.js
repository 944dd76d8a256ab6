// The black-box harness: start the real tandemd on 127.0.0.1 port 0 with a
// fresh data directory, talk to it through the real protocol, stop or crash
// it. Every integration, client and browser test builds on this file.
//
// The binary is $TANDEMD, else build-asan/tandemd at the repository root
// (the sanitizer build the README's test command makes).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TANDEMD = process.env.TANDEMD || path.join(ROOT, 'build-asan', 'tandemd');
export const TANDEM = process.env.TANDEM || path.join(ROOT, 'build-asan', 'tandem');

// Cheap Argon2id parameters for tests (libsodium's minimum); the production
// defaults are exercised by the unit tests and the benchmarks.
const FAST_HASH = ['--pwhash-ops', '1', '--pwhash-mem', '8192'];

// Start a server. opts.args: extra flags; opts.dataDir: reuse a directory
// (to restart on the same database); opts.fastHash: false for real costs.
export async function startServer(opts = {}) {
  const dataDir = opts.dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-test-'));
  const args = ['--port', String(opts.port || 0), '--data-dir', dataDir,
    '--web-root', path.join(ROOT, 'web'),
    ...(opts.fastHash === false ? [] : FAST_HASH), ...(opts.args || [])];
  const proc = spawn(TANDEMD, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0' },
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; if (process.env.TANDEM_DEBUG) process.stderr.write(d); });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`tandemd did not start: ${stderr}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on https?:\/\/[^:]+:(\d+)\//);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`tandemd exited ${code}: ${stderr}`)); });
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const srv = {
    port, dataDir, proc, exited,
    scheme: args.includes('--tls-cert') ? 'https' : 'http',
    get url() { return `${this.scheme}://127.0.0.1:${port}/`; },
    get wsUrl() { return `${this.scheme === 'https' ? 'wss' : 'ws'}://127.0.0.1:${port}/ws`; },
    stderr: () => stderr,
    // Clean stop (SIGTERM); resolves with the exit status. A sanitizer
    // report makes the exit code non-zero, which the tests assert on.
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
    // Crash: SIGKILL, no chance to flush anything.
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      return exited;
    },
  };
  return srv;
}

// A protocol client. request() resolves with the whole reply frame
// ({id, result} or {id, error}); events are collected in order.
export class Client {
  constructor(ws) {
    this.ws = ws;
    this.nextId = 1;
    this.pending = new Map();
    this.events = [];
    this.frames = [];
    this.waiters = [];
    this.lastSeq = 0;
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    ws.on('message', (data, isBinary) => {
      let frame;
      try {
        frame = JSON.parse(String(data));
      } catch (err) {
        // Not JSON: a protocol violation the tests must see.
        this.badFrames = (this.badFrames || 0) + 1;
        frame = { invalid: String(data) };
      }
      this.frames.push(frame);
      if (frame.event !== undefined) {
        if (frame.seq !== undefined) this.lastSeq = Math.max(this.lastSeq, frame.seq);
        this.events.push(frame);
      } else if (this.pending.has(frame.id)) {
        this.pending.get(frame.id)(frame);
        this.pending.delete(frame.id);
      }
      this.waiters = this.waiters.filter((w) => !w());
    });
  }

  // Send a request; resolves with the reply frame, rejects when no reply
  // comes within timeoutMs (the server answers every request exactly once).
  request(op, fields = {}, timeoutMs = 15000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to ${op} (id ${id}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (frame) => { clearTimeout(timer); resolve(frame); });
      this.ws.send(JSON.stringify({ op, id, ...fields }), (err) => {
        if (err) { clearTimeout(timer); this.pending.delete(id); reject(err); }
      });
    });
  }

  // Like request() but throws unless the reply is a result; returns result.
  async ok(op, fields = {}) {
    const r = await this.request(op, fields);
    if (!r.result) throw new Error(`${op} failed: ${JSON.stringify(r.error)}`);
    return r.result;
  }

  // Send a raw text (or Buffer) frame.
  sendRaw(data, opts = {}) { this.ws.send(data, opts); }

  // Resolve with the first event (already received or future) matching.
  waitEvent(pred, timeoutMs = 5000, from = 0) {
    if (typeof pred === 'string') { const name = pred; pred = (e) => e.event === name; }
    return new Promise((resolve, reject) => {
      const found = this.events.slice(from).find(pred);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error('timed out waiting for event')), timeoutMs);
      this.waiters.push(() => {
        const e = this.events.slice(from).find(pred);
        if (e) { clearTimeout(timer); resolve(e); return true; }
        return false;
      });
    });
  }

  // Resolve with the next raw frame matching pred.
  waitFrame(pred, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      const found = this.frames.find(pred);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error('timed out waiting for frame')), timeoutMs);
      this.waiters.push(() => {
        const f = this.frames.find(pred);
        if (f) { clearTimeout(timer); resolve(f); return true; }
        return false;
      });
    });
  }

  close() { this.ws.close(); return this.closed; }
  terminate() { this.ws.terminate(); return this.closed; }
}

// Open a WebSocket to the server. opts.origin sets the Origin header;
// opts.protocol overrides the subprotocol.
export function connect(srv, opts = {}) {
  const headers = {};
  if (opts.origin) headers.Origin = opts.origin;
  const ws = new WebSocket(opts.url || srv.wsUrl, opts.protocol || 'tandem.v1',
    { headers, rejectUnauthorized: false, maxPayload: 64 << 20 });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(new Client(ws)));
    ws.once('unexpected-response', (req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

let handleCounter = 0;
// A fresh unique handle for this test process.
export function uniqueHandle(prefix = 'u') {
  handleCounter += 1;
  return `${prefix}${process.pid % 10000}x${handleCounter}`;
}

// Register a user (the first on a server becomes admin; later ones need an
// invite unless the server runs with --open-registration) and return
// {client, user, token, head}.
export async function registerUser(srv, opts = {}) {
  const client = await connect(srv);
  const handle = opts.handle || uniqueHandle(opts.prefix || 'u');
  const fields = {
    handle,
    password: opts.password || 'correct horse battery',
    display_name: opts.displayName || handle,
    team: opts.team || 'sales',
  };
  if (opts.invite) fields.invite = opts.invite;
  const result = await client.ok('register', fields);
  return { client, user: result.user, token: result.token, head: result.head, password: fields.password };
}

// Connect and authenticate with a token (optionally resuming from `since`).
export async function resume(srv, token, since) {
  const client = await connect(srv);
  const fields = { token };
  if (since !== undefined) fields.since = since;
  const reply = await client.request('hello', fields);
  return { client, reply };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

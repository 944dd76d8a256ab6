// Driving `tandem`'s interactive mode inside a real terminal: a private
// tmux server per session (-L, unique socket), send-keys and capture-pane,
// and polling until the screen shows what a test waits for. Used by
// tui.test.js and escapes.test.js.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TANDEM, sleep } from '../lib/server.js';

let counter = 0;

export class Tmux {
  // Start `tandem` (no command) at cols x rows with server and token in
  // the environment, or with config: true in the config file instead.
  // Its stderr goes to a file; its exit status is written to another.
  constructor({ server, token, cols = 80, rows = 24, env = {}, config = false }) {
    counter += 1;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-tui-'));
    if (config) {
      fs.mkdirSync(path.join(this.dir, '.config', 'tandem'), { recursive: true, mode: 0o700 });
      fs.writeFileSync(path.join(this.dir, '.config', 'tandem', 'config'), `server = ${server}\ntoken = ${token}\n`, { mode: 0o600 });
    }
    this.sock = `tandem-tui-${process.pid}-${counter}`;
    this.errFile = path.join(this.dir, 'stderr');
    this.rcFile = path.join(this.dir, 'rc');
    const vars = {
      HOME: this.dir, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TERM: 'screen-256color',
      TANDEM_SERVER: config ? '' : server, TANDEM_TOKEN: config ? '' : token,
      ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0',
      UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || 'print_stacktrace=1',
      ...env,
    };
    const script = path.join(this.dir, 'run.sh');
    const exports = Object.entries(vars).map(([k, v]) => `export ${k}='${String(v).replace(/'/g, "'\\''")}'`).join('\n');
    fs.writeFileSync(script, `#!/bin/sh\n${exports}\nunset XDG_CONFIG_HOME\n'${TANDEM}' 2>'${this.errFile}'\necho $? >'${this.rcFile}.tmp'\nmv '${this.rcFile}.tmp' '${this.rcFile}'\nsleep 600\n`, { mode: 0o755 });
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-s', 't', '-x', String(cols), '-y', String(rows), script);
    this.tmux('set-option', '-t', 't', 'status', 'off');
    this.socketPath = this.tmux('display', '-p', '#{socket_path}').trim();
  }

  tmux(...args) {
    const r = spawnSync('tmux', ['-u', '-L', this.sock, ...args], { encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8' } });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  keys(...keys) { this.tmux('send-keys', '-t', 't', ...keys); }
  type(text) { this.tmux('send-keys', '-t', 't', '-l', text); }
  screen(escapes = false) { return this.tmux('capture-pane', '-p', '-t', 't', ...(escapes ? ['-e'] : [])); }
  title() { return this.tmux('display', '-p', '-t', 't', '#{pane_title}').trim(); }
  resize(cols, rows) { this.tmux('resize-window', '-t', 't', '-x', String(cols), '-y', String(rows)); }

  // Poll the screen until test(screen) is true; throw with the screen.
  async waitFor(test, what, timeoutMs = 10000) {
    const fn = typeof test === 'function' ? test : (s) => (test instanceof RegExp ? test.test(s) : s.includes(test));
    const end = Date.now() + timeoutMs;
    let s = '';
    while (Date.now() < end) {
      s = this.screen();
      if (fn(s)) return s;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what || test}; screen:\n${s}`);
  }

  // The pid of `tandem` itself (the child of the pane's shell).
  pid() {
    const shell = this.tmux('display', '-p', '-t', 't', '#{pane_pid}').trim();
    const r = spawnSync('pgrep', ['-P', shell], { encoding: 'utf8' });
    return Number(r.stdout.trim().split('\n')[0]);
  }

  // The program's exit status once it has exited, else null.
  exitStatus() { return fs.existsSync(this.rcFile) ? Number(fs.readFileSync(this.rcFile, 'utf8')) : null; }
  stderr() { return fs.existsSync(this.errFile) ? fs.readFileSync(this.errFile, 'utf8') : ''; }

  async waitExit(timeoutMs = 10000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const rc = this.exitStatus();
      if (rc !== null) return rc;
      await sleep(100);
    }
    throw new Error(`tandem did not exit; screen:\n${this.screen()}`);
  }

  // Stop the tmux server (and so the client) and remove its files.
  kill() {
    spawnSync('tmux', ['-L', this.sock, 'kill-server']);
    fs.rmSync(this.socketPath, { force: true });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// Display width of a captured row (wide CJK and emoji count two).
export function displayWidth(s) {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
        (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
        (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) || (c >= 0x1f900 && c <= 0x1f9ff)) w += 2;
    else w += 1;
  }
  return w;
}

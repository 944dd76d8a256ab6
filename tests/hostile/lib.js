// Helpers shared by the hostile tests (tests/hostile/*.test.js), on top of
// tests/lib/server.js and tests/integration/util.js: raw handshakes,
// process figures from /proc, SQLite checks through the sqlite3 CLI, and
// small statistics. Everything talks to 127.0.0.1 only.

import net from 'node:net';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';

// Send a WebSocket upgrade request with exactly these headers (Host
// included) and resolve with the HTTP status code of the answer.
export function rawHandshake(port, headers, path = '/ws') {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('no handshake answer within 5 s')); }, 5000);
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const m = buf.match(/^HTTP\/1\.[01] (\d{3})/);
      if (m) { clearTimeout(timer); sock.destroy(); resolve(Number(m[1])); }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    const lines = [`GET ${path} HTTP/1.1`];
    for (const [k, v] of Object.entries(headers)) if (v !== undefined) lines.push(`${k}: ${v}`);
    sock.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

export function wsKey() { return crypto.randomBytes(16).toString('base64'); }

// VmRSS of a process in KiB.
export function rssKiB(pid) {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) : NaN;
}

// utime + stime of a process, in clock ticks (1/100 s on Linux).
export function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

// Open file descriptors of a process.
export function fdCount(pid) {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

// Run SQL through the sqlite3 CLI (read-only); returns stdout lines.
export function sqlite(dbPath, sql) {
  const out = execFileSync('sqlite3', ['-readonly', '-batch', dbPath, sql], { encoding: 'utf8', timeout: 30000 });
  return out.split('\n').filter((l) => l.length > 0);
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

// A deterministic random source, so a failing run can be repeated with
// the seed it printed (HOSTILE_SEED).
export function rng(seed = Number(process.env.HOSTILE_SEED || Date.now() % 1000000)) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
  next.seed = seed;
  next.int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  next.pick = (arr) => arr[Math.floor(next() * arr.length)];
  return next;
}

export function envInt(name, dflt) {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
}

// Run a query through the sqlite3 CLI and parse its -json output.
export function sqliteJson(dbPath, sql) {
  const out = execFileSync('sqlite3', ['-json', '-batch', dbPath, sql], { encoding: 'utf8', timeout: 30000, maxBuffer: 256 << 20 });
  return out.trim() === '' ? [] : JSON.parse(out);
}

// Seed corpora for the fuzz targets, from proto/examples/*.json.
//
//   node tests/fuzz/seeds.mjs EXAMPLES_DIR OUT_DIR
//
// writes OUT_DIR/decode/ (every frame an example sends or expects, one per
// file: client requests for proto_decode_request(), server replies and
// events for proto_decode_frame()) and OUT_DIR/text/ (every string value in
// those frames, prefixed with fuzz_text's selector byte). Placeholders
// ("$ben.id", "$m") become small integers and "*" becomes 1, so the seeds
// are frames the decoders accept and the fuzzer starts from valid input.
// OUT_DIR/reasm/ holds each client frame as fuzz_reasm's piece stream
// (see there): whole, in three fragments, and announced over the cap;
// OUT_DIR/ops/ each example's client frames, one per line, after a role
// byte (fuzz_ops: admin, rep, marketer), once for each role.

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const [examples, out] = process.argv.slice(2);
if (!examples || !out) {
  console.error('usage: node seeds.mjs EXAMPLES_DIR OUT_DIR');
  process.exit(2);
}

const names = new Map();
function concrete(v) {
  if (typeof v === 'string') {
    if (v === '*') return 1;
    if (v.startsWith('$')) {
      if (!names.has(v)) names.set(v, names.size + 1);
      return names.get(v);
    }
    return v;
  }
  if (Array.isArray(v)) return v.map(concrete);
  if (v && typeof v === 'object') {
    if (v.$unordered) return v.$unordered.map(concrete);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, concrete(x)]));
  }
  return v;
}

function strings(v, acc) {
  if (typeof v === 'string') acc.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, acc));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => strings(x, acc));
  return acc;
}

const dirs = { decode: path.join(out, 'decode'), text: path.join(out, 'text'), reasm: path.join(out, 'reasm'), ops: path.join(out, 'ops') };
for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
const put = (dir, buf) => {
  const name = crypto.createHash('sha1').update(buf).digest('hex');
  fs.writeFileSync(path.join(dir, name), buf);
};

// One fuzz_reasm piece: flags (1 first, 2 final, 8 remaining follows),
// 2-byte length, optional 5-byte remaining, the bytes.
function piece(flags, bytes, remaining) {
  const head = Buffer.alloc(remaining === undefined ? 3 : 8);
  head[0] = flags | (remaining === undefined ? 0 : 8);
  head.writeUInt16LE(bytes.length, 1);
  if (remaining !== undefined) head.writeUIntLE(remaining, 3, 5);
  return Buffer.concat([head, bytes]);
}
function reasmSeeds(frame) {
  const cap = Buffer.from([255]);
  put(dirs.reasm, Buffer.concat([cap, piece(3, frame)]));
  const a = Math.floor(frame.length / 3);
  const b = Math.floor((2 * frame.length) / 3);
  put(dirs.reasm, Buffer.concat([cap, piece(1, frame.subarray(0, a)), piece(0, frame.subarray(a, b)), piece(2, frame.subarray(b))]));
  put(dirs.reasm, Buffer.concat([cap, piece(1, frame.subarray(0, a), 2 ** 39), piece(3, frame)]));
}

let frames = 0;
let texts = 0;
for (const f of fs.readdirSync(examples).filter((x) => x.endsWith('.json')).sort()) {
  const ex = JSON.parse(fs.readFileSync(path.join(examples, f), 'utf8'));
  const sent = [];
  for (const step of ex.steps || []) {
    let frame = null;
    if (step.send_raw !== undefined) frame = Buffer.from(step.send_raw);
    else if (step.send !== undefined) frame = Buffer.from(JSON.stringify(concrete(step.send)));
    else if (step.expect !== undefined) frame = Buffer.from(JSON.stringify(concrete(step.expect)));
    if (frame === null) continue;
    put(dirs.decode, frame);
    if (step.send !== undefined || step.send_raw !== undefined) {
      reasmSeeds(frame);
      if (!frame.includes(10)) sent.push(frame);
    }
    frames += 1;
    for (const s of strings(step.send || step.expect || step.send_raw, [])) {
      // Selector 0xa0: limit 65 characters (a topic-sized line), empty ok.
      put(dirs.text, Buffer.concat([Buffer.from([0xa0]), Buffer.from(s)]));
      put(dirs.text, Buffer.concat([Buffer.from([0x20]), Buffer.from(s)]));
      texts += 2;
    }
  }
  if (sent.length > 0) {
    const lines = Buffer.concat(sent.flatMap((x) => [x, Buffer.from('\n')]));
    for (const role of [0, 1, 2]) put(dirs.ops, Buffer.concat([Buffer.from([role]), lines]));
  }
}
console.log(`seeds: ${frames} frames, ${texts} text seeds from ${examples}`);

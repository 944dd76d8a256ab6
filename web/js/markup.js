// markup.js: the safe message-body renderer. It turns plain text into DOM
// nodes for a deliberately small markup: **bold**, _italic_, `code`, bare
// http(s) URLs as links, :emoji: shortcodes (emoji.js), @mentions (the
// reader's own set apart), and lists (lines starting with "- ", "* " or
// "1. "). It builds nodes with createElement and
// createTextNode only; it never parses HTML, and it never produces a link
// whose scheme is anything but http: or https:. Line breaks are kept as
// text (the stylesheet uses white-space: pre-wrap).

import { emojiChar } from './emoji.js';

const MAX_DEPTH = 4;
const BULLET = /^[-*] +(.*)$/;
const NUMBERED = /^\d{1,3}[.)] +(.*)$/;

// Each rule finds its next occurrence from a position. `lead` is the number
// of matched characters before the token really starts (italic needs one
// character of left context so that snake_case_words stay plain).
const RULES = [
  { type: 'code', re: /`([^`\n]+)`/g, lead: () => 0 },
  { type: 'link', re: /\bhttps?:\/\/[^\s<>"'`]+/gi, lead: () => 0 },
  { type: 'bold', re: /\*\*(?=\S)([^\n]*?\S)\*\*/g, lead: () => 0 },
  { type: 'italic', re: /(^|[^\p{L}\p{N}_])_(?=\S)([^\n]*?\S)_(?![\p{L}\p{N}_])/gu, lead: (m) => m[1].length },
  { type: 'emoji', re: /:([a-z0-9_+-]{1,32}):/g, lead: () => 0, accept: (m) => !!emojiChar(m[1]) },
  // As the server reads mentions (PROTOCOL.md, Mentions): not right after a
  // letter, digit or . _ - + / @; trailing . _ - are punctuation.
  { type: 'mention', re: /(^|[^\p{L}\p{N}._+\/@-])@([a-z][a-z0-9._-]{0,31})/giu, lead: (m) => m[1].length },
];

// Characters that end a sentence rather than a URL.
const TRAILING = /[.,;:!?'"\]}>]+$/;

// Return the URL text without trailing punctuation, keeping a closing
// parenthesis only when the URL opened one ("https://en.wikipedia.org/wiki/A_(b)").
function trimUrl(raw) {
  let url = raw;
  for (;;) {
    const before = url;
    url = url.replace(TRAILING, '');
    if (url.endsWith(')')) {
      const opens = (url.match(/\(/g) || []).length;
      const closes = (url.match(/\)/g) || []).length;
      if (closes > opens) url = url.slice(0, -1);
    }
    if (url === before) return url;
  }
}

// Return a safe absolute http(s) URL string, or null.
export function safeHref(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return url.href;
}

function findNext(text, pos) {
  let best = null;
  for (const rule of RULES) {
    rule.re.lastIndex = pos;
    let m = rule.re.exec(text);
    while (m && rule.accept && !rule.accept(m)) {
      rule.re.lastIndex = m.index + 1;
      m = rule.re.exec(text);
    }
    if (!m) continue;
    const start = m.index + rule.lead(m);
    if (!best || start < best.start) best = { rule, m, start, end: m.index + m[0].length };
  }
  return best;
}

function renderInto(parent, text, depth, me) {
  let pos = 0;
  while (pos < text.length) {
    const tok = depth < MAX_DEPTH ? findNext(text, pos) : null;
    if (!tok) break;
    if (tok.start > pos) parent.appendChild(document.createTextNode(text.slice(pos, tok.start)));
    const { rule, m } = tok;
    let end = tok.end;
    if (rule.type === 'code') {
      const el = document.createElement('code');
      el.textContent = m[1];
      parent.appendChild(el);
    } else if (rule.type === 'mention') {
      const handle = m[2].replace(/[._-]+$/, '');
      end = tok.start + 1 + handle.length;
      const el = document.createElement('span');
      el.className = me && handle.toLowerCase() === me ? 'mention mention-me' : 'mention';
      el.textContent = `@${handle}`;
      parent.appendChild(el);
    } else if (rule.type === 'emoji') {
      const el = document.createElement('span');
      el.className = 'emoji';
      el.title = `:${m[1]}:`;
      el.textContent = emojiChar(m[1]);
      parent.appendChild(el);
    } else if (rule.type === 'link') {
      const raw = trimUrl(m[0]);
      end = tok.start + raw.length;
      const href = safeHref(raw);
      if (href) {
        const a = document.createElement('a');
        a.href = href;
        a.rel = 'noopener noreferrer';
        a.target = '_blank';
        a.textContent = raw;
        parent.appendChild(a);
      } else {
        parent.appendChild(document.createTextNode(raw));
      }
    } else {
      const el = document.createElement(rule.type === 'bold' ? 'strong' : 'em');
      renderInto(el, rule.type === 'bold' ? m[1] : m[2], depth + 1, me);
      parent.appendChild(el);
    }
    pos = end;
  }
  if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
}

// The kind of list a line belongs to ('ul', 'ol') and its item text.
function listLine(line) {
  let m = BULLET.exec(line);
  if (m) return { tag: 'ul', text: m[1] };
  m = NUMBERED.exec(line);
  return m ? { tag: 'ol', text: m[1] } : null;
}

// renderMarkup(text, me): a DocumentFragment for a message body. Runs of
// list lines become <ul>/<ol> blocks; other lines stay text with their
// breaks. `me` (the reader's handle, optional) marks mentions of the reader.
export function renderMarkup(text, me = null) {
  const frag = document.createDocumentFragment();
  const lines = String(text).split('\n');
  let plain = [];
  let list = null;
  const flushPlain = () => {
    if (plain.length) renderInto(frag, plain.join('\n'), 0, me);
    plain = [];
  };
  for (const line of lines) {
    const item = listLine(line);
    if (!item) {
      list = null;
      plain.push(line);
      continue;
    }
    flushPlain();
    if (!list || list.localName !== item.tag) {
      list = document.createElement(item.tag);
      frag.appendChild(list);
    }
    const li = document.createElement('li');
    renderInto(li, item.text, 0, me);
    list.appendChild(li);
  }
  flushPlain();
  return frag;
}

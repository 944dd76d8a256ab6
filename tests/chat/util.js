// Helpers for the chat-feature tests (threads, unread state, mentions,
// reactions, pins, saved items, search): a server fixture with open
// registration and shorthands for conversations and messages.

import { serverFixture, cleanExitTest, expectError, expectResult, nonce, assert, barrier } from '../integration/util.js';

export { serverFixture, cleanExitTest, expectError, expectResult, nonce, assert, barrier };

// Post a message (optionally a reply) and return it.
export async function send(u, conv, body, fields = {}) {
  const c = u.client || u;
  return (await c.ok('msg.send', { conv, body, nonce: nonce('c'), ...fields })).message;
}

// A public channel created by `owner`, joined by every user in `others`.
export async function channel(owner, others = [], fields = {}) {
  const name = `c${process.pid % 1000}x${Math.floor(Math.random() * 1e9)}`;
  const conv = (await owner.client.ok('conv.create', { kind: 'channel', name, ...fields })).conversation;
  for (const o of others) {
    if (fields.private) await owner.client.ok('conv.invite', { conv: conv.id, user: o.user.id });
    else await o.client.ok('conv.join', { conv: conv.id });
  }
  return conv;
}

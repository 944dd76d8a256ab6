// views/avatar.js: a person's initials on a colour of their own, the
// picture beside their name wherever it appears.

import { h } from '../dom.js';
import { initials, hue } from '../format.js';

export function avatar(store, userId, cls = 'avatar') {
  const name = store.userName(userId);
  return h('span', { class: [cls, `hue-${hue(userId)}`], text: initials(name), attrs: { 'aria-hidden': 'true' } });
}

// sm/vote.js: "me too" on a feedback item: the voter's account (the last
// one used is remembered on this device) and a weight, each weight a
// button, so one click after the account casts the vote.

import { h } from '../dom.js';
import { WEIGHTS, label, input, errText } from './common.js';

const ACCOUNT_KEY = 'tandem.sm.vote-account';

// A small form; onVoted(feedback) gets the updated item.
export function voteForm(ctx, item, onVoted, idPrefix = 'vote') {
  const account = input(`${idPrefix}-account-${item.id}`, 'text', {
    maxLength: 120, placeholder: 'Your account', value: localStorage.getItem(ACCOUNT_KEY) || '',
  });
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' }, hidden: true });
  const vote = async (weight) => {
    error.hidden = true;
    const fields = { feedback: item.id, weight };
    const acct = account.value.trim();
    if (acct) fields.account = acct;
    try {
      const res = await ctx.session.call('feedback.vote', fields);
      localStorage.setItem(ACCOUNT_KEY, acct);
      onVoted(res.feedback);
    } catch (err) {
      error.textContent = errText(err);
      error.hidden = false;
    }
  };
  return h('div', { class: 'sm-vote', data: { feedback: item.id } },
    h('label', { class: 'sm-sr', attrs: { for: account.id }, text: 'Account' }), account,
    h('div', { class: 'sm-row', attrs: { role: 'group', 'aria-label': 'Me too: how much does it matter?' } },
      WEIGHTS.map((w) => h('button', {
        type: 'button', class: ['btn', 'small', w === 'deal_blocker' ? 'danger' : null], text: label(w), data: { weight: w },
        on: { click: () => vote(w) },
      }))),
    error);
}

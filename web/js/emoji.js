// emoji.js: the small table of emoji shortcodes the client knows. The
// markup renderer shows `:name:` as its emoji, the composer completes
// `:na`, and reactions (whose names the server keeps as shortcodes of
// a-z 0-9 _ + -) are shown and picked from it. An unknown shortcode stays
// text.

export const EMOJI = new Map([
  ['+1', '👍'], ['thumbsup', '👍'], ['-1', '👎'], ['thumbsdown', '👎'],
  ['smile', '😄'], ['grin', '😁'], ['joy', '😂'], ['laughing', '😆'],
  ['wink', '😉'], ['blush', '😊'], ['slightly_smiling_face', '🙂'], ['upside_down_face', '🙃'],
  ['heart_eyes', '😍'], ['thinking', '🤔'], ['neutral_face', '😐'], ['expressionless', '😑'],
  ['roll_eyes', '🙄'], ['grimacing', '😬'], ['relieved', '😌'], ['sleepy', '😪'],
  ['sweat_smile', '😅'], ['cry', '😢'], ['sob', '😭'], ['scream', '😱'],
  ['angry', '😠'], ['rage', '😡'], ['sunglasses', '😎'], ['nerd_face', '🤓'],
  ['confused', '😕'], ['worried', '😟'], ['open_mouth', '😮'], ['exploding_head', '🤯'],
  ['partying_face', '🥳'], ['clap', '👏'], ['wave', '👋'], ['pray', '🙏'],
  ['muscle', '💪'], ['ok_hand', '👌'], ['raised_hands', '🙌'], ['point_up', '☝️'],
  ['eyes', '👀'], ['heart', '❤️'], ['broken_heart', '💔'], ['fire', '🔥'],
  ['tada', '🎉'], ['rocket', '🚀'], ['star', '⭐'], ['sparkles', '✨'],
  ['100', '💯'], ['white_check_mark', '✅'], ['x', '❌'], ['warning', '⚠️'],
  ['question', '❓'], ['exclamation', '❗'], ['bulb', '💡'], ['memo', '📝'],
  ['calendar', '📅'], ['chart_with_upwards_trend', '📈'], ['moneybag', '💰'], ['handshake', '🤝'],
  ['trophy', '🏆'], ['coffee', '☕'], ['pushpin', '📌'], ['link', '🔗'],
]);

// The reactions offered first in the picker.
export const QUICK_REACTIONS = ['+1', 'heart', 'tada', 'joy', 'eyes', 'rocket', 'white_check_mark', 'pray'];

// The emoji of a shortcode (without colons), or null.
export function emojiChar(name) {
  return EMOJI.get(String(name)) || null;
}

// Shortcodes that start with `prefix`, for completion (at most `max`).
export function emojiMatches(prefix, max = 8) {
  const p = String(prefix).toLowerCase();
  const out = [];
  for (const [name, ch] of EMOJI) {
    if (name.startsWith(p) && !out.some((e) => e.ch === ch)) out.push({ name, ch });
    if (out.length >= max) break;
  }
  return out;
}

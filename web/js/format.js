// format.js: dates, times and small text helpers for the views.

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const dayYearFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });

export function formatTime(ms) {
  return timeFmt.format(new Date(ms));
}

export function formatFull(ms) {
  return fullFmt.format(new Date(ms));
}

// A key that is equal for two times on the same local calendar day.
export function dayKey(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

// "Today", "Yesterday", "Monday, November 23" (with the year when not this year).
export function formatDay(ms, now = Date.now()) {
  const key = dayKey(ms);
  if (key === dayKey(now)) return 'Today';
  if (key === dayKey(now - 86400000)) return 'Yesterday';
  const d = new Date(ms);
  return d.getFullYear() === new Date(now).getFullYear() ? dayFmt.format(d) : dayYearFmt.format(d);
}

export const TEAM_LABEL = { sales: 'Sales', marketing: 'Marketing', other: 'Other' };

// Initials for an avatar: "Ana Reyes" -> "AR", "ben" -> "BE".
export function initials(name) {
  const words = String(name || '?').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  if (words.length === 1) return [...words[0]].slice(0, 2).join('').toUpperCase();
  return ([...words[0]][0] + [...words[words.length - 1]][0]).toUpperCase();
}

// A stable small number for a user id (avatar colour classes).
export function hue(id) {
  return Math.abs(Number(id) * 7919) % 8;
}

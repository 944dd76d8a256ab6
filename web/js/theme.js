// theme.js: light and dark themes. Without a choice the page follows the
// system (prefers-color-scheme in style.css); a choice made with the toggle
// is remembered in localStorage and set as <html data-theme>.

const KEY = 'tandem.theme';
const systemDark = window.matchMedia('(prefers-color-scheme: dark)');

function saved() {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null;
  }
}

// The theme in effect: the saved choice, else the system's.
export function currentTheme() {
  return saved() || (systemDark.matches ? 'dark' : 'light');
}

export function applyTheme() {
  const choice = saved();
  if (choice) document.documentElement.dataset.theme = choice;
  else delete document.documentElement.dataset.theme;
}

// Switch to the other theme and remember it.
export function toggleTheme() {
  const next = currentTheme() === 'dark' ? 'light' : 'dark';
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // Private mode without storage: the choice lasts as long as the page.
  }
  document.documentElement.dataset.theme = next;
  return next;
}

// views/icons.js: a few line icons as SVG built with createElementNS (no
// markup parsing, no inline style). Used for chrome only, never inside the
// message list.

const NS = 'http://www.w3.org/2000/svg';

const PATHS = {
  plus: 'M12 5v14M5 12h14',
  menu: 'M4 6h16M4 12h16M4 18h16',
  hash: 'M5 9h14M5 15h14M10 4 8 20M16 4l-2 16',
  lock: 'M7 11V8a5 5 0 0 1 10 0v3M6 11h12v9H6z',
  send: 'M4 12 20 4l-6 16-3-7z',
  thread: 'M4 5h16v10H9l-5 4zM8 9h8M8 12h5',
  at: 'M16 12a4 4 0 1 1-1.2-2.9M16 8v5a2.5 2.5 0 0 0 5 0v-1a9 9 0 1 0-3.5 7.1',
  bookmark: 'M6 4h12v16l-6-4-6 4z',
  search: 'M10.5 17a6.5 6.5 0 1 1 0-13 6.5 6.5 0 0 1 0 13zM15.5 15.5 20 20',
  close: 'M6 6l12 12M18 6 6 18',
  logout: 'M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10',
  pencil: 'M4 20h4L19 9l-4-4L4 16zM13 7l4 4',
};

export function icon(name, cls = 'icon') {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('d', PATHS[name]);
  svg.appendChild(path);
  return svg;
}

// dom.js: the one way views build DOM. h() creates elements from a tag, a
// property bag and children; strings always become text nodes. Nothing in
// the web client ever assigns innerHTML or outerHTML, so user text cannot
// turn into markup, and nothing here sets inline styles (the server's CSP
// forbids them).

// h(tag, props, ...children): build an element.
// props: class (string or array), text (textContent), on (event -> handler),
// data (dataset), attrs (attribute name -> value; null/false skips),
// and any other key is assigned as a DOM property (id, type, value,
// disabled, hidden, ...). Children may be nodes, strings, numbers, arrays,
// or null/undefined/false (skipped).
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null) continue;
      if (key === 'class') {
        el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
      } else if (key === 'text') {
        el.textContent = String(value);
      } else if (key === 'on') {
        for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
      } else if (key === 'data') {
        for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
      } else if (key === 'attrs') {
        for (const [k, v] of Object.entries(value)) {
          if (v === null || v === undefined || v === false) continue;
          el.setAttribute(k, v === true ? '' : String(v));
        }
      } else if (key === 'style' || key === 'innerHTML' || key === 'outerHTML') {
        throw new Error(`h(): ${key} is not allowed`);
      } else {
        el[key] = value;
      }
    }
  }
  append(el, children);
  return el;
}

// append(parent, children): add children (same rules as h()).
export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
  return parent;
}

// Replace all children of parent with the given ones.
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

// Reconcile parent's children with the ordered array `nodes`, moving only
// what changed, so that unchanged nodes keep focus, selection and scroll.
export function reconcile(parent, nodes) {
  let cur = parent.firstChild;
  for (const node of nodes) {
    if (node === cur) {
      cur = cur.nextSibling;
    } else {
      parent.insertBefore(node, cur);
    }
  }
  while (cur) {
    const next = cur.nextSibling;
    parent.removeChild(cur);
    cur = next;
  }
}

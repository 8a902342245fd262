// Small DOM helpers. Every piece of data (titles above all: they are untrusted) goes into the page
// as text nodes or textContent; nothing here ever touches innerHTML.

// h('li', {class: 'x', dataset: {row: 3}, on: {click}, attrs: {'aria-label': t}}, 'text', child, ...)
export function h(tag, props = null, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'style') Object.assign(el.style, v);
      else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      else if (k === 'attrs') for (const [a, av] of Object.entries(v)) { if (av !== undefined && av !== null && av !== false) el.setAttribute(a, String(av)); }
      else if (k in el) el[k] = v;   // properties: type, value, checked, disabled, hidden, title, ...
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export const $ = (id) => document.getElementById(id);

const nf1 = new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const nf2 = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const nfInt = new Intl.NumberFormat('en');
export const fmt1 = (v) => nf1.format(v);
export const fmt2 = (v) => nf2.format(v);
export const fmtInt = (v) => nfInt.format(v);
// +0.31 / −0.12 with a real minus sign
export function fmtSigned(v, digits = 2) {
  const r = Math.abs(v).toFixed(digits);
  if (Number(r) === 0) return (0).toFixed(digits);
  return (v < 0 ? '\u2212' : '+') + r;
}
export function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1048576).toFixed(1)} MB`;
}

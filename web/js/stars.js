// Half-star rating widget: a focusable slider (0 = not rated, 0.5 ... 5).
// Mouse: click the left or right half of a star; clicking the current value changes nothing
// (removing a rating is an explicit action of the page, with undo). Touch: a tap gives a whole
// star (each star is a ≥ 44 px target on a phone); tapping the current star takes half a star off.
// Keyboard: Left/Right ±½, Home ½, End 5, digits 1-5, Delete/Backspace/0 asks for removal
// (onChange(0)). Up/Down are left to the page: they move between the rows of a list.
import { h } from './dom.js';

function paint(stars, v) {
  for (let s = 0; s < 5; s++) {
    const el = stars[s];
    const full = v >= s + 1;
    const half = !full && v >= s + 0.5;
    el.classList.toggle('full', full);
    el.classList.toggle('half', half);
  }
}

const describe = (v) => (v ? `${v} star${v === 1 ? '' : 's'}` : 'not rated');

// createStars({value, label, onChange(v), small}) -> element with .setValue(v)
export function createStars({ value = 0, label = 'Your rating', onChange, small = false }) {
  const stars = [];
  for (let s = 0; s < 5; s++) stars.push(h('span', { class: 'star', attrs: { 'aria-hidden': 'true' } }));
  const root = h('span', {
    class: small ? 'stars small' : 'stars',
    attrs: {
      role: 'slider', tabindex: 0, 'aria-label': label,
      'aria-valuemin': 0, 'aria-valuemax': 5,
    },
  }, stars);
  let current = 0;

  function set(v, fire) {
    v = Math.max(0, Math.min(5, Math.round(v * 2) / 2));
    current = v;
    root.dataset.value = String(v);
    root.setAttribute('aria-valuenow', String(v));
    root.setAttribute('aria-valuetext', describe(v));
    root.title = v ? `Your rating: ${v} (Delete to clear)` : 'Not rated: click a star (half stars: left half)';
    paint(stars, v);
    if (fire && onChange) onChange(v);
  }

  function valueAt(clientX, whole = false) {
    const r = root.getBoundingClientRect();
    const x = Math.max(0, Math.min(r.width - 0.01, clientX - r.left));
    if (whole) return Math.floor((x / r.width) * 5) + 1;
    return Math.floor((x / r.width) * 10) / 2 + 0.5;
  }
  let lastPointer = 'mouse';
  root.addEventListener('pointerdown', (e) => { lastPointer = e.pointerType || 'mouse'; });

  root.addEventListener('pointermove', (e) => {
    if (e.pointerType === 'touch') return;
    root.classList.add('preview');
    paint(stars, valueAt(e.clientX));
  });
  root.addEventListener('pointerleave', () => {
    root.classList.remove('preview');
    paint(stars, current);
  });
  root.addEventListener('click', (e) => {
    e.stopPropagation();
    root.classList.remove('preview');
    if (lastPointer === 'touch' || lastPointer === 'pen') {
      const w = valueAt(e.clientX, true);
      const v = w === current ? w - 0.5 : w;   // tap the same star again: half a star less
      if (v !== current) set(v, true);
      return;
    }
    const v = valueAt(e.clientX);
    if (v !== current) set(v, true);
  });
  root.addEventListener('keydown', (e) => {
    let v = null;
    switch (e.key) {
      case 'ArrowRight': v = Math.min(5, (current || 0) + 0.5); break;
      case 'ArrowLeft': v = current ? Math.max(0.5, current - 0.5) : null; break;
      case 'Home': v = 0.5; break;
      case 'End': v = 5; break;
      case 'Delete': case 'Backspace': case '0': v = 0; break;
      default:
        if (/^[1-5]$/.test(e.key)) v = Number(e.key);
    }
    if (v !== null) {
      e.preventDefault();
      e.stopPropagation();
      if (v !== current) set(v, true);
    }
  });

  set(value, false);
  root.setValue = (v) => set(v, false);
  root.getValue = () => current;
  return root;
}

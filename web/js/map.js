// The latent map: every movie as a point (PCA of its item vector), coloured by main genre, with
// zoom, pan, hover and click. Drawn by regl-scatterplot (WebGL) when WebGL works, otherwise by a
// small 2-D canvas renderer with the same interactions. A transparent 2-D overlay on top draws
// the visitor, the hypothetical movie, search hits, rated movies and the opened movie.

const GENRE_COLORS = {
  Action: '#f97316', Adventure: '#eab308', Animation: '#22c55e', Children: '#86efac', Comedy: '#facc15',
  Crime: '#b91c1c', Documentary: '#a16207', Drama: '#3b82f6', Fantasy: '#a855f7', 'Film-Noir': '#64748b',
  Horror: '#7f1d1d', IMAX: '#06b6d4', Musical: '#d946ef', Mystery: '#6366f1', Romance: '#ec4899',
  'Sci-Fi': '#14b8a6', Thriller: '#ef4444', War: '#65a30d', Western: '#c2410c',
};
const SPARE = ['#0ea5e9', '#f43f5e', '#84cc16', '#8b5cf6', '#f59e0b', '#10b981', '#e879f9', '#94a3b8'];
export const NO_GENRE_COLOR = '#9ca3af';

export function genrePalette(genreNames) {
  let spare = 0;
  const colors = genreNames.map((g) => GENRE_COLORS[g] || SPARE[spare++ % SPARE.length]);
  colors.push(NO_GENRE_COLOR);   // class index genreNames.length: no genre
  return colors;
}

// identity within ±0.9, then smoothly towards ±1 (monotone): outliers stay apart and visible
function squash(v) {
  const a = Math.abs(v);
  if (!(a > 0.9)) return Number.isFinite(v) ? v : 0;
  return Math.sign(v) * (0.9 + 0.1 * Math.tanh((a - 0.9) / 0.1));
}

function hexToRgb(hex) {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function webglWorks() {
  try {
    const c = document.createElement('canvas');
    const gl = c.getContext('webgl');
    if (!gl) return false;
    // regl-scatterplot renders into a float framebuffer
    const ok = !!gl.getExtension('OES_texture_float');
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return ok;
  } catch {
    return false;
  }
}

// Zoom is bounded: from the whole map at half size to 32x (at 87k movies, 32x already separates
// neighbours; beyond it the view only empties). Both renderers, wheel, pinch and "Show on map".
export const ZOOM_MIN = 0.5;
export const ZOOM_MAX = 32;
const SHOW_ZOOM = 8;

export class LatentMap {
  // container: positioned element; opts: {onHover(row|null), onClick(row), renderer: 'auto'|'webgl'|'2d'}
  constructor(container, opts = {}) {
    this.el = container;
    this.opts = opts;
    this.tooltip = container.querySelector('.map-tooltip');
    this.base = document.createElement('canvas');
    this.base.className = 'base';
    this.overlay = document.createElement('canvas');
    this.overlay.className = 'overlay';
    container.prepend(this.base);
    this.base.after(this.overlay);
    this.renderer = null;
    this.n = 0;
    this.visitor = null;     // [xn, yn] normalised, target
    this.visitorShown = null;  // animated position
    this.hypo = null;
    this.highlights = [];
    this.rated = [];
    this.focusRow = -1;
    this.hoverRow = -1;
    this.markRow = -1;       // "Show on map": ring + label until the next action
    this.markLabel = '';
    this.keyRow = -1;        // the keyboard cursor
    this.view = null;        // regl camera view matrix
    this.z = 1; this.ox = 0; this.oy = 0;   // 2-D renderer view
    this._dirty2d = false;
    this._overlayQueued = false;
    this.resizeObs = new ResizeObserver(() => this._resize());
    this.resizeObs.observe(container);
  }

  get width() { return this.el.clientWidth; }
  get height() { return this.el.clientHeight; }

  // xy: Float32Array(2n) in model space; classes: Uint8Array(n) palette indices; label(row) -> string
  async setData(xy, classes, palette, label) {
    this.n = classes.length;
    this.label = label;
    this.palette = palette;
    this._normalise(xy);
    this.classes = classes;
    let want = this.opts.renderer || 'auto';
    if (want === 'auto') want = webglWorks() ? 'webgl' : '2d';
    if (this.renderer === 'webgl' && this.sp) {
      try { this.sp.destroy(); } catch { /* ignore */ }
      this.sp = null;
    }
    if (want === 'webgl') {
      try {
        await this._initWebgl();
        this.renderer = 'webgl';
      } catch (e) {
        console.warn('map: WebGL renderer unavailable, using the 2-D canvas:', e);
        want = '2d';
      }
    }
    if (want === '2d') {
      this._init2d();
      this.renderer = '2d';
    }
    this.el.dataset.renderer = this.renderer;
    this._keyboard();
    this._scheduleOverlay();
  }

  // centre on the middle of the 1st-99th percentile box, scale its larger half-side to 0.85;
  // the few points beyond are pulled in smoothly (monotone), never piled up on the border
  _normalise(xy) {
    const n = this.n;
    const xs = new Float32Array(n), ys = new Float32Array(n);
    for (let i = 0; i < n; i++) { xs[i] = xy[2 * i]; ys[i] = xy[2 * i + 1]; }
    const q = (a, p) => (a.length ? a[Math.min(a.length - 1, Math.max(0, Math.floor(p * (a.length - 1))))] : 0);
    const sx = Float32Array.from(xs).sort(), sy = Float32Array.from(ys).sort();
    const x0 = q(sx, 0.01), x1 = q(sx, 0.99), y0 = q(sy, 0.01), y1 = q(sy, 0.99);
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    const half = Math.max(x1 - x0, y1 - y0) / 2;
    const s = half > 0 ? 0.85 / half : 1;
    this.norm = { cx, cy, s };
    this.nx = new Float32Array(n);
    this.ny = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      this.nx[i] = squash((xs[i] - cx) * s);
      this.ny[i] = squash((ys[i] - cy) * s);
    }
  }

  toNorm(x, y) {
    const { cx, cy, s } = this.norm;
    return [squash((x - cx) * s), squash((y - cy) * s)];
  }

  // normalised -> CSS pixels in the map element
  toScreen(xn, yn) {
    const W = this.width, H = this.height;
    if (this.renderer === 'webgl') {
      const v = this.view;
      if (!v) return [NaN, NaN];
      const v0 = v[0] * xn + v[4] * yn + v[12];
      const v1 = v[1] * xn + v[5] * yn + v[13];
      return [(W * (v0 / (W / H) + 1)) / 2, H * (0.5 - v1 / 2)];
    }
    const unit = Math.min(W, H) / 2;
    return [W / 2 + (xn * this.z + this.ox) * unit, H / 2 - (yn * this.z + this.oy) * unit];
  }

  // ---------------- WebGL (regl-scatterplot)
  async _initWebgl() {
    const { default: createScatterplot } = await import('../vendor/regl-scatterplot.js');
    const W = this.width, H = this.height;
    this.base.width = W; this.base.height = H;
    const cs = getComputedStyle(this.el);
    const bg = cs.getPropertyValue('--map-bg').trim() || '#ffffff';
    const n = this.n;
    const sp = createScatterplot({
      canvas: this.base,
      width: W,
      height: H,
      pointSize: n > 50000 ? 2 : n > 15000 ? 3 : 4,
      opacity: n > 50000 ? 0.55 : 0.8,
      pointColor: this.palette,
      pointColorHover: cs.getPropertyValue('--text').trim() || '#111827',
      pointColorActive: cs.getPropertyValue('--accent').trim() || '#4f46e5',
      pointSizeSelected: 4,
      pointOutlineWidth: 2,
      colorBy: 'valueA',
      backgroundColor: bg,
      lassoOnLongPress: false,
      deselectOnEscape: true,
      deselectOnDblClick: true,
      showReticle: false,
      syncEvents: false,
    });
    this.sp = sp;
    await sp.draw({ x: this.nx, y: this.ny, valueA: Array.from(this.classes) }, { zDataType: 'categorical' });
    this.view = Float32Array.from(sp.get('cameraView'));
    sp.subscribe('view', ({ view }) => {
      // bounded zoom: a view beyond the bounds is scaled back about the screen centre
      const z = Math.hypot(view[0], view[1]);
      if (z > ZOOM_MAX * 1.0001 || z < ZOOM_MIN * 0.9999) {
        const f = (z > ZOOM_MAX ? ZOOM_MAX : ZOOM_MIN) / z;
        const v = Float32Array.from(view);
        for (const i of [0, 1, 4, 5, 12, 13]) v[i] *= f;
        this.view = v;
        sp.set({ cameraView: v });
        return;
      }
      this.view = view;
      this._scheduleOverlay();
    });
    sp.subscribe('pointOver', (i) => { this.hoverRow = i; this._showTip(i); });
    sp.subscribe('pointOut', () => { this.hoverRow = -1; this._hideTip(); });
    sp.subscribe('select', ({ points }) => {
      if (points && points.length === 1) this.opts.onClick?.(points[0]);
    });
  }

  // ---------------- 2-D canvas renderer
  _init2d() {
    if (this._2dReady) { this._draw2dSoon(); return; }
    this._2dReady = true;
    const c = this.base;
    this.rgb = this.palette.map(hexToRgb);
    let drag = null;
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const r = c.getBoundingClientRect();
      const sx = e.clientX - r.left, sy = e.clientY - r.top;
      const [xn, yn] = this._fromScreen(sx, sy);
      const f = Math.exp(-e.deltaY * (e.deltaMode ? 0.05 : 0.0015));
      this.z = Math.max(ZOOM_MIN, Math.min(ZOOM_MAX, this.z * f));
      const unit = Math.min(this.width, this.height) / 2;
      this.ox = (sx - this.width / 2) / unit - xn * this.z;
      this.oy = -(sy - this.height / 2) / unit - yn * this.z;
      this._draw2dSoon();
    }, { passive: false });
    c.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY, ox: this.ox, oy: this.oy, moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      const r = c.getBoundingClientRect();
      if (drag && e.buttons) {
        const unit = Math.min(this.width, this.height) / 2;
        const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
        this.ox = drag.ox + dx / unit;
        this.oy = drag.oy - dy / unit;
        this._hideTip();
        this._draw2dSoon();
        return;
      }
      const i = this._pick(e.clientX - r.left, e.clientY - r.top);
      if (i !== this.hoverRow) {
        this.hoverRow = i;
        if (i >= 0) this._showTip(i); else this._hideTip();
        this._scheduleOverlay();
      }
    });
    c.addEventListener('pointerup', (e) => {
      const r = c.getBoundingClientRect();
      if (drag && !drag.moved) {
        const i = this._pick(e.clientX - r.left, e.clientY - r.top);
        if (i >= 0) this.opts.onClick?.(i);
      }
      drag = null;
    });
    c.addEventListener('pointerleave', () => { this.hoverRow = -1; this._hideTip(); this._scheduleOverlay(); });
    this._draw2dSoon();
  }

  _fromScreen(sx, sy) {
    const unit = Math.min(this.width, this.height) / 2;
    return [((sx - this.width / 2) / unit - this.ox) / this.z, (-(sy - this.height / 2) / unit - this.oy) / this.z];
  }

  _pick(sx, sy) {
    if (this.renderer !== '2d' || !this.sx) return -1;
    let best = -1, bd = 64;   // 8 px
    const X = this.sx, Y = this.sy;
    for (let i = 0; i < this.n; i++) {
      const dx = X[i] - sx, dy = Y[i] - sy;
      const d = dx * dx + dy * dy;
      if (d < bd) { bd = d; best = i; }
    }
    return best;
  }

  _draw2dSoon() {
    if (this._dirty2d) return;
    this._dirty2d = true;
    requestAnimationFrame(() => { this._dirty2d = false; this._draw2d(); });
  }

  _draw2d() {
    const dpr = window.devicePixelRatio || 1;
    const W = this.width, H = this.height;
    const c = this.base;
    const pw = Math.max(1, Math.round(W * dpr)), ph = Math.max(1, Math.round(H * dpr));
    if (c.width !== pw || c.height !== ph) { c.width = pw; c.height = ph; }
    const ctx = c.getContext('2d');
    const img = ctx.createImageData(pw, ph);
    const buf = new Uint32Array(img.data.buffer);
    const cols = this.rgb.map(([r, g, b]) => (255 << 24) | (b << 16) | (g << 8) | r);   // little-endian ABGR
    const n = this.n;
    const unit = Math.min(W, H) / 2;
    this.sx = this.sx && this.sx.length === n ? this.sx : new Float32Array(n);
    this.sy = this.sy && this.sy.length === n ? this.sy : new Float32Array(n);
    const size = Math.max(1, Math.round((n > 50000 ? 1.5 : n > 15000 ? 2 : 3) * dpr * Math.min(2.5, Math.sqrt(this.z))));
    for (let i = 0; i < n; i++) {
      const x = W / 2 + (this.nx[i] * this.z + this.ox) * unit;
      const y = H / 2 - (this.ny[i] * this.z + this.oy) * unit;
      this.sx[i] = x; this.sy[i] = y;
      const px = Math.round(x * dpr - size / 2), py = Math.round(y * dpr - size / 2);
      if (px < 0 || py < 0 || px + size > pw || py + size > ph) continue;
      const col = cols[this.classes[i]];
      for (let a = 0; a < size; a++) {
        const o = (py + a) * pw + px;
        for (let b = 0; b < size; b++) buf[o + b] = col;
      }
    }
    ctx.putImageData(img, 0, 0);
    this._drawOverlay();
  }

  _resize() {
    if (!this.renderer) return;
    if (this.renderer === 'webgl' && this.sp) {
      this.sp.set({ width: this.width, height: this.height });
    } else {
      this._draw2dSoon();
    }
    this._scheduleOverlay();
  }

  resetView() {
    this.mark(-1);
    if (this.renderer === 'webgl' && this.sp) this.sp.reset();
    else { this.z = 1; this.ox = 0; this.oy = 0; this._draw2dSoon(); }
  }

  // the current zoom factor (1 = the whole map)
  zoom() {
    if (this.renderer === 'webgl') return this.view ? Math.hypot(this.view[0], this.view[1]) : 1;
    return this.z;
  }

  // centre the view on a movie at a fixed zoom (bounded like the wheel)
  zoomTo(row) {
    if (row < 0 || row >= this.n) return;
    const z = Math.min(ZOOM_MAX, SHOW_ZOOM);
    if (this.renderer === 'webgl' && this.sp) {
      const v = new Float32Array(16);
      v[0] = z; v[5] = z; v[10] = 1; v[15] = 1;
      v[12] = -this.nx[row] * z; v[13] = -this.ny[row] * z;
      this.view = v;
      this.sp.set({ cameraView: v });
    } else {
      this.z = z;
      this.ox = -this.nx[row] * z;
      this.oy = -this.ny[row] * z;
      this._draw2dSoon();
    }
    this._scheduleOverlay();
    this.el.scrollIntoView({ behavior: 'smooth', block: 'center' });
  }

  // a persistent ring and label on one movie (-1 clears)
  mark(row, label = '') {
    this.markRow = row >= 0 && row < this.n ? row : -1;
    this.markLabel = this.markRow >= 0 ? label : '';
    this.el.dataset.marked = this.markRow >= 0 ? String(this.markRow) : '';
    this._scheduleOverlay();
  }

  // ---------------- keyboard: arrows move a cursor to the nearest movie in that direction on
  // screen, Enter opens it, + / - zoom, Escape clears
  _keyboard() {
    if (this._keyReady) return;
    this._keyReady = true;
    const live = this.el.querySelector('.map-live');
    this.el.addEventListener('keydown', (e) => {
      if (e.target !== this.el) return;
      const dirs = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      if (dirs[e.key]) {
        e.preventDefault();
        const next = this._nearestInDirection(this.keyRow, dirs[e.key]);
        if (next >= 0) this.setKeyRow(next);
      } else if (e.key === 'Enter' || e.key === ' ') {
        if (this.keyRow >= 0) { e.preventDefault(); this.opts.onClick?.(this.keyRow); }
      } else if (e.key === '+' || e.key === '=' || e.key === '-') {
        e.preventDefault();
        this._zoomBy(e.key === '-' ? 0.5 : 2);
      } else if (e.key === 'Escape' && this.keyRow >= 0) {
        this.setKeyRow(-1);
      }
    });
    this.el.addEventListener('focus', () => {
      if (this.keyRow < 0) this.setKeyRow(this._nearestInDirection(-1, null));
    });
    this.el.addEventListener('blur', () => { this._hideTip(); });
    this._live = live;
  }

  setKeyRow(row) {
    this.keyRow = row;
    this.el.dataset.keyRow = row >= 0 ? String(row) : '';
    if (row >= 0) {
      this._showTip(row);
      if (this._live) this._live.textContent = `${this.label(row)}. Enter opens it; arrow keys move to a neighbour.`;
    } else this._hideTip();
    this._scheduleOverlay();
  }

  _zoomBy(f) {
    if (this.renderer === 'webgl' && this.sp && this.view) {
      const z = this.zoom();
      const g = Math.max(ZOOM_MIN, Math.min(ZOOM_MAX, z * f)) / z;
      const v = Float32Array.from(this.view);
      for (const i of [0, 1, 4, 5, 12, 13]) v[i] *= g;
      this.view = v;
      this.sp.set({ cameraView: v });
    } else {
      const z = Math.max(ZOOM_MIN, Math.min(ZOOM_MAX, this.z * f));
      this.ox *= z / this.z; this.oy *= z / this.z;
      this.z = z;
      this._draw2dSoon();
    }
    this._scheduleOverlay();
  }

  // from `row` (or the centre of the view), the closest visible movie within 60° of `dir`
  // (screen pixels; null: the closest to the centre)
  _nearestInDirection(row, dir) {
    const W = this.width, H = this.height;
    const [x0, y0] = row >= 0 ? this.toScreen(this.nx[row], this.ny[row]) : [W / 2, H / 2];
    let best = -1, bd = Infinity;
    for (let i = 0; i < this.n; i++) {
      if (i === row) continue;
      const [x, y] = this.toScreen(this.nx[i], this.ny[i]);
      if (!(x >= 0 && y >= 0 && x <= W && y <= H)) continue;
      const dx = x - x0, dy = y - y0;
      const d = dx * dx + dy * dy;
      if (dir) {
        const along = dx * dir[0] + dy * dir[1];
        if (along <= 0 || along * along < 0.25 * d) continue;   // within 60° of the direction
        if (d < 1) continue;
      }
      if (d < bd) { bd = d; best = i; }
    }
    return best;
  }

  // ---------------- tooltip
  _showTip(i) {
    if (!this.tooltip || i < 0 || i >= this.n) return;
    const [x, y] = this.renderer === 'webgl' && this.sp ? this.sp.getScreenPosition(i) : [this.sx[i], this.sy[i]];
    this.tooltip.textContent = this.label(i);
    this.tooltip.style.left = `${Math.max(80, Math.min(this.width - 80, x))}px`;
    this.tooltip.style.top = `${y}px`;
    this.tooltip.classList.toggle('below', y < 40);
    this.tooltip.hidden = false;
    this.opts.onHover?.(i);
  }

  _hideTip() {
    if (this.tooltip) this.tooltip.hidden = true;
    this.opts.onHover?.(null);
  }

  // ---------------- overlay
  setVisitor(xy) {
    const target = xy ? this.toNorm(xy[0], xy[1]) : null;
    this.visitor = target;
    this.el.dataset.visitor = target ? `${target[0].toFixed(5)},${target[1].toFixed(5)}` : '';
    if (!target) { this.visitorShown = null; this._scheduleOverlay(); return; }
    const from = this.visitorShown || target;
    const t0 = performance.now();
    const step = (now) => {
      if (this.visitor !== target) return;   // superseded
      const t = Math.min(1, (now - t0) / 450);
      const e = 1 - (1 - t) ** 3;
      this.visitorShown = [from[0] + (target[0] - from[0]) * e, from[1] + (target[1] - from[1]) * e];
      this._drawOverlay();
      if (t < 1) requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }

  setHypothetical(xy) {
    this.hypo = xy ? this.toNorm(xy[0], xy[1]) : null;
    this._scheduleOverlay();
  }

  setHighlights(rows) { this.highlights = rows || []; this._scheduleOverlay(); }
  setRated(rows) { this.rated = rows || []; this._scheduleOverlay(); }

  focus(row) {
    this.focusRow = row;
    if (this.renderer === 'webgl' && this.sp) {
      if (row >= 0) this.sp.select([row], { preventEvent: true });
      else this.sp.deselect({ preventEvent: true });
    }
    this._scheduleOverlay();
  }

  _scheduleOverlay() {
    if (this._overlayQueued) return;
    this._overlayQueued = true;
    requestAnimationFrame(() => { this._overlayQueued = false; this._drawOverlay(); });
  }

  _drawOverlay() {
    const dpr = window.devicePixelRatio || 1;
    const W = this.width, H = this.height;
    const c = this.overlay;
    const pw = Math.max(1, Math.round(W * dpr)), ph = Math.max(1, Math.round(H * dpr));
    if (c.width !== pw || c.height !== ph) { c.width = pw; c.height = ph; }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    if (!this.n || !this.renderer) return;
    const css = getComputedStyle(this.el);
    const accent = css.getPropertyValue('--accent').trim() || '#4f46e5';
    const star = css.getPropertyValue('--star-on').trim() || '#f5a623';
    const text = css.getPropertyValue('--text').trim() || '#111';
    const bg = css.getPropertyValue('--map-bg').trim() || '#fff';
    const at = (i) => this.toScreen(this.nx[i], this.ny[i]);
    const inside = ([x, y]) => x > -20 && y > -20 && x < W + 20 && y < H + 20;

    // search hits: up to thousands of rings, drawn into a layer of their own that is redrawn only
    // when the hits or the view change (a rating redraws the overlay, not these)
    if (this.highlights.length) {
      const v = this.renderer === 'webgl' ? Array.from(this.view || []).join() : `${this.z},${this.ox},${this.oy}`;
      const key = `${pw}x${ph}|${v}`;
      let layer = this._hlLayer;
      if (!layer || layer.key !== key || layer.rows !== this.highlights) {
        const lc = layer?.canvas || document.createElement('canvas');
        lc.width = pw; lc.height = ph;
        const lx = lc.getContext('2d');
        lx.setTransform(dpr, 0, 0, dpr, 0, 0);
        lx.lineWidth = 1.5;
        lx.strokeStyle = accent;
        lx.beginPath();
        for (const i of this.highlights) {
          const p = at(i);
          if (!inside(p)) continue;
          lx.moveTo(p[0] + 5, p[1]);
          lx.arc(p[0], p[1], 5, 0, Math.PI * 2);
        }
        lx.stroke();
        layer = this._hlLayer = { canvas: lc, key, rows: this.highlights };
      }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(layer.canvas, 0, 0);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    // rated movies
    if (this.rated.length) {
      ctx.lineWidth = 2;
      ctx.strokeStyle = star;
      ctx.beginPath();
      for (const i of this.rated) {
        const p = at(i);
        if (!inside(p)) continue;
        ctx.moveTo(p[0] + 4, p[1]);
        ctx.arc(p[0], p[1], 4, 0, Math.PI * 2);
      }
      ctx.stroke();
    }
    // opened movie
    if (this.focusRow >= 0 && this.focusRow < this.n) {
      const [x, y] = at(this.focusRow);
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = text;
      ctx.beginPath(); ctx.arc(x, y, 9, 0, Math.PI * 2); ctx.stroke();
    }
    // keyboard cursor
    if (this.keyRow >= 0 && this.keyRow < this.n) {
      const [x, y] = at(this.keyRow);
      ctx.lineWidth = 2; ctx.strokeStyle = accent;
      ctx.setLineDash([3, 2]);
      ctx.beginPath(); ctx.arc(x, y, 8, 0, Math.PI * 2); ctx.stroke();
      ctx.setLineDash([]);
    }
    // 2-D renderer hover ring (regl draws its own)
    if (this.renderer === '2d' && this.hoverRow >= 0) {
      const [x, y] = at(this.hoverRow);
      ctx.lineWidth = 2; ctx.strokeStyle = text;
      ctx.beginPath(); ctx.arc(x, y, 6, 0, Math.PI * 2); ctx.stroke();
    }
    const label = (x, y, s, color) => {
      ctx.font = '600 12px system-ui, sans-serif';
      ctx.lineWidth = 3; ctx.strokeStyle = bg; ctx.fillStyle = color;
      ctx.strokeText(s, x + 11, y + 4); ctx.fillText(s, x + 11, y + 4);
    };
    // hypothetical movie: diamond
    if (this.hypo) {
      const [x, y] = this.toScreen(this.hypo[0], this.hypo[1]);
      ctx.beginPath();
      ctx.moveTo(x, y - 9); ctx.lineTo(x + 9, y); ctx.lineTo(x, y + 9); ctx.lineTo(x - 9, y); ctx.closePath();
      ctx.fillStyle = star; ctx.fill();
      ctx.lineWidth = 2; ctx.strokeStyle = text; ctx.stroke();
      label(x, y, 'hypothetical', text);
    }
    // "Show on map": a ring and the title, until the next action
    if (this.markRow >= 0 && this.markRow < this.n) {
      const [x, y] = at(this.markRow);
      this.el.dataset.markScreen = `${x.toFixed(1)},${y.toFixed(1)}`;
      ctx.lineWidth = 3; ctx.strokeStyle = accent;
      ctx.beginPath(); ctx.arc(x, y, 13, 0, Math.PI * 2); ctx.stroke();
      ctx.lineWidth = 1.5; ctx.strokeStyle = text;
      ctx.beginPath(); ctx.arc(x, y, 16.5, 0, Math.PI * 2); ctx.stroke();
      label(x + 8, y, this.markLabel, text);
    }
    // the visitor
    if (this.visitorShown) {
      const [x, y] = this.toScreen(this.visitorShown[0], this.visitorShown[1]);
      this.el.dataset.visitorScreen = `${x.toFixed(1)},${y.toFixed(1)}`;
      ctx.beginPath(); ctx.arc(x, y, 11, 0, Math.PI * 2);
      ctx.fillStyle = accent; ctx.globalAlpha = 0.25; ctx.fill(); ctx.globalAlpha = 1;
      ctx.beginPath(); ctx.arc(x, y, 6.5, 0, Math.PI * 2);
      ctx.fillStyle = '#111'; ctx.fill();
      ctx.lineWidth = 2.5; ctx.strokeStyle = '#fff'; ctx.stroke();
      ctx.lineWidth = 2; ctx.strokeStyle = accent;
      ctx.beginPath(); ctx.arc(x, y, 9, 0, Math.PI * 2); ctx.stroke();
      label(x + 2, y, 'You', text);
    }
  }
}

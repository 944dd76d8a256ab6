// sm/charts.js: small SVG charts for the dashboard: bars, stacked bars and
// lines. Geometry is set with setAttribute on elements made by
// createElementNS (the CSP forbids style attributes); colours come from
// records.css classes (series-0 ... series-7). Every chart has a title, axis
// labels, its values written as text, and a <details> table with the same
// numbers for those who would rather read them.

import { h } from '../dom.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 480;
const H = 240;
const PAD = { left: 44, right: 12, top: 16, bottom: 62 };

function svgEl(tag, attrs = {}, text = null) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== null) el.textContent = String(text);
  return el;
}

const TICKS = 4;

// A "nice" top for the axis: four steps of 1, 2 or 5 times a power of ten
// (whole steps for counts), so that every grid line has a round value.
function niceMax(values) {
  const v = Math.max(0, ...values);
  const whole = values.every((n) => Number.isInteger(n));
  const raw = v / TICKS;
  if (raw <= 0) return TICKS;
  const p = 10 ** Math.floor(Math.log10(raw));
  let step = 10 * p;
  for (const m of [1, 2, 5]) {
    if (m * p >= raw) {
      step = m * p;
      break;
    }
  }
  return TICKS * (whole ? Math.max(1, step) : step);
}

function frame(title, yLabel, xLabel) {
  const svg = svgEl('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img', 'aria-label': title,
    preserveAspectRatio: 'xMidYMid meet',
  });
  svg.appendChild(svgEl('title', {}, title));
  svg.appendChild(svgEl('text', { x: 10, y: PAD.top + (H - PAD.top - PAD.bottom) / 2, class: 'chart-axis-label',
    transform: `rotate(-90 10 ${PAD.top + (H - PAD.top - PAD.bottom) / 2})`, 'text-anchor': 'middle' }, yLabel));
  svg.appendChild(svgEl('text', { x: PAD.left + (W - PAD.left - PAD.right) / 2, y: H - 4, class: 'chart-axis-label',
    'text-anchor': 'middle' }, xLabel));
  return svg;
}

// Horizontal grid lines with their values, for a scale of 0..max.
function yAxis(svg, max) {
  const plotH = H - PAD.top - PAD.bottom;
  for (let i = 0; i <= TICKS; i += 1) {
    const v = (max * i) / TICKS;
    const y = PAD.top + plotH - (plotH * i) / TICKS;
    svg.appendChild(svgEl('line', { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: 'chart-grid' }));
    svg.appendChild(svgEl('text', { x: PAD.left - 4, y: y + 3, class: 'chart-tick', 'text-anchor': 'end' },
      Number.isInteger(v) ? v : Number(v.toFixed(2))));
  }
}

function xTick(svg, x, text, slant) {
  const y = H - PAD.bottom + 12;
  const attrs = { x, y, class: 'chart-tick', 'text-anchor': slant ? 'end' : 'middle' };
  if (slant) attrs.transform = `rotate(-30 ${x} ${y})`;
  svg.appendChild(svgEl('text', attrs, text));
}

function table(caption, head, rows) {
  return h('details', { class: 'chart-table' },
    h('summary', { text: 'Show the numbers' }),
    h('table', { class: 'sm-table' }, h('caption', { class: 'sm-sr', text: caption }),
      h('thead', null, h('tr', null, head.map((t) => h('th', { attrs: { scope: 'col' }, text: t })))),
      h('tbody', null, rows.map((r) => h('tr', null, r.map((c, i) => (i === 0
        ? h('th', { attrs: { scope: 'row' }, text: c })
        : h('td', { class: 'num', text: c }))))))));
}

function legend(series) {
  return h('ul', { class: 'chart-legend' }, series.map((s, i) => h('li', null,
    h('span', { class: ['chart-swatch', `series-${i % 8}`], attrs: { 'aria-hidden': 'true' } }), s.name)));
}

function figure(id, title, svg, extra, tableEl) {
  return h('figure', { class: 'chart', id, data: { chart: id } },
    h('figcaption', { class: 'chart-title', text: title }), svg, extra, tableEl);
}

// Bars: data [{label, value, text?}] (text: how the value is written).
export function barChart({ id, title, xLabel, yLabel, data }) {
  const svg = frame(title, yLabel, xLabel);
  const max = niceMax(data.map((d) => d.value));
  yAxis(svg, max);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / Math.max(1, data.length);
  const bw = Math.min(64, Math.max(4, step * 0.7));
  const slant = data.length > 5;
  data.forEach((d, i) => {
    const bh = (plotH * d.value) / max;
    const x = PAD.left + i * step + (step - bw) / 2;
    const y = PAD.top + plotH - bh;
    svg.appendChild(svgEl('rect', { x, y, width: bw, height: Math.max(0, bh), class: 'chart-bar series-0', 'data-label': d.label }));
    svg.appendChild(svgEl('text', { x: x + bw / 2, y: y - 3, class: 'chart-value', 'text-anchor': 'middle', 'data-label': d.label },
      d.text ?? d.value));
    xTick(svg, x + bw / 2, d.label, slant);
  });
  return figure(id, title, svg, null,
    table(title, [xLabel, yLabel], data.map((d) => [d.label, String(d.text ?? d.value)])));
}

// Stacked bars: categories along x, series [{name, values}] stacked.
export function stackedBars({ id, title, xLabel, yLabel, categories, series, every = 1 }) {
  const svg = frame(title, yLabel, xLabel);
  const totals = categories.map((_, i) => series.reduce((s, se) => s + (se.values[i] || 0), 0));
  const max = niceMax(totals);
  yAxis(svg, max);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / Math.max(1, categories.length);
  const bw = Math.max(2, step * 0.75);
  categories.forEach((cat, i) => {
    const x = PAD.left + i * step + (step - bw) / 2;
    let base = PAD.top + plotH;
    series.forEach((se, k) => {
      const v = se.values[i] || 0;
      if (!v) return;
      const bh = (plotH * v) / max;
      base -= bh;
      svg.appendChild(svgEl('rect', { x, y: base, width: bw, height: bh, class: `chart-bar series-${k % 8}` }));
    });
    if (totals[i]) {
      svg.appendChild(svgEl('text', { x: x + bw / 2, y: base - 3, class: 'chart-value', 'text-anchor': 'middle' }, totals[i]));
    }
    if (i % every === 0) xTick(svg, x + bw / 2, cat, categories.length > 5);
  });
  return figure(id, title, svg, legend(series),
    table(title, [xLabel, ...series.map((s) => s.name), 'Total'],
      categories.map((c, i) => [c, ...series.map((s) => String(s.values[i] || 0)), String(totals[i])])));
}

// Lines: x positions are categories, one polyline per series.
export function lineChart({ id, title, xLabel, yLabel, categories, series, every = 1 }) {
  const svg = frame(title, yLabel, xLabel);
  const max = niceMax(series.flatMap((s) => s.values));
  yAxis(svg, max);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = categories.length > 1 ? plotW / (categories.length - 1) : 0;
  const xy = (i, v) => [PAD.left + i * step, PAD.top + plotH - (plotH * v) / max];
  series.forEach((se, k) => {
    const d = se.values.map((v, i) => `${i ? 'L' : 'M'}${xy(i, v).map((n) => n.toFixed(1)).join(' ')}`).join(' ');
    svg.appendChild(svgEl('path', { d, class: `chart-line series-${k % 8}` }));
    const last = se.values.length - 1;
    if (last >= 0 && se.values[last]) {
      const [x, y] = xy(last, se.values[last]);
      svg.appendChild(svgEl('text', { x: x - 2, y: y - 4, class: 'chart-value', 'text-anchor': 'end' }, se.values[last]));
    }
  });
  categories.forEach((c, i) => { if (i % every === 0) xTick(svg, xy(i, 0)[0], c, true); });
  return figure(id, title, svg, legend(series),
    table(title, [xLabel, ...series.map((s) => s.name)],
      categories.map((c, i) => [c, ...series.map((s) => String(s.values[i] || 0))])));
}

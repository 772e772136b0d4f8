// The picture of the network: every tensor a block sized by its shape (the LeNet figure),
// and the receptive field of one chosen unit drawn on the input.

import { pictureOf } from "./kinds.js";

const SVG = "http://www.w3.org/2000/svg";

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Screen length for an extent of n units: logarithmic, so 224 and 7 both fit. */
const side = (n) => Math.min(170, 8 + 20 * Math.log2(Math.max(1, n)));
const depthOf = (c) => Math.min(70, 3 + 8 * Math.log2(Math.max(1, c) + 1));

/** The block's class from the kind's picture category (GET /v1/layers). */
function kindClass(type) {
  if (type === "input") return "b-input";
  const picture = pictureOf(type);
  return ["conv", "pool", "linear", "flatten"].includes(picture) ? `b-${picture}` : "b-other";
}

/** The front face (w × h) of a tensor and the axes it shows: [row axis, column axis]. */
function geometry(shape) {
  const spatial = shape.slice(1);
  if (shape.length === 1) return { w: 10, h: side(shape[0]) * 0.9, d: 0, axes: [] };
  if (spatial.length === 1) return { w: side(spatial[0]), h: 10, d: depthOf(shape[0]), axes: [null, 0] };
  const n = spatial.length;
  return { w: side(spatial[n - 1]), h: side(spatial[n - 2]), d: depthOf(shape[0]), axes: [n - 2, n - 1] };
}

/**
 * Group layers into blocks: a shape-changing layer starts a block, and the activations,
 * normalisations and dropouts after it join it (they keep every unit where it is).
 */
export function blocksOf(analysis, names) {
  const blocks = [{ index: -1, last: -1, type: "input", name: names.input, shape: analysis.input_shape }];
  for (const layer of analysis.layers) {
    const prev = blocks[blocks.length - 1];
    if (pictureOf(layer.type) === "pointwise" && prev.index >= 0) {
      prev.name += ` + ${names.layer(layer)}`;
      prev.last = layer.index;
      continue;
    }
    blocks.push({ index: layer.index, last: layer.index, type: layer.type, name: names.layer(layer), shape: layer.output_shape });
  }
  return blocks;
}

/**
 * Draw the network in `svg`.
 * @param {object} opts {analysis, selected (layer index or -1), unit (array per spatial axis),
 *   names {input, layer(l)}, label(block) -> aria label, onSelect(index), onMove(delta)}
 */
export function draw(svg, opts) {
  const { analysis } = opts;
  svg.replaceChildren();
  const blocks = blocksOf(analysis, opts.names);
  const gap = 18;
  const top = 30;
  let x = 12;
  const maxH = Math.max(...blocks.map((b) => geometry(b.shape).h + geometry(b.shape).d * 0.5));
  const baseline = top + maxH / 2 + 10;
  const placed = [];
  for (const block of blocks) {
    const g = geometry(block.shape);
    const dx = g.d * 0.7;
    const dy = g.d * 0.5;
    const short = block.name.length > 22 ? `${block.name.slice(0, 21)}…` : block.name;
    const shapeText = opts.hideShapes && block.index >= 0 ? "?" : block.shape.join("×");
    const labelWidth = Math.max(shapeText.length, short.length) * 6.3;
    const slot = Math.max(g.w + dx, labelWidth);
    const fx = x + (slot - g.w - dx) / 2;
    const fy = baseline - g.h / 2 + dy / 2;
    placed.push({ block, g, fx, fy, dx, dy, short, shapeText });
    x += slot + gap;
  }
  const labelY = top + maxH + 34;
  const width = Math.max(x, 320);
  const height = labelY + 34;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  // Fit the panel when it can, but never shrink below 60 % (then the panel scrolls).
  svg.style.width = "100%";
  svg.style.maxWidth = `${width}px`;
  svg.style.minWidth = `${Math.round(width * 0.6)}px`;

  placed.forEach((p, i) => {
    if (i > 0) {
      const prev = placed[i - 1];
      const x1 = prev.fx + prev.g.w + prev.dx + 3;
      svg.append(el("path", { d: `M${x1} ${baseline} H${p.fx - 4}`, class: "arrow" }));
      svg.append(el("path", { d: `M${p.fx - 9} ${baseline - 4} L${p.fx - 4} ${baseline} L${p.fx - 9} ${baseline + 4}`, class: "arrow" }));
    }
  });

  const selected = placed.find((p) => p.block.index >= 0 && p.block.index <= opts.selected && opts.selected <= p.block.last);
  for (const p of placed) {
    const { block, g, fx, fy, dx, dy } = p;
    const isSelected = p === selected;
    const group = el("g", {
      class: `block ${kindClass(block.type)}${isSelected ? " selected" : ""}`,
      tabindex: block.index >= 0 ? 0 : -1,
      role: block.index >= 0 ? "button" : "img",
      "aria-label": opts.label(block),
      "aria-pressed": block.index >= 0 ? String(isSelected) : undefined,
      "data-layer": block.index,
    });
    if (g.d > 0) {
      group.append(el("polygon", { class: "top", points: `${fx},${fy} ${fx + dx},${fy - dy} ${fx + g.w + dx},${fy - dy} ${fx + g.w},${fy}` }));
      group.append(el("polygon", { class: "side", points: `${fx + g.w},${fy} ${fx + g.w + dx},${fy - dy} ${fx + g.w + dx},${fy + g.h - dy} ${fx + g.w},${fy + g.h}` }));
    }
    group.append(el("rect", { class: "front", x: fx, y: fy, width: g.w, height: g.h }));
    const title = el("title", {}, opts.label(block));
    group.append(title);
    const cx = fx + (g.w + dx) / 2;
    group.append(el("text", { class: "shape", x: cx, y: labelY, "text-anchor": "middle" }, p.shapeText));
    group.append(el("text", { class: "name", x: cx, y: labelY + 16, "text-anchor": "middle" }, p.short));
    if (block.index >= 0) {
      group.addEventListener("click", (event) => {
        const unit = unitAt(p, event, svg);
        opts.onSelect(block.last, unit);
      });
      group.addEventListener("keydown", (event) => {
        const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          opts.onSelect(block.last, null);
        } else if (moves[event.key] && isSelected) {
          event.preventDefault();
          opts.onMove(moves[event.key]);
        }
      });
    }
    svg.append(group);
  }

  const input = placed[0];
  if (selected && !opts.hideShapes) drawField(svg, input, selected, analysis, opts.unit);
  return { blocks };
}

/** The unit under a click on a block's front face, per spatial axis. */
function unitAt(p, event, svg) {
  const shape = p.block.shape;
  const spatial = shape.slice(1);
  if (!spatial.length || !p.g.axes.length) return null;
  const point = svg.createSVGPoint();
  point.x = event.clientX;
  point.y = event.clientY;
  const ctm = svg.getScreenCTM();
  if (!ctm) return null;
  const local = point.matrixTransform(ctm.inverse());
  const unit = spatial.map((n) => Math.floor(n / 2));
  const [rowAxis, colAxis] = p.g.axes;
  const fx = (local.x - p.fx) / p.g.w;
  const fy = (local.y - p.fy) / p.g.h;
  if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
  if (colAxis !== null && colAxis !== undefined) unit[colAxis] = Math.min(spatial[colAxis] - 1, Math.floor(fx * spatial[colAxis]));
  if (rowAxis !== null && rowAxis !== undefined) unit[rowAxis] = Math.min(spatial[rowAxis] - 1, Math.floor(fy * spatial[rowAxis]));
  return unit;
}

/** The input pixels seen by `unit` of a layer: [lo, hi] per axis, clipped to the input. */
export function fieldOf(layer, inputShape, unit) {
  const rf = layer.receptive_field;
  const extents = inputShape.slice(1);
  if (!rf || rf.global) return extents.map((n) => ({ lo: 0, hi: n - 1, full: [0, n - 1] }));
  return extents.map((n, a) => {
    // `size` pixels centred on the unit's centre (a fractional centre, from a transposed
    // convolution, is rounded to the nearest pixel).
    const centre = rf.start[a] + unit[a] * rf.jump[a];
    const size = Math.max(1, Math.round(rf.size[a]));
    const lo = Math.round(centre - (size - 1) / 2);
    const hi = lo + size - 1;
    return { lo: Math.max(0, lo), hi: Math.min(n - 1, hi), full: [lo, hi] };
  });
}

function drawField(svg, input, selected, analysis, unit) {
  const layer = analysis.layers[selected.block.last];
  const extents = analysis.input_shape.slice(1);
  if (!extents.length || !unit) return;
  const ranges = fieldOf(layer, analysis.input_shape, unit);
  const [rowAxis, colAxis] = input.g.axes;
  const rect = (p, axisRanges, axes, extentList, cls) => {
    const [ra, ca] = axes;
    let x = p.fx;
    let w = p.g.w;
    let y = p.fy;
    let h = p.g.h;
    if (ca !== null && ca !== undefined) {
      const n = extentList[ca];
      x = p.fx + (axisRanges[ca][0] / n) * p.g.w;
      w = Math.max(1.5, ((axisRanges[ca][1] - axisRanges[ca][0] + 1) / n) * p.g.w);
    }
    if (ra !== null && ra !== undefined) {
      const n = extentList[ra];
      y = p.fy + (axisRanges[ra][0] / n) * p.g.h;
      h = Math.max(1.5, ((axisRanges[ra][1] - axisRanges[ra][0] + 1) / n) * p.g.h);
    }
    svg.append(el("rect", { class: cls, x, y, width: w, height: h }));
    return { x: x + w / 2, y: y + h / 2 };
  };
  const from = rect(input, ranges.map((r) => [r.lo, r.hi]), [rowAxis, colAxis], extents, "rf-field");
  const outSpatial = selected.block.shape.slice(1);
  let to = { x: selected.fx + selected.g.w / 2, y: selected.fy + selected.g.h / 2 };
  if (outSpatial.length && selected.g.axes.length) {
    to = rect(selected, unit.map((u) => [u, u]), selected.g.axes, outSpatial, "rf-unit");
  }
  // A line from the unit back to what it sees, as in the course's receptive-field figure.
  svg.append(el("path", { class: "rf-link", d: `M${from.x} ${from.y} L${to.x} ${to.y}` }));
}

// The picture of a network that branches: one box per layer (with the activations and
// normalisations that follow it alone), an arrow per input, laid out by dagre (vendor/).
// Branches sit side by side, a shortcut is an arc beside the path it skips, and the arrows
// into a merge carry what it adds or joins (the channels of a concatenation, the shapes of a
// broadcast). Everything comes from the server's answer: each layer's id, inputs, type and
// output shape; the kinds' picture category from GET /v1/layers.

import dagre from "./vendor/dagre.esm.js";
import { pictureOf } from "./kinds.js";

const SVG = "http://www.w3.org/2000/svg";
/** Beyond this many boxes the layout would hold the page for seconds: say so instead. */
export const MAX_NODES = 800;
const FONT_PX = 12;
const LINE = 15;
const PAD_X = 8;
const PAD_Y = 6;
/** Never shrink the text below this scale: a phone scrolls sideways instead. */
const MIN_SCALE = 0.85;

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The box's class from the kind's picture category (GET /v1/layers). */
function kindClass(type) {
  if (type === "input") return "g-input";
  const picture = pictureOf(type);
  return ["conv", "pool", "linear", "flatten", "merge"].includes(picture) ? `g-${picture}` : "g-other";
}

/**
 * The boxes and arrows of a graph. A pointwise layer joins the box of its only input when
 * that input feeds nothing else (conv → batchnorm → relu is one box, as in the chain's
 * picture); every other layer is a box. An arrow goes from the box holding each input to the
 * box of the layer reading it. `rank` is the longest path from the input, in boxes: an arrow
 * that skips ranks is a shortcut.
 */
export function graphOf(analysis) {
  const input = { key: "input", first: -1, last: -1, layers: [], type: "input", shape: analysis.input_shape, rank: 0 };
  const nodes = [input];
  const nodeOfId = new Map([["input", input]]);
  const readers = new Map();
  for (const layer of analysis.layers) {
    for (const source of layer.inputs || []) readers.set(source, (readers.get(source) || 0) + 1);
  }
  const edges = [];
  for (const layer of analysis.layers) {
    const inputs = layer.inputs || [];
    const source = inputs.length === 1 ? nodeOfId.get(inputs[0]) : undefined;
    const folds = source && source !== input && pictureOf(layer.type) === "pointwise"
      && analysis.layers[source.last].id === inputs[0] && readers.get(inputs[0]) === 1;
    if (folds) {
      source.layers.push(layer);
      source.last = layer.index;
      source.shape = layer.output_shape;
      nodeOfId.set(layer.id, source);
      continue;
    }
    const node = { key: String(layer.index), first: layer.index, last: layer.index, layers: [layer], type: layer.type, shape: layer.output_shape, rank: 0 };
    for (const [slot, id] of inputs.entries()) {
      const from = nodeOfId.get(id);
      if (!from) continue;
      node.rank = Math.max(node.rank, from.rank + 1);
      edges.push({ from, to: node, slot, source: id, shape: from === input ? analysis.input_shape : analysis.layers[from.last].output_shape });
    }
    nodes.push(node);
    nodeOfId.set(layer.id, node);
  }
  for (const edge of edges) edge.label = edgeLabel(edge, edges);
  return { nodes, edges };
}

/**
 * What an arrow into a merge says: the size each input brings along the axis a
 * concatenation joins ("C=64" for channels), or each input's shape when an addition or a
 * product broadcasts; nothing when the shapes are equal (the merge's box shows the shape).
 */
function edgeLabel(edge, edges) {
  if (pictureOf(edge.to.type) !== "merge") return "";
  const shapes = edges.filter((e) => e.to === edge.to).map((e) => e.shape);
  if (shapes.length < 2) return "";
  const out = edge.to.layers[0].output_shape;
  const differs = (a) => shapes.some((s) => s[a] !== out[a]);
  const axes = out.map((_, a) => a).filter(differs);
  if (edge.to.layers[0].type === "concat" || edge.to.layers[0].type === "cat") {
    if (axes.length === 1) return axes[0] === 0 ? `C=${edge.shape[0]}` : `${edge.shape[axes[0]]}`;
    return edge.shape.join("×");
  }
  return shapes.every((s) => s.join() === shapes[0].join()) ? "" : edge.shape.join("×");
}

let measure = null;

/** Text width in px at the picture's font (a canvas measures it; nothing is drawn). */
function textWidth(text, weight, family) {
  if (!measure) measure = document.createElement("canvas").getContext("2d");
  measure.font = `${weight} ${FONT_PX}px ${family}`;
  return measure.measureText(text).width;
}

/** The three lines of a box: where it is (index and id), what it is, what it gives. */
function linesOf(node, opts) {
  if (node.type === "input") return [opts.names.input, opts.shapeText(node.shape)];
  const first = node.layers[0];
  const place = first.name !== undefined && first.name !== String(first.index) ? `#${first.index} · ${first.name}` : `#${first.index}`;
  let kinds = node.layers.map((l) => opts.names.layer(l)).join("+");
  if (kinds.length > 30) kinds = `${kinds.slice(0, 29)}…`;
  return [place, kinds, opts.shapeText(node.shape)];
}

let cached = null;

/** The layout of an analysis (dagre's), kept while the same answer is drawn again. */
function layoutOf(analysis, opts, family) {
  const key = `${opts.hideShapes}|${opts.names.input}`;
  if (cached && cached.analysis === analysis && cached.key === key) return cached.result;
  const { nodes, edges } = graphOf(analysis);
  if (nodes.length > MAX_NODES) return { nodes, edges, tooBig: true };
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 18, ranksep: 28, edgesep: 12, marginx: 10, marginy: 10 });
  for (const node of nodes) {
    const lines = linesOf(node, opts);
    const width = Math.max(...lines.map((text, i) => textWidth(text, i === lines.length - 2 ? 600 : 400, family)));
    node.lines = lines;
    g.setNode(node.key, { width: Math.ceil(width) + 2 * PAD_X, height: lines.length * LINE + 2 * PAD_Y });
  }
  edges.forEach((edge, i) => {
    const label = edge.label ? { width: Math.ceil(textWidth(edge.label, 400, family)) + 6, height: LINE, labelpos: "c" } : {};
    g.setEdge(edge.from.key, edge.to.key, label, String(i));
  });
  dagre.layout(g);
  for (const node of nodes) node.box = g.node(node.key);
  edges.forEach((edge, i) => {
    edge.route = g.edge(edge.from.key, edge.to.key, String(i));
  });
  const size = g.graph();
  const result = { nodes, edges, width: Math.ceil(size.width), height: Math.ceil(size.height) };
  cached = { analysis, key, result };
  return result;
}

/** A smooth path through dagre's points: straight ends, quadratic curves between midpoints. */
function curve(points) {
  let d = `M${points[0].x} ${points[0].y}`;
  if (points.length === 2) return `${d} L${points[1].x} ${points[1].y}`;
  for (let i = 1; i < points.length - 1; i += 1) {
    const p = points[i];
    const next = points[i + 1];
    const end = i === points.length - 2 ? next : { x: (p.x + next.x) / 2, y: (p.y + next.y) / 2 };
    d += ` Q${p.x} ${p.y} ${end.x} ${end.y}`;
  }
  return d;
}

/**
 * Draw the graph in `svg`.
 * @param {object} opts as picture.draw's: {analysis, selected, names, hideShapes,
 *   label(block), onSelect(index, unit), onMove(delta)}; `avail`, the width it may take.
 * @returns {{nodes: number, edges: number} | null} null when too large to draw.
 */
export function drawGraph(svg, opts) {
  const { analysis } = opts;
  svg.replaceChildren();
  const family = getComputedStyle(svg).fontFamily || "sans-serif";
  const shapeText = (shape) => (opts.hideShapes ? "?" : shape.join("×"));
  const layout = layoutOf(analysis, { ...opts, shapeText }, family);
  if (layout.tooBig) return null;
  const { width, height } = layout;
  const scale = Math.min(1, Math.max(MIN_SCALE, (opts.avail || width) / width));
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.style.width = `${Math.round(width * scale)}px`;
  svg.style.height = `${Math.round(height * scale)}px`;
  svg.style.maxWidth = "none";
  svg.style.minWidth = "0";
  const defs = el("defs");
  const marker = el("marker", { id: "g-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(el("path", { d: "M0 0 L10 5 L0 10 z", class: "g-head" }));
  defs.append(marker);
  svg.append(defs);

  const edgeLayer = el("g", { class: "g-edges" });
  for (const edge of layout.edges) {
    const skip = edge.to.rank - edge.from.rank > 1;
    const path = el("path", {
      class: `g-edge${skip ? " skip" : ""}${pictureOf(edge.to.type) === "merge" ? " into-merge" : ""}`,
      d: curve(edge.route.points),
      "marker-end": "url(#g-arrow)",
      "data-from": edge.from.key,
      "data-to": edge.to.key,
      "data-source": edge.source,
    });
    edgeLayer.append(path);
    if (edge.label) {
      const { x, y } = edge.route;
      edgeLayer.append(el("text", { class: "g-edge-label", x, y: y + 4, "text-anchor": "middle", "data-to": edge.to.key }, edge.label));
    }
  }
  svg.append(edgeLayer);

  const selectedNode = layout.nodes.find((n) => n.first >= 0 && n.first <= opts.selected && opts.selected <= n.last);
  for (const node of layout.nodes) {
    const { x, y, width: w, height: h } = node.box;
    const isSelected = node === selectedNode;
    const name = node.type === "input" ? opts.names.input : `${node.lines[1]} (${node.lines[0]})`;
    const group = el("g", {
      class: `g-node ${kindClass(node.type)}${isSelected ? " selected" : ""}`,
      tabindex: node.first >= 0 ? 0 : -1,
      role: node.first >= 0 ? "button" : "img",
      "aria-label": opts.label({ name, shape: node.shape }),
      "aria-pressed": node.first >= 0 ? String(isSelected) : undefined,
      "data-node": node.key,
      "data-layer": node.first,
      "data-last": node.last,
      "data-types": node.layers.map((l) => l.type).join(" ") || "input",
    });
    group.append(el("title", {}, opts.label({ name, shape: node.shape })));
    group.append(el("rect", { class: "g-box", x: x - w / 2, y: y - h / 2, width: w, height: h, rx: 6 }));
    const top = y - h / 2 + PAD_Y + FONT_PX - 1;
    node.lines.forEach((text, i) => {
      const cls = i === node.lines.length - 1 ? "g-shape" : i === node.lines.length - 2 ? "g-kind" : "g-id";
      group.append(el("text", { class: cls, x, y: top + i * LINE, "text-anchor": "middle" }, text));
    });
    if (node.first >= 0) {
      group.addEventListener("click", () => opts.onSelect(node.last, null));
      group.addEventListener("keydown", (event) => {
        const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          opts.onSelect(node.last, null);
        } else if (moves[event.key] && isSelected) {
          event.preventDefault();
          opts.onMove(moves[event.key]);
        }
      });
    }
    svg.append(group);
  }
  return { nodes: layout.nodes.length, edges: layout.edges.length };
}

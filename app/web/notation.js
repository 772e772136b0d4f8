// The course's notation, written from rows: the text view shows the rows this way, and the
// table labels each layer so. Reading text is the server's job (POST /v1/analyze answers
// with the layers as it understood them, and the rows are rebuilt from those).
// What each kind is called comes from the catalogue (kinds.js).
// Graphs are written as docs/notation.md describes and app/core/notation.py writes them
// (`to_text`): `name: layer`, `layer <- a`, `Add(a, b)`, `Residual(main | shortcut)`,
// `Parallel(b1 | b2, merge=add)`, `n x Sequential(...)`; the server reads them back.

import { arrowOf, displayName, kindOf } from "./kinds.js";

export { displayName };

const SHORT = { out_channels: "Cout", kernel_size: "K", padding: "P", stride: "S", dilation: "D" };
const WIRING = new Set(["type", "id", "inputs"]);
const MERGES = new Set(["add", "mul", "concat", "cat"]);
const HEADER_WORDS = new Set(["couche", "layer", "layers", "entree", "entrée", "input", "sortie"]);
const WIDTH = 88;

function formatValue(value) {
  if (Array.isArray(value)) return `(${value.map(formatValue).join(", ")})`;
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return `'${value}'`;
  return String(value);
}

/** An id or a reference: bare when it is a plain name that reads back as one, else quoted. */
function formatName(ref) {
  const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(ref) && !["True", "False", "None"].includes(ref);
  return plain && !HEADER_WORDS.has(ref.toLowerCase().replace(/[_-]/g, "")) ? ref : `'${ref}'`;
}

function formatRefs(refs) {
  const names = refs.map(formatName);
  return names.length === 1 ? names[0] : `(${names.join(", ")})`;
}

/** One layer in the course's notation: Conv (Cout=20, K=5, P=2, S=1), Linear (2450 -> 500). */
export function formatLayer(layer, inFeatures) {
  const name = displayName(layer.type);
  const merge = MERGES.has(String(layer.type).toLowerCase());
  const order = Object.keys(SHORT);
  const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
  const entries = Object.entries(layer)
    .filter(([k, v]) => !WIRING.has(k) && v !== undefined && v !== null && v !== "")
    .sort(([a], [b]) => rank(a) - rank(b));
  const refs = Array.isArray(layer.inputs) ? layer.inputs : null;
  const after = refs && !merge ? ` <- ${formatRefs(refs)}` : "";
  const args = merge && refs ? refs.map(formatName) : [];
  const arrowFields = arrowOf(layer.type);
  if (arrowFields && entries.length <= 2 && layer[arrowFields[1]] !== undefined) {
    const [source, target] = arrowFields;
    const inF = layer[source] ?? inFeatures;
    if (inF !== undefined && inF !== null && entries.every(([k]) => k === source || k === target)) {
      return `${name} (${inF} -> ${layer[target]})${after}`;
    }
  }
  args.push(...entries.map(([k, v]) => `${SHORT[k] || k}=${formatValue(v)}`));
  if (!args.length) return name + after;
  return `${name} (${args.join(", ")})${after}`;
}

/**
 * A layer as the server read it, the fields equal to their default left out, except a
 * convolution's P and S, which the course always writes (as the rows keep them).
 */
function compact(spec) {
  const kind = kindOf(spec.type);
  const conv = Boolean(kind && kind.fields.some((f) => f.name === "out_channels"));
  const out = {};
  for (const [key, value] of Object.entries(spec)) {
    if (value === null || value === undefined) continue;
    const field = kind && kind.fields.find((f) => f.name === key);
    const course = conv && (key === "padding" || key === "stride");
    if (field && !field.required && !course && JSON.stringify(value) === JSON.stringify(field.default)) continue;
    out[key] = value;
  }
  return out;
}

const BLOCK_NAMES = { sequential: "Sequential", residual: "Residual", parallel: "Parallel" };

const isBlock = (spec) => Boolean(spec && BLOCK_NAMES[spec.type]);
const wired = (entries) => (entries || []).some((e) => e.id != null || e.inputs != null || isBlock(e));

/** One entry (a layer or a block), its lines after the first at `indent`, as to_text writes it. */
export function formatEntry(spec, indent = "", inFeatures = undefined) {
  const head = spec.id != null ? `${formatName(spec.id)}: ` : "";
  if (!isBlock(spec)) {
    const { id, ...rest } = spec;
    return head + formatLayer(compact(rest), inFeatures);
  }
  const tail = spec.inputs != null ? ` <- ${formatRefs(spec.inputs)}` : "";
  const repeat = spec.repeat || 1;
  const options = [];
  let name = BLOCK_NAMES[spec.type];
  let lists;
  let prefix = head;
  if (spec.type === "sequential") {
    lists = [spec.layers || []];
    const only = lists[0].length === 1 ? lists[0][0] : null;
    if (spec.id == null && spec.inputs == null && !wired(lists[0])) {
      options.push(`repeat=${repeat}`);
    } else {
      if (repeat > 1) prefix += `${repeat} x `;
      if (repeat > 1 && only && (only.type === "residual" || only.type === "parallel") && only.id == null && only.inputs == null) {
        return prefix + formatEntry(only, indent) + tail;
      }
    }
  } else if (spec.type === "residual") {
    lists = [spec.layers || [], ...(spec.shortcut && spec.shortcut.length ? [spec.shortcut] : [])];
  } else {
    lists = spec.branches || [];
    if (spec.merge && spec.merge !== "concat") options.push(`merge=${spec.merge}`);
    if (spec.dim !== undefined && spec.dim !== null && spec.dim !== 1) options.push(`dim=${spec.dim}`);
  }
  const inner = `${indent}  `;
  const texts = lists.map((entries) => entries.map((e) => formatEntry(e, inner)));
  let one = texts.map((entries) => entries.join(", ")).join(" | ");
  if (options.length) one = [one, ...options].join(", ");
  if (!one.includes("\n") && indent.length + prefix.length + name.length + one.length + tail.length + 2 <= WIDTH) {
    return `${prefix}${name}(${one})${tail}`;
  }
  const lines = [`${prefix}${name}(`];
  texts.forEach((entries, b) => {
    const again = inner + (b ? "  " : "");
    let line = inner + (b ? "| " : "");
    let fresh = true;
    for (const text of entries) {
      if (!fresh && (text.includes("\n") || line.length + 2 + text.length > WIDTH)) {
        lines.push(line);
        line = again;
        fresh = true;
      }
      line += fresh ? text : `, ${text}`;
      fresh = false;
      if (text.includes("\n")) {
        lines.push(line);
        line = again;
        fresh = true;
      }
    }
    if (!fresh || b) lines.push(line.trimEnd());
  });
  if (options.length) lines.push(inner + options.join(", "));
  lines.push(`${indent})${tail}`);
  return lines.join("\n");
}

/** The whole stack, one entry per line. `inputs` gives each layer's incoming shape, if known. */
export function formatText(layers, inputs = []) {
  // `inputs` are per layer of the analysis: with a block, rows and layers no longer align.
  if (layers.some(isBlock)) inputs = [];
  return layers
    .map((layer, i) => {
      const shape = inputs[i];
      const inF = shape && shape.length === 1 ? shape[0] : undefined;
      return formatEntry(layer, "", inF);
    })
    .join("\n");
}

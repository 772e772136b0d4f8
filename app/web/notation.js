// The text view: layers written in the course's notation or PyTorch's printout.
// The server parses the text (it is the reference); this reader only lets the rows follow
// the text as it is typed, and the writer turns rows back into the course's notation.
// What each kind is called and its positional arguments come from the catalogue (kinds.js).

import { arrowOf, displayName, positional } from "./kinds.js";

export { displayName };

/** The course's short names, as the API accepts them (CONTRACT.md). */
const ALIASES = {
  cout: "out_channels", c_out: "out_channels", k: "kernel_size", s: "stride", d: "dilation",
};
const UPPER_ALIASES = { P: "padding" }; // lower-case p is Dropout's probability
const SHORT = { out_channels: "Cout", kernel_size: "K", padding: "P", stride: "S", dilation: "D" };

class ParseError extends Error {
  constructor(message, line) {
    super(message);
    this.line = line;
  }
}

/** Split at commas that are not inside brackets. */
function splitTop(text) {
  const parts = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if ("([{".includes(ch)) depth += 1;
    if (")]}".includes(ch)) depth -= 1;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  if (current.trim()) parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

function parseValue(raw) {
  const text = raw.trim();
  if (/^\(.*\)$|^\[.*\]$/.test(text)) {
    const items = splitTop(text.slice(1, -1)).map(parseValue);
    return items.length === 1 ? items[0] : items;
  }
  if (/^[-+]?\d+$/.test(text)) return Number.parseInt(text, 10);
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return Number.parseFloat(text);
  if (text === "True" || text === "true") return true;
  if (text === "False" || text === "false") return false;
  if (text === "None" || text === "null") return null;
  const quoted = /^(['"])(.*)\1$/.exec(text);
  if (quoted) return quoted[2];
  if (/^\d+\s*[x×*]\s*\d+(\s*[x×*]\s*\d+)*$/.test(text)) {
    return text.split(/[x×*]/).map((n) => Number.parseInt(n, 10));
  }
  return text;
}

function fieldName(key) {
  if (key in UPPER_ALIASES) return UPPER_ALIASES[key];
  return ALIASES[key.toLowerCase()] || key;
}

function parseItem(item, line) {
  const m = /^(?:nn\.)?([A-Za-z][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$/s.exec(item);
  if (!m) throw new ParseError(`cannot read "${item}"`, line);
  const tag = m[1].toLowerCase();
  const layer = { type: tag };
  const args = m[2] ? m[2].trim() : "";
  if (!args) return layer;
  const arrow = /^(\d+)\s*-+>\s*(\d+)$/.exec(args);
  const arrowFields = arrowOf(tag);
  if (arrow && arrowFields) {
    layer[arrowFields[0]] = Number.parseInt(arrow[1], 10);
    layer[arrowFields[1]] = Number.parseInt(arrow[2], 10);
    return layer;
  }
  const names = positional(tag);
  let position = 0;
  for (const part of splitTop(args)) {
    const kv = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/s.exec(part);
    if (kv) {
      layer[fieldName(kv[1])] = parseValue(kv[2]);
    } else {
      if (position >= names.length) throw new ParseError(`too many values in "${item}"`, line);
      layer[names[position]] = parseValue(part);
      position += 1;
    }
  }
  return layer;
}

/** Layers from text, or a ParseError naming the line. Wrappers of a printout are skipped. */
export function parseText(text) {
  const layers = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, i) => {
    let line = rawLine.replace(/#.*$/, "").trim();
    if (!line) return;
    line = line.replace(/^\([\w.]+\)\s*:\s*/, ""); // "(0): Conv2d(...)"
    if (/^[A-Za-z_][\w.]*\s*\($/.test(line) || /^\)+,?$/.test(line)) return; // Sequential( … )
    if (/^(input|entrée|entree)\b/i.test(line)) return;
    let depth = 0;
    for (const ch of line) {
      if (ch === "(") depth += 1;
      if (ch === ")") depth -= 1;
    }
    if (depth !== 0) throw new ParseError("unbalanced parentheses", i + 1);
    for (const item of splitTop(line)) layers.push(parseItem(item, i + 1));
  });
  return layers;
}

function formatValue(value) {
  if (Array.isArray(value)) return `(${value.map(formatValue).join(", ")})`;
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return `'${value}'`;
  return String(value);
}

/** One layer in the course's notation: Conv (Cout=20, K=5, P=2, S=1), Linear (2450 -> 500). */
export function formatLayer(layer, inFeatures) {
  const name = displayName(layer.type);
  const entries = Object.entries(layer).filter(([k, v]) => k !== "type" && v !== undefined && v !== "");
  const arrowFields = arrowOf(layer.type);
  if (arrowFields && entries.length <= 2 && layer[arrowFields[1]] !== undefined) {
    const [source, target] = arrowFields;
    const inF = layer[source] ?? inFeatures;
    if (inF !== undefined && entries.every(([k]) => k === source || k === target)) {
      return `${name} (${inF} -> ${layer[target]})`;
    }
  }
  if (!entries.length) return name;
  const args = entries.map(([k, v]) => `${SHORT[k] || k}=${formatValue(v)}`);
  return `${name} (${args.join(", ")})`;
}

/** The whole stack, one layer per line. `inputs` gives each layer's incoming shape, if known. */
export function formatText(layers, inputs = []) {
  return layers
    .map((layer, i) => {
      const shape = inputs[i];
      const inF = shape && shape.length === 1 ? shape[0] : undefined;
      return formatLayer(layer, inF);
    })
    .join("\n");
}

// The course's notation, written from rows: the text view shows the rows this way, and the
// table labels each layer so. Reading text is the server's job (POST /v1/analyze answers
// with the layers as it understood them, and the rows are rebuilt from those).
// What each kind is called comes from the catalogue (kinds.js).

import { arrowOf, displayName } from "./kinds.js";

export { displayName };

const SHORT = { out_channels: "Cout", kernel_size: "K", padding: "P", stride: "S", dilation: "D" };

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

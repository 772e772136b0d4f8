// cnncalc's page: edit a stack (rows or text), see the course's table, the picture, the
// worked formulas; check with PyTorch, export, grade homework, share by link.
// It talks only to /v1 and runs under a strict Content-Security-Policy (no inline code).

import { browserLang, formatBytes, formatDecimal, formatInt, translator } from "./i18n.js";
import { useCatalogue } from "./kinds.js";
import { displayName, formatLayer, formatText } from "./notation.js";
import { draw, fieldOf } from "./picture.js";

/** graph.js and the layout library it imports, loaded the first time a network branches. */
let graphModule = null;
let graphLoading = null;
let drawCount = 0;

function loadGraph() {
  graphLoading ||= import("./graph.js").then((module) => {
    graphModule = module;
    return module;
  });
  return graphLoading;
}

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 200;
/** Fields shown on the row itself, in this order; the others go under "more". */
const PRIMARY = ["out_channels", "kernel_size", "padding", "stride", "out_features", "p", "output_size", "num_groups", "negative_slope", "dim"];
/** The course's names for PyTorch's fields. */
const SHORT = { out_channels: "C_out", kernel_size: "K", padding: "P", stride: "S", dilation: "D", out_features: "out", in_features: "in", in_channels: "C_in" };
/** Fields a convolution always shows, as the course writes it: Conv (Cout=20, K=5, P=2, S=1). */
const COURSE_FIELDS = new Set(["padding", "stride"]);
const PHONE = window.matchMedia("(max-width: 700px)");

const state = {
  input: [1, 28, 28],
  layers: [],
  text: "",
  source: "rows", // which view the user edited last: its content is sent to the server
  view: "rows",
  lang: "en",
  strict: false,
  homework: false,
  reveal: false,
  preset: "",
  sel: null,
  unit: null,
  answers: {},
  grades: {},
};

let catalogue = [];
const kindOfType = new Map();
let examples = {};
let t = translator("en");
let analysis = null;
let analysisOk = false;
let seq = 0;
let controller = null;
let timer = 0;
let lastHash = "";
let explainTarget = null;
let shownExplain = null;
// The server's reading is the one truth: the rows, the labels and the link are rebuilt from
// the layers it answers with (layers_as_understood).
let adopt = false; // the next answer rebuilds the rows (a preset, a link, a new network…)
let rowsText = null; // the text the rows were rebuilt from
let textTried = null; // the last text the server answered about (read or refused)
// The last good analysis the student settled on: not one computed while a field is still
// being typed in (typing "40" passes through "4"), which a refused edit would dim in place.
let settled = null;
let typing = null;
let pending = false; // an edit not answered yet

// ---------- small helpers ----------

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** Numbers and byte counts as the page's language writes them (i18n.js: the CLI's rules). */
const fmtDecimal = (value, digits) => formatDecimal(value, digits, state.lang);
const fmtInt = (n) => formatInt(n, state.lang);
const fmtShape = (shape) => (shape && shape.length ? shape.join(" × ") : "");

function fmtCompact(n) {
  const units = state.lang === "fr" ? ["", " k", " M", " G", " T"] : ["", "K", "M", "B", "T"];
  let value = n;
  let u = 0;
  while (Math.abs(value) >= 1000 && u < units.length - 1) {
    value /= 1000;
    u += 1;
  }
  return fmtDecimal(value, u === 0 ? 0 : 1) + units[u];
}

const fmtBytes = (bytes, exact = false) => formatBytes(bytes, state.lang, exact);

function fmtRf(rf) {
  if (!rf) return "";
  const size = rf.size.map((s) => (Number.isInteger(s) ? s : s.toFixed(1))).join(" × ");
  return rf.global ? `${t("global")} (${size})` : size;
}

/** "1 x 28 x 28", "1,28,28", "[1, 28, 28]" -> [1, 28, 28]; null if not a shape. */
function parseShape(text) {
  const parts = String(text).replace(/[[\]()]/g, "").split(/\s*[x×*,;]\s*|\s+/).filter(Boolean);
  if (!parts.length || !parts.every((p) => /^\d+$/.test(p))) return null;
  return parts.map((p) => Number.parseInt(p, 10));
}

/** A row field's text -> the JSON value the API takes (unparsable text is sent as is). */
function parseFieldValue(raw) {
  const text = raw.trim();
  if (!text) return undefined;
  if (/^-?\d+$/.test(text)) return Number.parseInt(text, 10);
  if (/^-?(\d+\.\d*|\.\d+|\d+)(e-?\d+)?$/i.test(text)) return Number.parseFloat(text);
  const shape = /^\(?\s*\d+(\s*[,x×]\s*\d+)+\s*,?\s*\)?$/.test(text) ? parseShape(text) : null;
  if (shape) return shape;
  if (/^(none|null)$/i.test(text)) return null;
  return text;
}

function showFieldValue(value) {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

const sameValue = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const rank = (name) => (PRIMARY.includes(name) ? PRIMARY.indexOf(name) : PRIMARY.length);

/**
 * A row from a layer as the server understood it: the fields that say something (required,
 * different from the default, or a convolution's P and S), the primary ones first.
 */
function rowOf(spec) {
  if (spec && BLOCKS.has(spec.type)) return blockRowOf(spec);
  const kind = kindOf(spec.type);
  if (!kind) return { ...spec };
  const conv = kind.fields.some((f) => f.name === "out_channels");
  const row = { type: spec.type };
  for (const f of [...kind.fields].sort((a, b) => rank(a.name) - rank(b.name))) {
    const value = spec[f.name];
    if (value === undefined || value === null) continue;
    if (f.required || !sameValue(value, f.default) || (conv && COURSE_FIELDS.has(f.name))) row[f.name] = value;
  }
  for (const [key, value] of Object.entries(spec)) {
    if (!(key in row) && value !== null && !kind.fields.some((f) => f.name === key)) row[key] = value;
  }
  return row;
}

const BLOCKS = new Set(["sequential", "residual", "parallel"]);

/** A block as the server read it, its layers as rows (what a link and the JSON view carry). */
function blockRowOf(spec) {
  const row = {};
  for (const [key, value] of Object.entries(spec)) {
    if (value === null || value === undefined) continue;
    if (key === "layers" || key === "shortcut") row[key] = Array.isArray(value) ? value.map(rowOf) : value;
    else if (key === "branches") row[key] = Array.isArray(value) ? value.map((list) => (Array.isArray(list) ? list.map(rowOf) : list)) : value;
    else if (!(key === "repeat" && value === 1)) row[key] = value;
  }
  return row;
}

/** Whether a list of layers (rows or JSON) describes a graph: a block, an id or inputs. */
const branchy = (layers) => layers.some((l) => l && (BLOCKS.has(l.type) || l.inputs !== undefined));

/** The entry of a list of specs that a segment of a dotted name stands for: its id, or its position. */
function entryOf(list, segment) {
  if (!Array.isArray(list)) return undefined;
  return /^\d+$/.test(segment) ? list[Number(segment)] : list.find((spec) => spec && spec.id === segment);
}

/**
 * The spec the server read for a layer of the report, found by its dotted name among the
 * blocks (docs/graphs.md, "Names and ids"); undefined for a block's own merge.
 */
function specOf(layer, report) {
  const specs = report.layers_as_understood || [];
  if (!String(layer.name).includes(".")) {
    const spec = entryOf(specs, layer.name) || (specs.length === report.layers.length ? specs[layer.index] : undefined);
    return spec && !BLOCKS.has(spec.type) ? spec : undefined;
  }
  const parts = String(layer.name).split(".");
  let spec = entryOf(specs, parts.shift());
  while (spec && BLOCKS.has(spec.type) && parts.length) {
    let list = spec.layers;
    if (spec.type === "sequential" && (spec.repeat || 1) > 1) parts.shift();
    else if (spec.type === "residual" && parts[0] === "shortcut") list = spec.shortcut, parts.shift();
    else if (spec.type === "parallel") list = (spec.branches || [])[Number(parts.shift())];
    spec = parts.length ? entryOf(list, parts.shift()) : undefined;
  }
  return spec && !parts.length && !BLOCKS.has(spec.type) ? spec : undefined;
}

/** Whether the layer reads something else than the layer listed just before it. */
function branches(layer, report) {
  const previous = layer.index === 0 ? "input" : report.layers[layer.index - 1].id;
  return !(layer.inputs && layer.inputs.length === 1 && layer.inputs[0] === previous);
}

/** Whether the analysed network branches: some layer reads another than the one before it. */
function isGraphReport(report) {
  return report.layers.some((layer) => layer.inputs !== undefined && branches(layer, report));
}

/** A graph layer's place and wiring under its label: ``layer1.0.conv1 ← 3, layer1.0.bn2``. */
function layerWiring(layer, report = analysis) {
  const spec = specOf(layer, report);
  // An id given to a top-level layer is already in its label (rowOf keeps it).
  const named = layer.name !== undefined && layer.name !== String(layer.index) && !(spec && spec.id === layer.name);
  const wired = layer.inputs !== undefined && branches(layer, report);
  if (!named && !wired) return null;
  return h("span", { class: "layer-wiring" },
    named ? h("code", { class: "layer-name" }, layer.name) : null,
    wired ? h("span", { class: "layer-inputs", title: t("inputsTitle") }, ` ← ${layer.inputs.join(", ")}`) : null);
}

/** The label of a layer of the table: what the server read, so it never contradicts its numbers. */
function layerLabel(layer, report = analysis) {
  const spec = specOf(layer, report);
  if (!spec) return displayName(layer.type);
  const row = rowOf(spec);
  // A pooling's stride left to PyTorch is its kernel: say it, as the course does.
  if (spec.stride === null && row.kernel_size !== undefined) row.stride = row.kernel_size;
  const inFeatures = layer.input_shape.length === 1 && !hidingAnswers() ? layer.input_shape[0] : undefined;
  return formatLayer(row, inFeatures);
}

// ---------- URL state ----------

/** JSON longer than this goes into the link deflated (`#z=`): ResNet-50's is 7 kB, deflated 0.7 kB. */
const LONG_STATE = 2000;

function base64url(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unbase64url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "===".slice((b64.length + 3) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Bytes through a (de)compression stream of the browser: "deflate-raw", no library. */
async function throughStream(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

/**
 * The address of the state on screen: `#s=` and base64url JSON, or for a long state (a
 * graph) `#z=` and the same JSON deflated, so that a ResNet-50, edited or not, fits in a
 * link of about a thousand characters and reopens without the preset it came from.
 */
async function stateHash() {
  const json = encodeState();
  const bytes = new TextEncoder().encode(json);
  if (json.length <= LONG_STATE || typeof CompressionStream !== "function") return `#s=${base64url(bytes)}`;
  return `#z=${base64url(await throughStream(bytes, new CompressionStream("deflate-raw")))}`;
}

function encodeState() {
  const data = { v: 1, i: state.input, l: state.layers, lang: state.lang };
  if (state.source === "text") data.t = state.text;
  if (state.strict) data.s = 1;
  if (state.homework) data.h = 1;
  if (state.preset) data.p = state.preset;
  if (state.sel !== null) data.sel = state.sel;
  if (state.unit) data.u = state.unit;
  return JSON.stringify(data);
}

async function decodeState(hash) {
  const m = /^#([sz])=([A-Za-z0-9_-]+)$/.exec(hash);
  if (!m) return null;
  try {
    let bytes = unbase64url(m[2]);
    if (m[1] === "z") bytes = await throughStream(bytes, new DecompressionStream("deflate-raw"));
    const data = JSON.parse(new TextDecoder().decode(bytes));
    if (!data || !Array.isArray(data.l) || !Array.isArray(data.i)) return null;
    return data;
  } catch {
    return null;
  }
}

function applyDecoded(data) {
  state.input = data.i;
  state.layers = data.l.filter((l) => l && typeof l.type === "string");
  state.source = typeof data.t === "string" ? "text" : "rows";
  state.text = typeof data.t === "string" ? data.t : "";
  if (data.lang === "fr" || data.lang === "en") state.lang = data.lang;
  state.strict = Boolean(data.s);
  state.homework = Boolean(data.h);
  state.preset = typeof data.p === "string" ? data.p : "";
  state.sel = Number.isInteger(data.sel) ? data.sel : null;
  state.unit = Array.isArray(data.u) ? data.u : null;
  state.answers = {};
  state.grades = {};
}

let urlSeq = 0;

/** Keep the address on the state on screen (the latest call wins; compressing is async). */
async function writeUrl() {
  const mine = ++urlSeq;
  const hash = await stateHash();
  if (mine !== urlSeq) return;
  if (hash !== location.hash) {
    lastHash = hash;
    history.replaceState(null, "", hash);
  }
}

// ---------- requests ----------

function requestBody(extra = {}) {
  const layers = state.source === "text" ? state.text : state.layers.map(cleanLayer);
  return { input_shape: state.input, layers, lang: state.lang, strict: state.strict, ...extra };
}

function cleanLayer(layer) {
  const out = {};
  for (const [k, v] of Object.entries(layer)) if (v !== undefined) out[k] = v;
  return out;
}

async function postJson(path, body, signal) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json, application/problem+json, text/x-python" },
    body: JSON.stringify(body),
    signal,
  });
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  return { ok: response.ok, status: response.status, data };
}

function schedule(delay = DEBOUNCE_MS) {
  clearTimeout(timer);
  pending = true;
  // An answer about the network as it was must not land now (it would rebuild the rows).
  if (controller) controller.abort();
  seq += 1;
  writeUrl();
  // A check or an export of the stack as it was would now mislead.
  $("verification").hidden = true;
  $("export-box").hidden = true;
  timer = setTimeout(runAnalysis, delay);
}

async function runAnalysis() {
  clearTimeout(timer);
  const shapeOk = checkInputShape();
  if (!shapeOk) {
    analysisOk = false;
    markStale(true);
    return;
  }
  if (controller) controller.abort();
  controller = new AbortController();
  const mine = ++seq;
  const body = requestBody();
  document.body.dataset.busy = "1";
  setStatus(t("computing"));
  try {
    const result = await postJson("/v1/analyze", body, controller.signal);
    if (mine !== seq) return;
    clearErrors();
    if (typeof body.layers === "string") textTried = body.layers;
    if (result.ok) {
      analysis = result.data;
      analysisOk = true;
      $("problem").hidden = true;
      if (typeof body.layers === "string" || adopt) adoptRows(body);
      if (!typing || document.activeElement !== typing) settled = analysis;
      keepSelection();
      setStatus(readyText());
      renderResults();
      refreshExplain();
    } else {
      analysisOk = false;
      showProblem(result.data, result.status);
      if (settled && analysis !== settled) {
        analysis = settled;
        keepSelection();
        renderResults();
      }
      markStale(true);
    }
    updateRowsNote();
  } catch (error) {
    if (error.name === "AbortError") return;
    setStatus(t("offline", { e: error.message }));
  } finally {
    if (mine === seq) {
      document.body.dataset.busy = "0";
      pending = false;
    }
  }
}

/** Rebuild the rows (and the link, and the text written from them) from the server's reading. */
function adoptRows(body) {
  const specs = analysis.layers_as_understood;
  if (!Array.isArray(specs)) return;
  state.layers = specs.map(rowOf);
  adopt = false;
  if (typeof body.layers === "string") rowsText = body.layers;
  if (state.view === "rows") renderRows();
  else if (state.view === "json") {
    if (state.source !== "json") fillJson();
  } else if (state.source === "rows") showView("text");
  updateFoldLabel();
  writeUrl();
}

/** While the network cannot run, what is on screen is the last one that did: greyed. */
function markStale(stale) {
  for (const id of ["table", "totals", "picture"]) $(id).classList.toggle("stale", stale);
}

/** Homework hides every answer until the student asks to see them. */
const hidingAnswers = () => state.homework && !state.reveal;

function readyText() {
  const n = analysis.layers.length;
  if (!n) return t("emptyStack");
  const layers = t(n === 1 ? "layerWord" : "layersWord");
  if (hidingAnswers()) return t("readyHomework", { n, layers });
  return t("ready", { n, layers, p: fmtInt(analysis.total_params) });
}

function setStatus(text) {
  $("status").textContent = text;
}

// ---------- errors on the field at fault ----------

function clearErrors() {
  for (const node of document.querySelectorAll("[aria-invalid='true']")) node.removeAttribute("aria-invalid");
  for (const node of document.querySelectorAll(".field-error, .row-error")) node.textContent = "";
  for (const node of document.querySelectorAll(".row.has-error")) node.classList.remove("has-error");
  $("problem").hidden = true;
}

function showProblem(problem, status) {
  const box = $("problem");
  const detail = typeof problem === "object" && problem ? problem.detail || problem.title : String(problem);
  box.textContent = "";
  box.append(h("strong", { text: `${t("invalid")} ` }), h("span", { text: detail || `HTTP ${status}` }));
  if (analysis) box.append(h("p", { class: "stale-note", text: t("staleNote") }));
  box.hidden = false;
  setStatus(t("invalid"));
  const errors = (problem && Array.isArray(problem.errors) && problem.errors) || [];
  if (errors.length && $("editor").classList.contains("folded")) setFolded(false);
  for (const err of errors) placeError(err);
}

function placeError(err) {
  const loc = [...(err.loc || [])];
  while (loc[0] === "body") loc.shift();
  const msg = err.msg || "";
  if (loc[0] === "input_shape" || loc[0] === "batch_size") {
    $("input-shape").setAttribute("aria-invalid", "true");
    $("input-shape-error").textContent = msg;
    return;
  }
  if (loc[0] !== "layers") return;
  const index = loc[1];
  if (!Number.isInteger(index)) {
    $("stack-text").setAttribute("aria-invalid", "true");
    $("stack-text-error").textContent = msg;
    return;
  }
  const field = typeof loc[2] === "string" ? loc[2] : null;
  if (state.source === "text" || state.source === "json") {
    const where = loc.slice(2).filter((part) => part !== field).join(".");
    $(`stack-${state.source}`).setAttribute("aria-invalid", "true");
    $(`stack-${state.source}-error`).textContent = `${t("layerN", { n: index })}${where ? ` › ${where}` : ""}${field ? ` (${field})` : ""}: ${msg}`;
  }
  const row = document.querySelector(`#rows .row[data-index="${index}"]`);
  if (!row) return;
  row.classList.add("has-error");
  const input = field ? row.querySelector(`[data-field="${field}"]`) : null;
  if (input) {
    input.setAttribute("aria-invalid", "true");
    const details = input.closest("details");
    if (details) details.open = true;
    const slot = input.closest(".field").querySelector(".field-error");
    slot.textContent = msg;
  } else {
    row.querySelector(".row-error").textContent = field ? `${field}: ${msg}` : msg;
  }
}

function checkInputShape() {
  const box = $("input-shape");
  const shape = parseShape(box.value);
  if (!shape) {
    box.setAttribute("aria-invalid", "true");
    $("input-shape-error").textContent = state.lang === "fr" ? "Écrivez une taille comme 1 x 28 x 28." : "Write a shape such as 1 x 28 x 28.";
    return false;
  }
  return true;
}

// ---------- rows editor ----------

function kindOf(type) {
  return kindOfType.get(String(type).toLowerCase());
}

/** A layer with PyTorch's field names (presets and text may use the course's: K, P, S…). */
function normalizeLayer(layer) {
  const kind = kindOf(layer.type);
  if (!kind) return { ...layer };
  const out = { type: String(layer.type).toLowerCase() };
  for (const [key, value] of Object.entries(layer)) {
    if (key === "type") continue;
    const field = kind.fields.find((f) => f.name === key || (f.aliases || []).includes(key));
    out[field ? field.name : key] = value;
  }
  return out;
}

const normalizeAll = (layers) => layers.map(normalizeLayer);

let typeOptions = null;

/** The options of every type select, built once from the catalogue and cloned per row. */
function typeOptionsTemplate() {
  if (!typeOptions) {
    typeOptions = document.createDocumentFragment();
    for (const kind of catalogue) {
      const group = h("optgroup", { label: kind.kind });
      for (const tag of kind.types) group.append(h("option", { value: tag, text: displayName(tag) }));
      typeOptions.append(group);
    }
  }
  return typeOptions.cloneNode(true);
}

function typeSelect(layer, index) {
  const select = h("select", { class: "type", id: `type-${index}`, "aria-label": `${t("type")} — ${t("layerN", { n: index })}` });
  select.append(typeOptionsTemplate());
  const tag = String(layer.type).toLowerCase();
  if (kindOfType.has(tag)) select.value = tag;
  else select.prepend(h("option", { value: layer.type, text: layer.type, selected: true }));
  select.addEventListener("change", () => {
    const kind = kindOf(select.value);
    const sameKind = kind && kind === kindOf(state.layers[index].type);
    // Within a kind (conv2d -> conv1d) every field stays; across kinds only the required
    // ones do (a convolution's stride 1 would be a surprise on a pooling layer).
    const names = new Set(kind ? kind.fields.filter((f) => sameKind || f.required).map((f) => f.name) : []);
    const next = { type: select.value };
    for (const [k, v] of Object.entries(state.layers[index])) if (names.has(k)) next[k] = v;
    for (const f of kind ? kind.fields : []) {
      if (f.required && next[f.name] === undefined) next[f.name] = defaultFor(f.name);
    }
    state.layers[index] = next;
    edited();
    renderRows(`#type-${index}`);
    schedule(0);
  });
  return select;
}

function defaultFor(name) {
  return { out_channels: 16, kernel_size: 3, out_features: 10, output_size: 1, num_groups: 1 }[name] ?? 1;
}

function fieldEditor(layer, index, field) {
  const id = `f-${index}-${field.name}`;
  const short = SHORT[field.name] || field.name;
  const schema = field.schema || {};
  const value = layer[field.name];
  const label = `${short}${short !== field.name ? ` (${field.name})` : ""} — ${t("layerN", { n: index })}`;
  if (schema.type === "boolean") {
    const box = h("input", { type: "checkbox", id, "data-field": field.name, "aria-label": label });
    box.checked = value === undefined ? Boolean(field.default) : Boolean(value);
    box.addEventListener("change", () => {
      state.layers[index][field.name] = box.checked;
      edited();
      schedule(0);
    });
    return h("div", { class: "field check-field" }, h("label", { for: id, title: field.name }, box, ` ${short}`), h("span", { class: "field-error", role: "alert" }));
  }
  let control;
  if (Array.isArray(schema.enum)) {
    control = h("select", { id, "data-field": field.name, "aria-label": label });
    for (const option of schema.enum) control.append(h("option", { value: option, text: option, selected: (value ?? field.default) === option }));
    control.addEventListener("change", () => {
      state.layers[index][field.name] = control.value;
      edited();
      schedule(0);
    });
  } else {
    const placeholder = field.default === null || field.default === undefined ? (field.name === "stride" ? "= K" : "") : showFieldValue(field.default);
    control = h("input", {
      type: "text", id, "data-field": field.name, "aria-label": label, value: showFieldValue(value),
      placeholder, inputmode: /size|channels|features|padding|stride|dilation|groups/.test(field.name) ? "numeric" : "text",
      autocomplete: "off", spellcheck: "false", size: 5, "aria-required": field.required ? "true" : undefined,
    });
    control.addEventListener("input", () => {
      typing = control;
      state.layers[index][field.name] = parseFieldValue(control.value);
      control.removeAttribute("aria-invalid");
      edited();
      schedule();
    });
  }
  return h("div", { class: `field${field.required ? " required" : ""}` }, h("label", { for: id, title: field.name }, short), control, h("span", { class: "field-error", role: "alert" }));
}

function toolButton(symbol, label, onclick, disabled = false) {
  return h("button", { type: "button", class: "tool", "aria-label": label, title: label, onclick, disabled }, symbol);
}

function renderRows(focusSelector) {
  const list = $("rows");
  list.replaceChildren();
  state.layers.forEach((layer, index) => {
    const kind = kindOf(layer.type);
    const fields = kind ? kind.fields : [];
    const primary = fields.filter((f) => PRIMARY.includes(f.name) || f.required).sort((a, b) => PRIMARY.indexOf(a.name) - PRIMARY.indexOf(b.name));
    const others = fields.filter((f) => !primary.includes(f));
    const row = h("li", { class: "row", "data-index": index, "aria-label": t("layerN", { n: index }) });
    const head = h("div", { class: "row-main" }, h("span", { class: "row-num", "aria-hidden": "true" }, String(index)));
    head.append(h("div", { class: "row-body" }, typeSelect(layer, index), h("div", { class: "fields" }, primary.map((f) => fieldEditor(layer, index, f)))));
    const n = state.layers.length;
    head.append(
      h("div", { class: "row-tools" },
        toolButton("↑", t("moveUp", { n: index }), () => move(index, -1), index === 0),
        toolButton("↓", t("moveDown", { n: index }), () => move(index, 1), index === n - 1),
        toolButton("⊕", t("duplicate", { n: index }), () => duplicate(index)),
        toolButton("✕", t("remove", { n: index }), () => remove(index)),
      ),
    );
    if (others.length) {
      const extra = others.some((f) => layer[f.name] !== undefined);
      head.append(h("details", { class: "more", open: extra }, h("summary", {}, t("more")), h("div", { class: "fields" }, others.map((f) => fieldEditor(layer, index, f)))));
    }
    row.append(head, h("p", { class: "row-error", role: "alert" }));
    list.append(row);
  });
  if (focusSelector) {
    const target = document.querySelector(focusSelector);
    if (target) target.focus();
  }
}

function edited() {
  state.source = "rows";
  state.preset = "";
  state.grades = {};
  adopt = false;
  $("preset").value = "";
  updateRowsNote();
  updateFoldLabel();
}

/** One click to an empty network; the input stays. */
function newNetwork() {
  state.layers = [];
  state.text = "";
  $("stack-text").value = "";
  edited();
  if (state.view === "json") fillJson();
  state.sel = null;
  state.unit = null;
  state.answers = {};
  $("score").textContent = "";
  for (const id of ["explain", "export-box", "verification"]) $(id).hidden = true;
  renderRows();
  if (state.view === "text") $("stack-text").focus();
  else $("add-layer").focus();
  schedule(0);
}

function move(index, delta) {
  const to = index + delta;
  const [layer] = state.layers.splice(index, 1);
  state.layers.splice(to, 0, layer);
  edited();
  renderRows();
  // Keep the keyboard on the same arrow of the moved row (or its other arrow at an end).
  const tools = document.querySelectorAll(`#rows .row[data-index="${to}"] .tool`);
  const same = tools[delta < 0 ? 0 : 1];
  const other = tools[delta < 0 ? 1 : 0];
  (same && !same.disabled ? same : other).focus();
  schedule(0);
}

function duplicate(index) {
  state.layers.splice(index + 1, 0, structuredClone(state.layers[index]));
  edited();
  renderRows(`#type-${index + 1}`);
  schedule(0);
}

function remove(index) {
  state.layers.splice(index, 1);
  edited();
  renderRows();
  const next = Math.min(index, state.layers.length - 1);
  if (next >= 0) $(`type-${next}`).focus();
  else $("add-layer").focus();
  schedule(0);
}

function addLayer() {
  const last = analysisOk && analysis && analysis.layers.length ? analysis.output_shape : state.input;
  const layer = last && last.length > 1
    ? { type: `conv${Math.min(3, last.length - 1)}d`, out_channels: 16, kernel_size: 3, padding: 1 }
    : { type: "linear", out_features: 10 };
  state.layers.push(layer);
  edited();
  renderRows(`#type-${state.layers.length - 1}`);
  schedule(0);
}

// ---------- text view ----------

/**
 * The rows follow the text through the server: until it has answered about the text on
 * screen they wait (inert); if it refused the text, they say they are the last network read.
 */
function updateRowsNote() {
  const behind = state.source === "text" && rowsText !== state.text;
  const waiting = behind && textTried !== state.text;
  $("view-rows").inert = waiting;
  $("rows").classList.toggle("behind", behind);
  const graph = !behind && branchy(state.layers);
  $("rows-note").textContent = waiting ? t("rowsWaiting") : behind ? t("rowsStale") : graph ? t("rowsGraph") : "";
}

function textFromRows() {
  const inputs = analysisOk && analysis ? analysis.layers.map((l) => l.input_shape) : [];
  return formatText(state.layers, inputs);
}

const VIEWS = ["rows", "text", "json"];

function showView(view) {
  state.view = view;
  for (const name of VIEWS) {
    const on = name === view;
    $(`tab-${name}`).setAttribute("aria-selected", String(on));
    $(`tab-${name}`).tabIndex = on ? 0 : -1;
    $(`view-${name}`).hidden = !on;
  }
  if (view === "rows") {
    renderRows();
    updateRowsNote();
    // Text typed a moment ago: ask the server now rather than after the pause.
    if (state.source === "text" && rowsText !== state.text && textTried !== state.text) runAnalysis();
  } else if (view === "text") {
    // The course's notation writes blocks, ids and inputs too (docs/notation.md).
    if (state.source !== "text") {
      state.text = textFromRows();
      $("stack-text").value = state.text;
    }
  } else if (state.source !== "json") fillJson();
}

/**
 * The layers in JSON, one layer a line, a block's lists indented under it: what
 * POST /v1/analyze takes, and readable enough to edit a ResNet by hand.
 */
function jsonText(value, indent = "") {
  const isList = Array.isArray(value) && value.length && value.every((v) => v && typeof v === "object");
  if (isList) {
    const inner = `${indent}  `;
    return `[\n${value.map((v) => inner + jsonText(v, inner)).join(",\n")}\n${indent}]`;
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${jsonText(v, indent)}`).join(", ")}}`;
  }
  return JSON.stringify(value).replace(/,/g, ", ");
}

function fillJson() {
  $("stack-json").value = jsonText(state.layers.map(cleanLayer));
  $("stack-json").removeAttribute("aria-invalid");
  $("stack-json-error").textContent = "";
}

/** A JSON edit: a list of layers, or a body {"input_shape": …, "layers": […]}. */
function readJson() {
  typing = null;
  const box = $("stack-json");
  box.removeAttribute("aria-invalid");
  $("stack-json-error").textContent = "";
  let data;
  try {
    data = JSON.parse(box.value);
  } catch (error) {
    data = undefined;
    $("stack-json-error").textContent = t("jsonInvalid", { e: error.message });
  }
  const layers = Array.isArray(data) ? data : data && Array.isArray(data.layers) ? data.layers : null;
  if (!layers) {
    if (data !== undefined) $("stack-json-error").textContent = t("jsonShape");
    box.setAttribute("aria-invalid", "true");
    clearTimeout(timer);
    analysisOk = false;
    markStale(true);
    return;
  }
  if (!Array.isArray(data) && Array.isArray(data.input_shape) && data.input_shape.every(Number.isInteger)) {
    state.input = data.input_shape;
    $("input-shape").value = fmtShape(state.input);
    updateInputLabel();
  }
  state.layers = layers;
  state.source = "json";
  state.preset = "";
  state.grades = {};
  $("preset").value = "";
  // The rows follow the server's reading of this JSON; the JSON itself stays as typed.
  adopt = true;
  updateFoldLabel();
  schedule();
}

// ---------- results ----------

function columns() {
  const cols = [
    { key: "index", label: t("colIndex") },
    { key: "layer", label: t("colLayer") },
    { key: "output", label: t("colOutput"), answer: "output_shape" },
    { key: "weight", label: t("colWeight"), answer: "weight_shape" },
    { key: "params", label: t("colParams"), answer: "params" },
    { key: "rf", label: t("colRf"), answer: "receptive_field" },
  ];
  if (!state.homework) cols.push({ key: "macs", label: t("colMacs") }, { key: "memory", label: t("colMemory") });
  return cols;
}

function cellValue(layer, key) {
  switch (key) {
    case "output": return fmtShape(layer.output_shape);
    case "weight": return layer.weight_shape ? fmtShape(layer.weight_shape) : "";
    case "params": return layer.params ? fmtInt(layer.params) : "0";
    case "rf": return fmtRf(layer.receptive_field);
    case "macs": return layer.macs ? fmtCompact(layer.macs) : "0";
    case "memory": return fmtBytes(layer.output_bytes);
    default: return "";
  }
}

function cellTitle(layer, key) {
  if (key === "macs") return fmtInt(layer.macs);
  if (key === "memory") return fmtBytes(layer.output_bytes, true);
  return undefined;
}

function renderResults() {
  if (!analysis) return;
  renderTable();
  renderTotals();
  renderPicture();
  markStale(false);
}

/** A visible cue when the table is wider than its box: a shade on the side hiding columns. */
function updateScrollCue() {
  const wrap = $("table-wrap");
  const over = wrap.scrollWidth > wrap.clientWidth + 1;
  const atEnd = wrap.scrollLeft + wrap.clientWidth >= wrap.scrollWidth - 1;
  $("scroll-hint").hidden = !over;
  $("table-box").classList.toggle("more-right", over && !atEnd);
  $("table-box").classList.toggle("more-left", over && wrap.scrollLeft > 1);
}

function renderTable() {
  const cols = columns();
  const table = $("table");
  table.classList.toggle("homework", state.homework);
  $("table-help").textContent = state.homework ? t("tableHelpHomework") : t("tableHelp");
  const headRow = table.tHead.rows[0];
  headRow.replaceChildren(...cols.map((c) => h("th", { scope: "col", class: `c-${c.key}` }, c.label)));
  const body = table.tBodies[0];
  body.replaceChildren();
  body.append(
    h("tr", { class: "input-row" },
      h("td", { class: "c-index" }),
      h("th", { scope: "row", class: "c-layer" }, t("inputRow")),
      h("td", { class: "c-output" }, fmtShape(analysis.input_shape)),
      cols.slice(3).map((c) => h("td", { class: `c-${c.key}` })),
    ),
  );
  for (const layer of analysis.layers) {
    const warned = layer.warnings && layer.warnings.length;
    const tr = h("tr", { class: warned ? "warned" : undefined, "data-layer": layer.index });
    for (const c of cols) {
      if (c.key === "index") tr.append(h("td", { class: "c-index" }, String(layer.index)));
      else if (c.key === "layer") {
        tr.append(h("th", { scope: "row", class: "c-layer" },
          h("span", { class: "li", "aria-hidden": "true" }, `${layer.index} `),
          warned ? h("span", { class: "warn-icon", "aria-hidden": "true" }, "⚠ ") : null, layerLabel(layer), layerWiring(layer)));
      }
      else if (state.homework && c.answer) tr.append(h("td", { class: `c-${c.key}` }, answerCell(layer, c)));
      else {
        const text = cellValue(layer, c.key);
        const button = h("button", {
          type: "button", class: "cell", title: cellTitle(layer, c.key),
          "aria-label": `${c.label}, ${t("layerN", { n: layer.index })}: ${text || "—"}${c.key === "weight" && layer.bias_shape ? `, bias ${fmtShape(layer.bias_shape)}` : ""}`,
          onclick: (event) => openExplain(layer.index, c, event.currentTarget),
        }, text || "—");
        if (c.key === "weight" && layer.bias_shape) button.append(h("span", { class: "bias", "aria-hidden": "true" }, ` + ${fmtShape(layer.bias_shape)}`));
        tr.append(h("td", { class: `c-${c.key}` }, button));
      }
    }
    body.append(tr);
    if (warned) {
      body.append(h("tr", { class: "warning-row" }, h("td", { colspan: cols.length }, layer.warnings.map((w) => h("p", { class: "warning", "data-code": w.code }, ...warningContent(w))))));
    }
  }
  const foot = table.tFoot;
  foot.replaceChildren();
  const totalCells = cols.map((c) => {
    if (c.key === "layer") return h("th", { scope: "row", class: "c-layer" }, t("total"));
    if (c.key === "output") return h("td", { class: "c-output" }, hidingAnswers() ? "" : fmtShape(analysis.output_shape));
    if (c.key === "params") {
      if (state.homework) return h("td", { class: "c-params" }, answerCell(null, { key: "params", answer: "total_params", label: t("colParams") }));
      return h("td", { class: "c-params total-params" }, fmtInt(analysis.total_params));
    }
    if (c.key === "macs") return h("td", { class: "c-macs", title: fmtInt(analysis.total_macs) }, fmtCompact(analysis.total_macs));
    if (c.key === "memory") return h("td", { class: "c-memory" }, fmtBytes(analysis.activation_bytes));
    return h("td", { class: `c-${c.key}` });
  });
  foot.append(h("tr", {}, totalCells));
  const stack = $("stack-warnings");
  stack.replaceChildren(...(analysis.warnings || []).filter((w) => w.layer === null || w.layer === undefined).map((w) => h("li", { class: "warning", "data-code": w.code }, ...warningContent(w))));
  $("homework-bar").hidden = !state.homework;
  $("reveal").textContent = state.reveal ? t("hide") : t("reveal");
  updateScrollCue();
}

/** A warning's text, and for an input written channels last the one click that mends it. */
function warningContent(w) {
  const parts = [`⚠ ${w.message}`];
  const suggested = w.code === "channels_last" && w.params && w.params.suggested;
  if (Array.isArray(suggested) && suggested.every((n) => Number.isInteger(n) && n > 0)) {
    parts.push(" ", h("button", { type: "button", class: "suggest", id: "channels-last-fix", onclick: () => useInputShape(suggested) },
      t("channelsLastFix", { shape: fmtShape(suggested) })));
  }
  return parts;
}

/** Take an input shape the server suggested (channels first), and analyse again. */
function useInputShape(shape) {
  state.input = [...shape];
  $("input-shape").value = fmtShape(state.input);
  $("input-shape").removeAttribute("aria-invalid");
  $("input-shape-error").textContent = "";
  updateInputLabel();
  state.preset = "";
  $("preset").value = "";
  state.grades = {};
  state.sel = null;
  state.unit = null;
  schedule(0);
}

function answerKey(layerIndex, field) {
  return `${layerIndex === null ? "total" : layerIndex}:${field}`;
}

function answerCell(layer, col) {
  const index = layer ? layer.index : null;
  const key = answerKey(index, col.answer);
  const id = `answer-${index === null ? "total" : index}-${col.answer}`;
  const grade = state.grades[key];
  const input = h("input", {
    type: "text", id, class: "answer", value: state.answers[key] || "", autocomplete: "off", spellcheck: "false",
    "aria-label": t("yourAnswer", { what: col.label, n: index === null ? t("total") : index }),
    "aria-invalid": grade && !grade.correct ? "true" : undefined,
    "data-answer": col.answer, "data-layer": index === null ? "total" : index,
  });
  input.addEventListener("input", () => {
    state.answers[key] = input.value;
    delete state.grades[key];
    input.classList.remove("ok", "bad");
    input.removeAttribute("aria-invalid");
  });
  if (grade) input.classList.add(grade.correct ? "ok" : "bad");
  const wrap = h("div", { class: "answer-wrap" }, input);
  if (grade) {
    const mark = h("span", { class: `mark ${grade.correct ? "ok" : "bad"}` }, grade.correct ? `✓ ${t("correct")}` : `✗ ${t("wrong")}`);
    wrap.append(mark);
    if (grade.note) wrap.append(h("span", { class: `note ${grade.correct ? "ok" : "bad"}` }, grade.note));
    const explanation = grade.explanation || [];
    // A right answer needs no "why"; its worked formula is a click away once the answers are shown.
    if (!grade.correct) {
      wrap.append(h("button", {
        type: "button", class: "why", onclick: (event) => showSteps(`${t("layerN", { n: index ?? t("total") })} — ${col.label}`, explanation, grade, event.currentTarget),
      }, t("why")));
    }
  }
  if (state.reveal && analysis) {
    const expected = layer ? cellValue(layer, col.key) : fmtInt(analysis.total_params);
    if (layer) {
      wrap.append(h("button", {
        type: "button", class: "revealed cell", "aria-label": `${col.label}, ${t("layerN", { n: index })}: ${expected || "—"}`,
        onclick: (event) => openExplain(index, col, event.currentTarget),
      }, expected || "—"));
    } else wrap.append(h("span", { class: "revealed" }, expected || "—"));
  }
  return wrap;
}

function renderTotals() {
  const box = $("totals");
  box.hidden = hidingAnswers();
  const item = (label, value, cls) => h("div", { class: `total ${cls}` }, h("dt", {}, label), h("dd", {}, value));
  const list = h("dl", {});
  if (!state.homework) list.append(item(t("totalParams"), fmtInt(analysis.total_params), "t-params"));
  list.append(
    item(t("paramBytes"), fmtBytes(analysis.param_bytes), "t-param-bytes"),
    item(t("totalMacs"), fmtInt(analysis.total_macs), "t-macs"),
    item(t("activationBytes"), fmtBytes(analysis.activation_bytes), "t-activations"),
    item(t("outputShape"), fmtShape(analysis.output_shape), "t-output"),
  );
  box.replaceChildren(list);
}

// ---------- worked formulas ----------

/**
 * The steps of a layer come in the order output, weight, bias, parameters, receptive field;
 * a step opening a section is recognised by its first words (in English or French).
 */
const SECTION_STARTS = [
  ["weight", /^(weight|taille du tenseur de poids|matrice de poids|poids)\b/i],
  ["weight", /^(bias|biais)\b/i],
  ["params", /^(each filter|chaque filtre|number of parameters|nombre de paramètres|no parameters|pas de paramètres|parameters|paramètres)/i],
  ["rf", /^(receptive field|champ réceptif|after this layer|après cette couche)/i],
];

function sections(steps) {
  let current = "output";
  return steps.map((step) => {
    const start = SECTION_STARTS.find(([, pattern]) => pattern.test(step.text || ""));
    if (start) current = start[0];
    return current;
  });
}

/** The worked formulas (explain=true) of the analysis on screen, fetched on first use. */
async function explanations() {
  const current = analysis;
  if (current.explained) return current.explained;
  const result = await postJson("/v1/analyze", requestBody({ explain: true }));
  if (!result.ok) throw new Error((result.data && result.data.detail) || `HTTP ${result.status}`);
  current.explained = result.data.layers.map((l) => l.explanation || []);
  return current.explained;
}

async function openExplain(index, col, origin, focus = true) {
  shownExplain = { index, col };
  const layer = analysis.layers[index];
  const title = t("howTitle", { n: index, name: displayName(layer.type), what: col.label });
  for (const tr of document.querySelectorAll("#table tr.current")) tr.classList.remove("current");
  const tr = document.querySelector(`#table tr[data-layer="${index}"]`);
  if (tr) tr.classList.add("current");
  if (state.sel !== index) {
    state.sel = index;
    state.unit = null;
    keepSelection();
    renderPicture();
    writeUrl();
  }
  let steps = [];
  try {
    steps = (await explanations())[index] || [];
  } catch (error) {
    showSteps(title, [{ text: t("offline", { e: error.message }) }], null, origin, new Set(), focus);
    return;
  }
  // Every step stays in view (they build on each other); those of the chosen column stand out.
  const of = sections(steps);
  const matches = new Set(steps.filter((_, i) => of[i] === col.key));
  showSteps(title, steps, null, origin, matches, focus);
}

/** After an edit, an open worked formula follows the new numbers (or closes if its layer is gone). */
function refreshExplain() {
  if ($("explain").hidden) return;
  if (!shownExplain || shownExplain.index >= analysis.layers.length) {
    $("explain").hidden = true;
    return;
  }
  const { index, col } = shownExplain;
  const origin = document.querySelector(`#table tr[data-layer="${index}"] td.c-${col.key} button`);
  openExplain(index, { ...col, label: columns().find((c) => c.key === col.key)?.label || col.label }, origin, false);
}

function stepItem(step, match = false) {
  return h("li", { class: match ? "match" : undefined }, h("p", {}, step.text || ""), step.formula ? h("code", { class: "formula" }, step.formula) : null);
}

function showSteps(title, steps, grade, origin, matches = new Set(), focus = true) {
  explainTarget = origin || null;
  if (grade) shownExplain = null;
  const panel = $("explain");
  $("explain-title").textContent = title;
  const list = $("explain-steps");
  list.replaceChildren();
  if (grade) {
    const given = Array.isArray(grade.given) ? fmtShape(grade.given) : String(grade.given ?? "");
    const expected = Array.isArray(grade.expected) ? fmtShape(grade.expected) : typeof grade.expected === "number" ? fmtInt(grade.expected) : String(grade.expected ?? "");
    list.append(h("li", { class: grade.correct ? "ok" : "bad" }, h("p", {}, `${grade.correct ? "✓" : "✗"} ${given} — ${t("expected", { v: expected })}`)));
    if (grade.note) list.append(h("li", {}, h("p", {}, grade.note)));
  }
  if (!steps.length && !grade) list.append(h("li", {}, h("p", {}, t("noExplain"))));
  list.append(...steps.map((step) => stepItem(step, matches.has(step))));
  panel.hidden = false;
  if (focus) panel.focus();
}

function closeExplain() {
  $("explain").hidden = true;
  if (explainTarget && document.contains(explainTarget)) explainTarget.focus();
}

// ---------- picture ----------

function defaultSelection() {
  let best = null;
  for (const layer of analysis.layers) if (layer.output_shape.length > 1) best = layer.index;
  return best ?? (analysis.layers.length ? analysis.layers.length - 1 : null);
}

function keepSelection() {
  if (!analysis) return;
  if (state.sel === null || state.sel >= analysis.layers.length) {
    state.sel = defaultSelection();
    state.unit = null;
  }
  if (state.sel === null) return;
  const spatial = analysis.layers[state.sel].output_shape.slice(1);
  if (!state.unit || state.unit.length !== spatial.length) state.unit = spatial.map((n) => Math.floor((n - 1) / 2));
  state.unit = state.unit.map((u, a) => Math.max(0, Math.min(spatial[a] - 1, u)));
}

/** Draw the picture; `follow` keeps the chosen block in view (after the student moved it). */
function renderPicture(follow = false) {
  if (!analysis) return;
  const names = { input: t("inputRow"), layer: (l) => displayName(l.type) };
  const graph = isGraphReport(analysis);
  const svg = $("net");
  svg.parentElement.classList.toggle("graph", graph);
  const help = $("picture-help");
  help.dataset.i18n = graph ? "pictureGraphHelp" : "pictureHelp";
  help.textContent = t(help.dataset.i18n);
  if (graph && !graphModule) {
    // The layout library is fetched the first time a network branches, then kept.
    loadGraph().then(() => renderPicture(follow), (error) => setStatus(t("offline", { e: error.message })));
    return;
  }
  const drawIt = graph ? graphModule.drawGraph : draw;
  const drawn = drawIt(svg, {
    analysis,
    avail: svg.parentElement.clientWidth - 2,
    selected: state.sel ?? -1,
    unit: state.unit,
    names,
    hideShapes: hidingAnswers(),
    label: (block) => (hidingAnswers() ? block.name : t("blockLabel", { name: block.name, shape: fmtShape(block.shape) })),
    onSelect: (index, unit) => {
      state.sel = index;
      state.unit = unit;
      keepSelection();
      renderPicture(true);
      writeUrl();
      const node = document.querySelector(`#net [data-layer]:not([data-layer="-1"]).selected`);
      if (node) node.focus();
    },
    onMove: ([dr, dc]) => {
      const spatial = analysis.layers[state.sel].output_shape.slice(1);
      if (!spatial.length) return;
      const unit = [...state.unit];
      const n = unit.length;
      if (n === 1) unit[0] += dc || dr;
      else {
        unit[n - 2] += dr;
        unit[n - 1] += dc;
      }
      state.unit = unit;
      keepSelection();
      renderPicture(true);
      writeUrl();
      const node = document.querySelector("#net .block.selected, #net .g-node.selected");
      if (node) node.focus();
    },
  });
  svg.dataset.kind = graph ? "graph" : "chain";
  svg.dataset.drawn = String(++drawCount);
  if (graph && !drawn) {
    svg.replaceChildren();
    $("rf-caption").textContent = t("graphTooBig", { n: analysis.layers.length });
    return;
  }
  renderCaption();
  // Keep the chosen block in view inside the picture's own scroll box (not the page's); on
  // its own the picture starts at the input, where the receptive field is drawn.
  const wrap = $("net").parentElement;
  if (graph) centreOnInput(wrap);
  const chosen = $("net").querySelector(".block.selected, .g-node.selected");
  if (follow && chosen) {
    const box = chosen.getBoundingClientRect();
    const view = wrap.getBoundingClientRect();
    if (box.left < view.left || box.right > view.right) wrap.scrollLeft += box.left - view.left - (view.width - box.width) / 2;
    if (box.top < view.top || box.bottom > view.bottom) wrap.scrollTop += box.top - view.top - (view.height - box.height) / 2;
  }
}

let centredOn = "";

/**
 * A new graph opens at its input, centred across: on a phone a wide graph (GoogLeNet's four
 * branches) would otherwise open on its leftmost branch, away from the main path.
 */
function centreOnInput(wrap) {
  const layers = analysis.layers;
  const key = `${layers.length}|${layers.length ? layers[layers.length - 1].id : ""}|${fmtShape(analysis.input_shape)}`;
  if (key === centredOn) return;
  centredOn = key;
  const node = $("net").querySelector(".g-node[data-node='input']");
  if (!node) return;
  const box = node.getBoundingClientRect();
  const view = wrap.getBoundingClientRect();
  wrap.scrollTop = 0;
  wrap.scrollLeft += box.left + box.width / 2 - (view.left + view.width / 2);
}

function renderCaption() {
  const caption = $("rf-caption");
  if (hidingAnswers()) {
    caption.textContent = t("captionHomework");
    return;
  }
  if (state.sel === null || !analysis.layers[state.sel]) {
    caption.textContent = t("inputCaption");
    return;
  }
  const layer = analysis.layers[state.sel];
  const name = displayName(layer.type);
  if (layer.receptive_field && layer.receptive_field.global) {
    caption.textContent = t("unitCaptionGlobal", { n: layer.index, name });
    return;
  }
  const ranges = fieldOf(layer, analysis.input_shape, state.unit || []);
  const axisNames = ranges.length === 2 ? [t("rowsAxis"), t("colsAxis")] : ranges.map((_, a) => (ranges.length === 1 ? t("positions") : ["D", "H", "W"][a]));
  const text = ranges.map((r, a) => `${axisNames[a]} ${r.lo}–${r.hi}`).join(", ");
  caption.textContent = t("unitCaption", {
    unit: `(${(state.unit || []).join(", ")})`, n: layer.index, name, shape: fmtShape(layer.output_shape), ranges: text,
    size: layer.receptive_field.size.join(" × "),
    what: t(["positions", "pixels", "voxels"][ranges.length - 1] || "pixels"),
  });
  const clipped = ranges.some((r) => r.full[0] < r.lo || r.full[1] > r.hi);
  if (clipped) caption.textContent += ` ${t("inPadding")}`;
}

// ---------- actions ----------

async function verify() {
  const box = $("verification");
  box.hidden = false;
  box.className = "verification";
  box.textContent = t("verifying");
  try {
    const result = await postJson("/v1/analyze", requestBody({ verify: true }));
    if (!result.ok) {
      showProblem(result.data, result.status);
      box.textContent = (result.data && result.data.detail) || `HTTP ${result.status}`;
      box.classList.add("failed");
      return;
    }
    const v = result.data.verification || { status: "unavailable", reason: "" };
    box.textContent = "";
    box.classList.add(v.status);
    if (v.status === "passed") box.append(h("p", {}, `✓ ${t("verifyPassed", { engine: v.engine || "torch" })}`));
    else if (v.status === "failed") {
      box.append(h("p", {}, `✗ ${t("verifyFailed", { engine: v.engine || "torch" })}`));
      box.append(h("ul", {}, (v.mismatches || []).map((m) => h("li", {}, t("mismatch", { layer: m.layer, field: m.field, calculated: JSON.stringify(m.calculated), torch: JSON.stringify(m.torch) })))));
      if (v.reason) box.append(h("p", {}, v.reason));
    } else {
      box.append(h("p", {}, t("verifyUnavailable", { reason: v.reason || "" })));
      if (v.install) box.append(h("code", {}, v.install));
    }
  } catch (error) {
    box.textContent = t("offline", { e: error.message });
  }
}

async function exportCode() {
  const result = await postJson("/v1/export/pytorch", requestBody()).catch((error) => ({ ok: false, status: 0, data: { detail: error.message } }));
  if (!result.ok) {
    showProblem(result.data, result.status);
    return;
  }
  $("export-code").textContent = typeof result.data === "string" ? result.data : JSON.stringify(result.data, null, 2);
  $("export-box").hidden = false;
  $("copy-code").focus();
}

async function copyText(text, okMessage) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    const area = h("textarea", { class: "offscreen", readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
  }
  toast(ok ? okMessage : t("copyFailed"));
}

function toast(text) {
  const node = $("toast");
  node.textContent = text;
}

function answerValue(field, raw) {
  const text = raw.trim();
  if (field === "params" || field === "total_params") {
    const digits = text.replace(/[\s,._'\u00a0\u202f]/g, "");
    return /^\d+$/.test(digits) ? Number.parseInt(digits, 10) : text;
  }
  const numbers = text.match(/\d+/g);
  if (field === "receptive_field" && numbers && numbers.length === 1) return Number.parseInt(numbers[0], 10);
  const shape = parseShape(text);
  return shape || text;
}

async function grade() {
  const answers = new Map();
  let total;
  for (const [key, raw] of Object.entries(state.answers)) {
    if (!raw || !raw.trim()) continue;
    const [where, field] = key.split(":");
    if (where === "total") {
      total = answerValue("total_params", raw);
      continue;
    }
    const layer = Number.parseInt(where, 10);
    if (!answers.has(layer)) answers.set(layer, { layer });
    answers.get(layer)[field] = answerValue(field, raw);
  }
  if (!answers.size && total === undefined) {
    $("score").textContent = t("nothingToGrade");
    return;
  }
  const body = requestBody({ answers: [...answers.values()] });
  if (total !== undefined) body.total_params = total;
  const result = await postJson("/v1/check", body).catch((error) => ({ ok: false, status: 0, data: { detail: error.message } }));
  if (!result.ok) {
    showProblem(result.data, result.status);
    return;
  }
  state.grades = {};
  for (const r of result.data.results || []) {
    const where = r.field === "total_params" || r.layer === null || r.layer === undefined ? null : r.layer;
    state.grades[answerKey(where, r.field)] = r;
  }
  const score = result.data.score || { correct: 0, total: 0 };
  $("score").textContent = t("score", { c: score.correct, t: score.total });
  renderTable();
}

// ---------- language ----------

function applyLang(rows = true) {
  t = translator(state.lang);
  document.documentElement.lang = state.lang;
  $("lang").value = state.lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  updateInputLabel();
  fillPresets();
  updateFoldLabel();
  updateRowsNote();
  if (rows) renderRows();
  if (analysis) {
    renderResults();
    if (analysisOk) setStatus(readyText());
  }
}

/** The input's label names its axes: C × L, C × H × W or C × D × H × W. */
function updateInputLabel() {
  const axes = { 1: "F", 2: "C × L", 4: "C × D × H × W" }[state.input.length] || "C × H × W";
  document.querySelector("label[for='input-shape']").textContent = t("inputShape").replace("C × H × W", axes);
}

function presetTitle(example, name) {
  const title = state.lang === "fr" && example.title_fr ? example.title_fr : example.title;
  if (title && typeof title === "object") return title[state.lang] || title.en || name;
  return title || name;
}

function fillPresets() {
  const select = $("preset");
  select.replaceChildren(h("option", { value: "" }, t("custom")));
  for (const [name, example] of Object.entries(examples)) select.append(h("option", { value: name }, presetTitle(example, name)));
  select.value = state.preset in examples ? state.preset : "";
}

function loadPreset(name) {
  const example = examples[name];
  if (!example) return;
  state.preset = name;
  state.input = [...example.input_shape];
  state.layers = normalizeAll(example.layers);
  state.source = "rows";
  adopt = true;
  state.sel = null;
  state.unit = null;
  state.answers = {};
  state.grades = {};
  $("score").textContent = "";
  $("input-shape").value = fmtShape(state.input);
  $("export-box").hidden = true;
  $("verification").hidden = true;
  $("explain").hidden = true;
  if (state.view === "text") {
    state.text = formatText(state.layers);
    $("stack-text").value = state.text;
  }
  applyLang();
  schedule(0);
}

function applyState() {
  $("input-shape").value = fmtShape(state.input);
  $("strict").checked = state.strict;
  $("homework").checked = state.homework;
  $("stack-text").value = state.text;
  applyLang(false);
  showView(state.source === "text" ? "text" : "rows");
}

// ---------- start ----------

async function getJson(path) {
  const response = await fetch(path); // preloaded by index.html
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function wire() {
  $("input-shape").addEventListener("input", () => {
    typing = $("input-shape");
    const shape = parseShape($("input-shape").value);
    $("input-shape").removeAttribute("aria-invalid");
    $("input-shape-error").textContent = "";
    if (shape) {
      state.input = shape;
      updateInputLabel();
      state.preset = "";
      $("preset").value = "";
      state.grades = {};
    }
    schedule();
  });
  $("stack-text").addEventListener("input", () => {
    typing = null; // a pasted or typed text is a network the student chose
    state.text = $("stack-text").value;
    state.source = "text";
    state.preset = "";
    state.grades = {};
    $("preset").value = "";
    $("stack-text").removeAttribute("aria-invalid");
    updateRowsNote();
    schedule();
  });
  // Leaving a field settles what it computed (see `settled`).
  $("editor").addEventListener("focusout", () => {
    if (analysisOk && analysis && !pending) settled = analysis;
  });
  $("new-network").addEventListener("click", newNetwork);
  $("editor-toggle").addEventListener("click", () => setFolded(!$("editor").classList.contains("folded")));
  PHONE.addEventListener("change", () => setFolded(PHONE.matches));
  $("table-wrap").addEventListener("scroll", updateScrollCue, { passive: true });
  new ResizeObserver(updateScrollCue).observe($("table-wrap"));
  for (const name of VIEWS) $(`tab-${name}`).addEventListener("click", () => showView(name));
  $("stack-json").addEventListener("input", readJson);
  for (const name of VIEWS) {
    $(`tab-${name}`).addEventListener("keydown", (event) => {
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        const step = event.key === "ArrowRight" ? 1 : VIEWS.length - 1;
        const next = VIEWS[(VIEWS.indexOf(state.view) + step) % VIEWS.length];
        showView(next);
        $(`tab-${next}`).focus();
      }
    });
  }
  $("add-layer").addEventListener("click", addLayer);
  $("preset").addEventListener("change", () => {
    if ($("preset").value) loadPreset($("preset").value);
  });
  $("lang").addEventListener("change", () => {
    state.lang = $("lang").value;
    applyLang();
    schedule(0);
  });
  $("strict").addEventListener("change", () => {
    state.strict = $("strict").checked;
    schedule(0);
  });
  $("homework").addEventListener("change", () => {
    state.homework = $("homework").checked;
    state.reveal = false;
    if (state.homework) {
      // The worked formulas and the code would give the answers away.
      for (const id of ["explain", "export-box", "verification"]) $(id).hidden = true;
    }
    $("score").textContent = "";
    writeUrl();
    if (analysis) renderResults();
    if (analysisOk) setStatus(readyText());
  });
  $("grade").addEventListener("click", grade);
  $("reveal").addEventListener("click", () => {
    state.reveal = !state.reveal;
    if (analysis) renderResults();
    if (analysisOk) setStatus(readyText());
  });
  $("verify").addEventListener("click", verify);
  $("export").addEventListener("click", exportCode);
  $("copy-code").addEventListener("click", () => copyText($("export-code").textContent, t("copied")));
  $("share").addEventListener("click", async () => {
    await writeUrl();
    copyText(location.href, t("linkCopied"));
  });
  $("explain-close").addEventListener("click", closeExplain);
  $("explain").addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeExplain();
  });
  window.addEventListener("hashchange", async (event) => {
    // The address followed, not the one an answer may have written since (replaceState).
    const hash = new URL(event.newURL).hash;
    if (hash === lastHash) return;
    const data = await decodeState(hash);
    if (!data) return;
    applyDecoded(data);
    state.layers = normalizeAll(state.layers);
    adopt = true;
    applyState();
    schedule(0);
  });
}

async function start() {
  wire();
  const fromUrl = await decodeState(location.hash);
  state.lang = fromUrl && (fromUrl.lang === "fr" || fromUrl.lang === "en") ? fromUrl.lang : browserLang();
  t = translator(state.lang);
  try {
    const [layers, presets] = await Promise.all([getJson("/v1/layers"), getJson("/v1/examples").catch(() => ({}))]);
    catalogue = Array.isArray(layers) ? layers : layers.layers || layers.kinds || [];
    useCatalogue(catalogue);
    for (const kind of catalogue) for (const tag of kind.types) kindOfType.set(tag, kind);
    examples = presets && typeof presets === "object" ? presets.examples || presets : {};
  } catch (error) {
    setStatus(t("offline", { e: error.message }));
  }
  if (fromUrl) {
    applyDecoded(fromUrl);
    state.layers = normalizeAll(state.layers);
  } else if (examples.lenet5_course) {
    state.preset = "lenet5_course";
    state.input = [...examples.lenet5_course.input_shape];
    state.layers = normalizeAll(examples.lenet5_course.layers);
  }
  adopt = true;
  // Ask for the analysis first, and build the editor while the answer travels.
  $("input-shape").value = fmtShape(state.input);
  const pending = runAnalysis();
  setFolded(PHONE.matches);
  applyState();
  document.body.dataset.ready = "1";
  showVerify();
  await pending;
  await writeUrl();
}

/** "Check with PyTorch" only where the server can run it (GET /healthz says `verify`). */
async function showVerify() {
  try {
    const response = await fetch("/healthz");
    const health = response.ok ? await response.json() : null;
    $("verify").hidden = !(health && health.verify);
  } catch {
    $("verify").hidden = true;
  }
}

// ---------- phones: the editor folds away below the results ----------

function setFolded(folded) {
  $("editor").classList.toggle("folded", folded);
  $("editor-toggle").setAttribute("aria-expanded", String(!folded));
  updateFoldLabel();
}

function updateFoldLabel() {
  const n = state.layers.length;
  const folded = $("editor").classList.contains("folded");
  $("editor-toggle").textContent = folded ? `▸ ${t("editorOpen", { n, layers: t(n === 1 ? "layerWord" : "layersWord") })}` : `▾ ${t("editorClose")}`;
}

start();

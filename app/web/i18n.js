// Interface strings in English and French (the course's vocabulary).

export const STRINGS = {
  en: {
    skip: "Skip to the results",
    tagline: "Layer by layer, as PyTorch computes it",
    preset: "Example",
    custom: "— my network —",
    language: "Language",
    network: "Network",
    inputShape: "Input shape (C × H × W)",
    inputShapeHelp: "channels first, no batch: 1 × 28 × 28, 3 × 32 × 32, 300 × 50…",
    rows: "Rows",
    text: "Text",
    addLayer: "+ Add a layer",
    textLabel: "One layer per line, in the course's notation or a pasted PyTorch printout",
    rowsWaiting: "Reading the text… the rows will show what the server understood.",
    rowsStale: "The text cannot run (see its error): these rows are the last network read from it. Changing a row replaces the text.",
    newNetwork: "New network",
    editorOpen: "Edit the network ({n} {layers})",
    editorClose: "Fold the editor",
    scrollHint: "The table scrolls sideways: more columns on the right.",
    staleNote: "Greyed: the numbers of the last network that ran, not of the one being edited.",
    strict: "Strict: a division that is not exact is an error",
    homework: "Homework mode: I fill in the table",
    results: "Results",
    tableHelp: "Select a value to see how it is computed.",
    tableHelpHomework: "Type your answers (e.g. 20 x 28 x 28), then grade them.",
    grade: "Grade my answers",
    reveal: "Show the answers",
    hide: "Hide the answers",
    verify: "Check with PyTorch",
    export: "Export to PyTorch",
    share: "Copy the link to this network",
    exportTitle: "PyTorch code",
    copy: "Copy",
    copied: "Copied to the clipboard.",
    linkCopied: "Link copied: anyone who opens it sees this network.",
    copyFailed: "Could not copy; select the text and copy it by hand.",
    picture: "Picture",
    toPicture: "Picture ↓",
    pictureHelp:
      "Select a block (or focus it and use the arrow keys) to see which input pixels one of its units sees.",
    footer: "Exact arithmetic, checked against PyTorch.",
    close: "Close",
    // table
    colIndex: "#",
    colLayer: "Layer",
    colOutput: "Output size",
    colWeight: "Weight size",
    colParams: "Params",
    colRf: "Receptive field",
    colMacs: "MACs",
    colMemory: "Memory",
    inputRow: "Input",
    inputsTitle: "The layers whose outputs this one reads",
    total: "Total",
    global: "all",
    // rows editor
    layerN: "Layer {n}",
    type: "Type",
    more: "more",
    moveUp: "Move layer {n} up",
    moveDown: "Move layer {n} down",
    duplicate: "Duplicate layer {n}",
    remove: "Remove layer {n}",
    defaultIs: "default {v}",
    // status
    computing: "Computing…",
    ready: "{n} {layers}, {p} parameters.",
    readyHomework: "{n} {layers}. Your turn: fill in the table.",
    layerWord: "layer",
    layersWord: "layers",
    captionHomework: "The sizes are hidden until you grade your answers or show them.",
    invalid: "This network cannot run: see the field marked in red.",
    offline: "The server did not answer ({e}).",
    emptyStack: "Add a layer to start.",
    // totals
    totalParams: "Parameters",
    paramBytes: "Weights in memory",
    totalMacs: "Multiply-accumulates (MACs)",
    activationBytes: "Activations in memory",
    outputShape: "Output",
    // explain
    howTitle: "Layer {n} ({name}): {what}",
    noExplain: "No worked formula for this value.",
    // verification
    verifying: "Running the layers in PyTorch…",
    verifyPassed: "PyTorch agrees: every shape and parameter count matches ({engine}).",
    verifyFailed: "PyTorch disagrees ({engine}):",
    verifyUnavailable: "PyTorch is not available on the server: {reason}",
    mismatch: "layer {layer}, {field}: calculated {calculated}, PyTorch {torch}",
    // homework
    yourAnswer: "Your answer for {what}, layer {n}",
    score: "Score: {c} / {t}",
    correct: "correct",
    wrong: "wrong",
    expected: "expected {v}",
    why: "Why?",
    nothingToGrade: "Type at least one answer first.",
    unitCaption:
      "Unit {unit} of layer {n} ({name}, {shape}) sees input {ranges}: {size} {what}.",
    unitCaptionGlobal: "Every unit of layer {n} ({name}) sees the whole input.",
    inputCaption: "Select a layer's block to see its receptive field on the input.",
    rowsAxis: "rows",
    colsAxis: "columns",
    positions: "positions",
    pixels: "pixels",
    voxels: "voxels",
    inPadding: "Part of that field lies in the padding, outside the input.",
    blockLabel: "{name}, output {shape}",
    pictureGraphHelp: "One box per layer (with the normalisation and activation after it), read top to bottom. A pink arc is a shortcut past layers; C= on an arrow is the channels it brings to a concatenation. Select a box to see what its units see.",
    jsonLabel: "The layers in JSON, as POST /v1/analyze takes them: blocks, ids and inputs for a network that branches",
    jsonInvalid: "Not valid JSON: {e}",
    jsonShape: "Expected a list of layers, or {\"input_shape\": […], \"layers\": […]}.",
    rowsGraph: "This network branches: the layers inside its blocks are edited in the Text or JSON view.",
    channelsLastFix: "did you mean {shape}?",
    graphTooBig: "This network has {n} layers: too many to draw here. The table above lists them all.",
  },
  fr: {
    skip: "Aller aux résultats",
    tagline: "Couche par couche, comme PyTorch le calcule",
    preset: "Exemple",
    custom: "— mon réseau —",
    language: "Langue",
    network: "Réseau",
    inputShape: "Taille de l'entrée (C × H × W)",
    inputShapeHelp: "canaux d'abord, sans le batch : 1 × 28 × 28, 3 × 32 × 32, 300 × 50…",
    rows: "Lignes",
    text: "Texte",
    addLayer: "+ Ajouter une couche",
    textLabel: "Une couche par ligne, dans la notation du cours ou un affichage PyTorch collé",
    rowsWaiting: "Lecture du texte… les lignes montreront ce que le serveur a compris.",
    rowsStale: "Le texte ne peut pas tourner (voyez son erreur) : ces lignes sont le dernier réseau lu. Modifier une ligne remplace le texte.",
    newNetwork: "Nouveau réseau",
    editorOpen: "Modifier le réseau ({n} {layers})",
    editorClose: "Replier l'éditeur",
    scrollHint: "Le tableau défile sur le côté : d'autres colonnes à droite.",
    staleNote: "En gris : les valeurs du dernier réseau qui a tourné, pas de celui en cours de modification.",
    strict: "Strict : une division qui ne tombe pas juste est une erreur",
    homework: "Mode exercice : je remplis le tableau",
    results: "Résultats",
    tableHelp: "Choisissez une valeur pour voir comment elle se calcule.",
    tableHelpHomework: "Tapez vos réponses (par ex. 20 x 28 x 28), puis faites-les corriger.",
    grade: "Corriger mes réponses",
    reveal: "Voir les réponses",
    hide: "Cacher les réponses",
    verify: "Vérifier avec PyTorch",
    export: "Exporter en PyTorch",
    share: "Copier le lien de ce réseau",
    exportTitle: "Code PyTorch",
    copy: "Copier",
    copied: "Copié dans le presse-papiers.",
    linkCopied: "Lien copié : qui l'ouvre voit ce réseau.",
    copyFailed: "Copie impossible ; sélectionnez le texte et copiez-le à la main.",
    picture: "Schéma",
    toPicture: "Schéma ↓",
    pictureHelp:
      "Choisissez un bloc (ou donnez-lui le focus et utilisez les flèches) pour voir quels pixels de l'entrée voit une de ses unités.",
    footer: "Calcul exact, vérifié avec PyTorch.",
    close: "Fermer",
    colIndex: "#",
    colLayer: "Couche",
    colOutput: "Taille Sortie",
    colWeight: "Taille Poids",
    colParams: "Paramètres",
    colRf: "Champ réceptif",
    colMacs: "MACs",
    colMemory: "Mémoire",
    inputRow: "Entrée",
    inputsTitle: "Les couches dont celle-ci lit les sorties",
    total: "Total",
    global: "tout",
    layerN: "Couche {n}",
    type: "Type",
    more: "plus",
    moveUp: "Monter la couche {n}",
    moveDown: "Descendre la couche {n}",
    duplicate: "Dupliquer la couche {n}",
    remove: "Supprimer la couche {n}",
    defaultIs: "par défaut {v}",
    computing: "Calcul…",
    ready: "{n} {layers}, {p} paramètres.",
    readyHomework: "{n} {layers}. À vous : remplissez le tableau.",
    layerWord: "couche",
    layersWord: "couches",
    captionHomework: "Les tailles sont cachées tant que vous n'avez pas corrigé ou affiché vos réponses.",
    invalid: "Ce réseau ne peut pas tourner : voyez le champ en rouge.",
    offline: "Le serveur n'a pas répondu ({e}).",
    emptyStack: "Ajoutez une couche pour commencer.",
    totalParams: "Paramètres",
    paramBytes: "Poids en mémoire",
    totalMacs: "Multiplications-additions (MACs)",
    activationBytes: "Activations en mémoire",
    outputShape: "Sortie",
    howTitle: "Couche {n} ({name}) : {what}",
    noExplain: "Pas de formule détaillée pour cette valeur.",
    verifying: "Exécution des couches dans PyTorch…",
    verifyPassed: "PyTorch est d'accord : toutes les tailles et tous les paramètres concordent ({engine}).",
    verifyFailed: "PyTorch n'est pas d'accord ({engine}) :",
    verifyUnavailable: "PyTorch n'est pas disponible sur le serveur : {reason}",
    mismatch: "couche {layer}, {field} : calculé {calculated}, PyTorch {torch}",
    yourAnswer: "Votre réponse pour {what}, couche {n}",
    score: "Score : {c} / {t}",
    correct: "juste",
    wrong: "faux",
    expected: "attendu {v}",
    why: "Pourquoi ?",
    nothingToGrade: "Tapez d'abord au moins une réponse.",
    unitCaption:
      "L'unité {unit} de la couche {n} ({name}, {shape}) voit, sur l'entrée, les {ranges} : {size} {what}.",
    unitCaptionGlobal: "Chaque unité de la couche {n} ({name}) voit toute l'entrée.",
    inputCaption: "Choisissez le bloc d'une couche pour voir son champ réceptif sur l'entrée.",
    rowsAxis: "lignes",
    colsAxis: "colonnes",
    positions: "positions",
    pixels: "pixels",
    voxels: "voxels",
    inPadding: "Une partie de ce champ tombe dans le padding, hors de l'entrée.",
    blockLabel: "{name}, sortie {shape}",
    pictureGraphHelp: "Une boîte par couche (avec la normalisation et l'activation qui la suivent), de haut en bas. Un arc rose est un raccourci qui saute des couches ; C= sur une flèche donne les canaux qu'elle apporte à une concaténation. Choisissez une boîte pour voir ce que voient ses unités.",
    jsonLabel: "Les couches en JSON, comme POST /v1/analyze les prend : blocs, id et inputs pour un réseau qui se ramifie",
    jsonInvalid: "Ce n'est pas du JSON valide : {e}",
    jsonShape: "Attendu : une liste de couches, ou {\"input_shape\": […], \"layers\": […]}.",
    rowsGraph: "Ce réseau se ramifie : les couches de ses blocs se modifient dans la vue Texte ou JSON.",
    channelsLastFix: "vouliez-vous dire {shape}\u00a0?",
    graphTooBig: "Ce réseau a {n} couches : trop pour les dessiner ici. Le tableau ci-dessus les donne toutes.",
  },
};

/** The language to start in: the browser's, when it is French; English otherwise. */
export function browserLang() {
  const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  return String(langs[0]).toLowerCase().startsWith("fr") ? "fr" : "en";
}

/** A translator for `lang`: t("key", {n: 1}) fills {n} in the string. */
export function translator(lang) {
  const table = STRINGS[lang] || STRINGS.en;
  return (key, vars = {}) => {
    const template = key in table ? table[key] : STRINGS.en[key] ?? key;
    return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
  };
}

// ---------- numbers, as app/core/messages/numbers.py writes them ----------
// English groups thousands with a comma and writes a decimal point (1,225,500; 1.5 MiB);
// French groups them with a narrow no-break space, U+202F (1 225 500), and writes a decimal
// comma (1,5 Mio). Thousands are grouped from four digits on. Written out rather than through
// Intl.NumberFormat: browsers' locale data differ (U+00A0 or U+202F in French), and these are
// the exact rules of the server's formulas and of the CLI (tests/web/test_numbers_page.py).

export const GROUP = { en: ",", fr: "\u202f" };
export const DECIMAL = { en: ".", fr: "," };
export const BYTE_UNITS = { en: ["B", "KiB", "MiB", "GiB", "TiB"], fr: ["o", "Kio", "Mio", "Gio", "Tio"] };

const language = (lang) => (String(lang).toLowerCase().startsWith("fr") ? "fr" : "en");

/** A run of digits grouped by three from the right: "1225500" -> "1,225,500". */
export function groupDigits(digits, lang) {
  return digits.length < 4 ? digits : digits.replace(/\B(?=(\d{3})+(?!\d))/g, GROUP[language(lang)]);
}

/** A whole number: 1,225,500 in English, 1 225 500 (U+202F) in French. */
export function formatInt(n, lang) {
  return (n < 0 ? "-" : "") + groupDigits(String(Math.abs(n)), lang);
}

/** `value` to `digits` decimals (toFixed: half up on the exact value), zeros after the point dropped. */
export function formatDecimal(value, digits, lang) {
  const [whole, frac] = Math.abs(value).toFixed(digits).split(".");
  const trimmed = frac ? frac.replace(/0+$/, "") : "";
  const sign = value < 0 && /[1-9]/.test(whole + trimmed) ? "-" : "";
  return sign + groupDigits(whole, lang) + (trimmed ? DECIMAL[language(lang)] + trimmed : "");
}

/** A byte count: 1.2 MiB / 1,2 Mio (one decimal below 100 of the unit); `exact`: 1,256,080 B. */
export function formatBytes(bytes, lang, exact = false) {
  const units = BYTE_UNITS[language(lang)];
  if (exact) return `${formatInt(bytes, lang)} ${units[0]}`;
  let value = bytes;
  let u = 0;
  while (value >= 1024 && u < units.length - 1) {
    value /= 1024;
    u += 1;
  }
  return `${formatDecimal(value, u === 0 || value >= 100 ? 0 : 1, lang)} ${units[u]}`;
}

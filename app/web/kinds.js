// The layer kinds as the server's catalogue (GET /v1/layers) describes them: names,
// positional arguments and how the picture draws each. The page holds no table of its own.

const byTag = new Map();

/** Learn the kinds from the catalogue, once at start. */
export function useCatalogue(catalogue) {
  byTag.clear();
  for (const kind of catalogue) for (const tag of kind.types) byTag.set(tag, kind);
}

/** The catalogue's entry for a type tag (any case), or undefined. */
export function kindOf(tag) {
  return byTag.get(String(tag).toLowerCase());
}

/** PyTorch's spelling of a tag (conv2d -> Conv2d), or the course's short form (conv -> Conv). */
export function displayName(tag) {
  const key = String(tag).toLowerCase();
  const kind = byTag.get(key);
  return (kind && kind.names && kind.names[key]) || String(tag);
}

/** Positional arguments in PyTorch's constructor order. */
export function positional(tag) {
  const kind = kindOf(tag);
  return kind && kind.positional ? kind.positional : [];
}

/** The fields of the course's "a -> b" for this tag (a linear layer's), or null. */
export function arrowOf(tag) {
  const kind = kindOf(tag);
  return (kind && kind.arrow) || null;
}

/** How the picture draws the tag: conv, pool, linear, flatten or pointwise. */
export function pictureOf(tag) {
  const kind = kindOf(tag);
  return (kind && kind.picture) || "";
}

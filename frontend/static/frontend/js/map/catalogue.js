// The vocabularies and layers the page was built from (/api/v1/vocabularies/, /api/v1/layers/),
// and the small pieces of page every part writes with them: status badges and kind labels.
import { getJSON } from "map/api";
import { h } from "map/dom";
import { symbolImage } from "map/symbols";
import { label, t, urls } from "map/text";

export const catalogue = { vocabularies: null, siteLayers: [], boundaryLayers: {}, statuses: new Map(), kinds: new Map() };

export async function loadCatalogue() {
  const [vocabularies, layers] = await Promise.all([getJSON(urls.vocabularies), getJSON(urls.layers)]);
  catalogue.vocabularies = vocabularies;
  catalogue.siteLayers = layers.layers.filter((layer) => layer.type === "sites");
  for (const layer of layers.layers) if (layer.type === "boundaries") catalogue.boundaryLayers[layer.id] = layer;
  for (const status of vocabularies.statuses) catalogue.statuses.set(status.code, status);
  for (const layer of catalogue.siteLayers) catalogue.kinds.set(layer.kind, layer);
  return catalogue;
}

/** A status badge: the status written out (never told by colour alone). */
export function fillStatusBadge(element, code) {
  const status = catalogue.statuses.get(code);
  element.className = status ? "badge" : "badge badge--none";
  element.style.backgroundColor = status ? status.colour : "";
  element.textContent = status ? label(status) : t("noStatus");
}

export const statusBadge = (code) => {
  const element = h("span");
  fillStatusBadge(element, code);
  return element;
};

/** A kind with its symbol and name. */
export function kindChip(kind) {
  const layer = catalogue.kinds.get(kind);
  return h("span", { class: "kind" }, layer ? symbolImage(layer.style, 18) : null, layer ? label(layer) : kind);
}

// The commune boundaries, drawn when the map is zoomed in far enough (the layer's `min_zoom`
// in /api/v1/layers/), for the communes in view only, from OGC API Features.
import * as L from "leaflet";
import { Channel } from "map/api";
import { urls } from "map/text";

const COMMUNES_PER_VIEW = 500;

function nameOf(layer) {
  const label = document.createElement("span");
  label.textContent = layer.feature.properties.full_name || layer.feature.properties.name;
  return label;
}

/** A GeoJSON layer that follows the view while it is on the map. */
export function communeLayer(map, catalogueEntry) {
  const style = catalogueEntry?.style || {};
  const minZoom = style.min_zoom ?? 10;
  const channel = new Channel();
  const layer = L.geoJSON(null, {
    style: { color: style.colour || "#80868b", weight: style.weight || 0.6, fill: false },
  }).bindTooltip(nameOf, { sticky: true });

  async function follow() {
    if (!map.hasLayer(layer)) return;
    if (map.getZoom() < minZoom) {
      layer.clearLayers();
      return;
    }
    const bounds = map.getBounds();
    const bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map((v) => v.toFixed(5)).join(",");
    const collection = await channel.get(urls.communes, { bbox, limit: COMMUNES_PER_VIEW, f: "json" }).catch(() => null);
    if (!collection) return;
    layer.clearLayers();
    layer.addData(collection);
  }

  map.on("moveend", follow);
  layer.on("add", follow);
  return layer;
}

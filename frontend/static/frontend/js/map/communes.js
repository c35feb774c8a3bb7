// The commune boundaries, drawn when the map is zoomed in far enough (the layer's `min_zoom`
// in /api/v1/layers/), from the project's vector tiles: only the tiles in view are fetched.
import { vectorTileOutlines } from "map/vector_tiles";

/** The outlines of the communes, their name on hover (or a tap). */
export function communeLayer(map, catalogueEntry) {
  const style = catalogueEntry?.style || {};
  return vectorTileOutlines(catalogueEntry.links.tiles, {
    layerName: "communes",
    minZoom: style.min_zoom ?? 10,
    color: style.colour || "#80868b",
    weight: style.weight || 0.6,
    label: (properties) => properties.full_name || properties.name,
  });
}

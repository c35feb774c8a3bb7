// What the map draws for the sites: server-side clusters when many sites are in view, the sites
// themselves when few are. Everything is painted on one canvas, so the page never holds
// thousands of DOM markers; the results list is the accessible way to the same sites.
import * as L from "leaflet";
import { inkOn, traceShape } from "map/symbols";
import { t, formatNumber } from "map/text";

const SITE_RADIUS = 8;
const CLUSTER_FILL = "#1f4e79";

// Pictures of the symbols, each painted once at the canvas's pixel ratio: a redraw of the map
// (every pan and zoom) copies them instead of tracing a shape and its letter per marker.
const pictures = new Map();
const PICTURES_KEPT = 500; // cluster counts vary: start afresh past this many

/** The picture of a marker's symbol as its options and radius say, and its half width. */
function picture(marker, ratio) {
  const { shape, text, fontSize, color, weight, opacity, fillColor, fillOpacity } = marker.options;
  const radius = marker._radius;
  const key = [shape, text, fontSize, color, weight, opacity, fillColor, fillOpacity, radius, ratio].join("|");
  let painted = pictures.get(key);
  if (painted) return painted;
  const half = Math.ceil(radius * 1.4 + weight); // a star's points reach 1.35 times the radius
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 2 * half * ratio;
  const context = canvas.getContext("2d");
  context.scale(ratio, ratio);
  traceShape(context, shape, half, half, radius);
  marker._renderer._fillStroke(context, marker);
  if (text) {
    context.fillStyle = inkOn(fillColor);
    context.font = `700 ${fontSize}px system-ui, sans-serif`;
    context.textAlign = "center";
    context.textBaseline = "middle";
    context.fillText(text, half, half + 0.5);
  }
  if (pictures.size >= PICTURES_KEPT) pictures.clear();
  painted = { canvas, half };
  pictures.set(key, painted);
  return painted;
}

/** A CircleMarker painted as a shape with a letter (or a count) in it, on the canvas renderer. */
const SymbolMarker = L.CircleMarker.extend({
  _updatePath() {
    const renderer = this._renderer;
    if (!renderer._drawing || this._empty()) return;
    const context = renderer._ctx;
    const ratio = context.getTransform().a;
    const { canvas, half } = picture(this, ratio);
    const snap = (value) => Math.round((value - half) * ratio) / ratio; // whole device pixels
    context.globalAlpha = 1;
    context.drawImage(canvas, snap(this._point.x), snap(this._point.y), 2 * half, 2 * half);
  },
});

function tooltipText(text) {
  const element = document.createElement("span");
  element.textContent = text;
  return element;
}

export class SiteMarkers {
  /** `onSite(id, latlng)` when a site is chosen; a cluster click zooms to its sites. */
  constructor(map, { onSite }) {
    this.map = map;
    this.onSite = onSite;
    // Above the boundaries (overlay pane, 400), below tooltips (650).
    map.createPane("sites").style.zIndex = 450;
    map.createPane("selected").style.zIndex = 460;
    this.renderer = L.canvas({ pane: "sites", padding: 0.2, tolerance: 4 });
    this.selectedRenderer = L.svg({ pane: "selected" });
    this.group = L.featureGroup().addTo(map);
    this.highlight = L.layerGroup().addTo(map);
    this.styles = new Map();
    this.kindOrder = [];
  }

  /** The layers of /api/v1/layers/ of type "sites": their order and styles. */
  setLayers(layers) {
    for (const layer of layers) this.styles.set(layer.kind, layer.style);
    this.kindOrder = layers.map((layer) => layer.kind);
  }

  /** The style of a site: its first kind among `shownKinds` (all when empty), in legend order. */
  styleOf(kinds, shownKinds = []) {
    const candidates = this.kindOrder.filter(
      (kind) => kinds.includes(kind) && (!shownKinds.length || shownKinds.includes(kind)),
    );
    return this.styles.get(candidates[0] || kinds[0]) || { colour: "#5f6368", shape: "circle", symbol: "?" };
  }

  #symbol(latlng, style, radius, text, fontSize) {
    return new SymbolMarker(latlng, {
      renderer: this.renderer,
      radius,
      shape: style.shape,
      text,
      fontSize,
      color: "#1a1a1a",
      weight: 1,
      fillColor: style.colour,
      fillOpacity: 1,
    });
  }

  /** Draws the sites of a GeoJSON FeatureCollection (properties `name`, `kinds`). */
  showSites(features, shownKinds) {
    this.group.clearLayers();
    for (const feature of features) {
      const [lon, lat] = feature.geometry.coordinates;
      const style = this.styleOf(feature.properties.kinds || [], shownKinds);
      const marker = this.#symbol([lat, lon], style, SITE_RADIUS, style.symbol, 10);
      marker.bindTooltip(() => tooltipText(feature.properties.name), { direction: "top", offset: [0, -8] });
      marker.on("click", () => this.onSite(feature.id, L.latLng(lat, lon)));
      marker.addTo(this.group);
    }
  }

  /** Draws the cells of /api/v1/clusters/: a count that zooms to its sites when clicked. */
  showClusters(features, shownKinds) {
    this.group.clearLayers();
    for (const feature of features) {
      const [lon, lat] = feature.geometry.coordinates;
      const { count, site_id: siteId, kinds, bbox } = feature.properties;
      if (count === 1 && siteId) {
        const style = this.styleOf(Object.keys(kinds).filter((kind) => kinds[kind] > 0), shownKinds);
        const marker = this.#symbol([lat, lon], style, SITE_RADIUS, style.symbol, 10);
        marker.on("click", () => this.onSite(siteId, L.latLng(lat, lon)));
        marker.addTo(this.group);
        continue;
      }
      const radius = Math.min(30, 11 + 4 * Math.log10(count));
      const label = count >= 10000 ? `${Math.round(count / 1000)}k` : formatNumber(count);
      const marker = this.#symbol([lat, lon], { colour: CLUSTER_FILL, shape: "circle" }, radius, label, 11);
      marker.setStyle({ color: "#ffffff", weight: 2, fillOpacity: 0.9 });
      marker.bindTooltip(() => tooltipText(t("clusterLabel", { count: formatNumber(count) })), { direction: "top" });
      marker.on("click", () => this.#zoomTo(bbox, [lat, lon]));
      marker.addTo(this.group);
    }
  }

  #zoomTo(bbox, centre) {
    const [west, south, east, north] = bbox;
    const bounds = L.latLngBounds([south, west], [north, east]);
    const zoom = Math.min(this.map.getBoundsZoom(bounds.pad(0.1)), this.map.getMaxZoom());
    this.map.setView(bounds.isValid() ? bounds.getCenter() : centre, Math.max(zoom, this.map.getZoom() + 1));
  }

  /** Rings the open site, wherever it is drawn (or not drawn: found by search, filtered out). */
  select(latlng) {
    this.highlight.clearLayers();
    if (!latlng) return;
    for (const [colour, weight] of [["#ffffff", 8], ["#b35c00", 4]]) {
      L.circleMarker(latlng, {
        renderer: this.selectedRenderer,
        radius: SITE_RADIUS + 6,
        color: colour,
        weight,
        fill: false,
        interactive: false,
      }).addTo(this.highlight);
    }
  }
}

// Polygon outlines from Mapbox Vector Tiles, drawn on one canvas per tile: the browser decodes
// a few kilobytes of tile instead of parsing GeoJSON, and draws each tile once, off the pan's
// critical path. The decoded rings are kept per tile so that the pointer (hover, or a tap on a
// phone) finds the polygon under it and shows its name in a tooltip.
import * as L from "leaflet";
import Pbf from "pbf";
import { VectorTile } from "@mapbox/vector-tile";

/** Even–odd rule over every ring of a feature, so that holes are left out. */
function inside(rings, x, y) {
  let within = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) within = !within;
    }
  }
  return within;
}

/** The polygons of `layerName` in a tile, their rings in tile pixels, with a bounding box. */
function decode(buffer, layerName, tileSize) {
  const layer = new VectorTile(new Pbf(buffer)).layers[layerName];
  const features = [];
  for (let i = 0; layer && i < layer.length; i++) {
    const feature = layer.feature(i);
    if (feature.type !== 3) continue; // polygons only
    const scale = tileSize / feature.extent;
    const box = [Infinity, Infinity, -Infinity, -Infinity];
    const rings = feature.loadGeometry().map((ring) =>
      ring.map(({ x, y }) => {
        const point = [x * scale, y * scale];
        box[0] = Math.min(box[0], point[0]);
        box[1] = Math.min(box[1], point[1]);
        box[2] = Math.max(box[2], point[0]);
        box[3] = Math.max(box[3], point[1]);
        return point;
      }),
    );
    features.push({ properties: feature.properties, rings, box });
  }
  return features;
}

/** Strokes every ring; the canvas clips what lies in the tile's buffer, past its edges. */
function draw(canvas, features, { color, weight, opacity }) {
  const context = canvas.getContext("2d");
  context.scale(devicePixelRatio, devicePixelRatio);
  context.strokeStyle = color;
  context.globalAlpha = opacity;
  context.lineWidth = weight;
  context.lineJoin = "round";
  context.beginPath();
  for (const { rings } of features) {
    for (const ring of rings) {
      ring.forEach(([x, y], i) => (i ? context.lineTo(x, y) : context.moveTo(x, y)));
      context.closePath();
    }
  }
  context.stroke();
}

/**
 * A grid layer of outlines from `urlTemplate` ({z}/{x}/{y}). Options: `layerName` (the layer
 * inside the tile), `color`, `weight`, `opacity`, `label(properties)` (the tooltip's text, none
 * when it is empty), and a GridLayer's own (`minZoom`, `pane`…). A tile the server answers
 * without content (204, 404) or fails to send stays blank, quietly; a tile that leaves the view
 * before it arrives is not waited for.
 */
export const VectorTileOutlines = L.GridLayer.extend({
  options: {
    layerName: "",
    color: "#80868b",
    weight: 0.6,
    opacity: 1,
    label: () => "",
    pane: "overlayPane",
  },

  initialize(urlTemplate, options) {
    this._url = urlTemplate;
    this._decoded = new Map(); // tile key → features
    this._fetches = new Map(); // tile key → AbortController (GridLayer owns `_loading`)
    this._tooltip = L.tooltip({ direction: "bottom", offset: [0, 14], className: "outline-tooltip" });
    L.GridLayer.prototype.initialize.call(this, options);
    // Tiles are made from wrapped coordinates but unloaded by their own.
    this.on("tileunload", ({ coords }) => this._forget(this._tileCoordsToKey(this._wrapCoords(coords))));
  },

  createTile(coords, done) {
    const tile = L.DomUtil.create("canvas", "leaflet-tile");
    const size = this.getTileSize();
    tile.width = size.x * devicePixelRatio;
    tile.height = size.y * devicePixelRatio;
    tile.setAttribute("role", "presentation");
    const key = this._tileCoordsToKey(coords);
    const controller = new AbortController();
    this._fetches.set(key, controller);
    const url = L.Util.template(this._url, coords);
    // Asked for in a task of its own, after the pan or zoom that made the tile has finished.
    new Promise((resolve) => setTimeout(resolve))
      .then(() => fetch(url, { signal: controller.signal, credentials: "same-origin" }))
      .then((response) => (response.status === 200 ? response.arrayBuffer() : null))
      .then((buffer) => {
        if (controller.signal.aborted || !buffer) return;
        const features = decode(buffer, this.options.layerName, size.x);
        this._decoded.set(key, features);
        draw(tile, features, this.options);
      })
      .catch(() => {}) // an aborted or failed tile stays blank
      .finally(() => {
        if (this._fetches.get(key) === controller) this._fetches.delete(key);
        if (!controller.signal.aborted) done(null, tile);
      });
    return tile;
  },

  _forget(key) {
    this._fetches.get(key)?.abort();
    this._fetches.delete(key);
    this._decoded.delete(key);
  },

  getEvents() {
    return {
      ...L.GridLayer.prototype.getEvents.call(this),
      mousemove: this._point,
      click: this._point,
      mouseout: this._hideLabel,
      zoomstart: this._hideLabel,
    };
  },

  onRemove(map) {
    this._hideLabel();
    for (const key of [...this._fetches.keys()]) this._forget(key);
    L.GridLayer.prototype.onRemove.call(this, map);
  },

  /** The properties of the polygon at `latlng` among the tiles drawn, or null. */
  featureAt(latlng) {
    if (this._tileZoom === undefined) return null;
    const size = this.getTileSize();
    const pixel = this._map.project(latlng, this._tileZoom);
    const coords = pixel.unscaleBy(size).floor();
    coords.z = this._tileZoom;
    const features = this._decoded.get(this._tileCoordsToKey(this._wrapCoords(coords)));
    if (!features) return null;
    const x = pixel.x - coords.x * size.x;
    const y = pixel.y - coords.y * size.y;
    const hit = features.find(
      ({ box, rings }) => x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3] && inside(rings, x, y),
    );
    return hit ? hit.properties : null;
  },

  _point(event) {
    // A marker drawn on a canvas above is under the pointer: its own tooltip speaks.
    const target = event.originalEvent?.target;
    const onMarker = target instanceof HTMLCanvasElement && target.classList.contains("leaflet-interactive");
    const properties = onMarker ? null : this.featureAt(event.latlng);
    const text = properties ? this.options.label(properties) : "";
    if (!text) {
      this._hideLabel();
      return;
    }
    if (this._labelText !== text) {
      const label = document.createElement("span");
      label.textContent = text;
      this._labelText = text;
      this._tooltip.setContent(label);
    }
    this._tooltip.setLatLng(event.latlng);
    if (!this._map.hasLayer(this._tooltip)) this._tooltip.openOn(this._map);
  },

  _hideLabel() {
    this._tooltip.close();
    this._labelText = "";
  },
});

export const vectorTileOutlines = (urlTemplate, options) => new VectorTileOutlines(urlTemplate, options);

// The base map of every page: the configured tile layers (settings.BASE_MAPS, the first shown)
// under the 34 province boundaries, which come from the project's own API, so the map keeps the
// shape of Viet Nam when no tile loads.
import * as L from "leaflet";

export const VIET_NAM_BOUNDS = L.latLngBounds([8.2, 102.1], [23.4, 109.5]);
export const PROVINCES_URL = "/api/v1/boundaries/provinces/";

// Offline: this many failed tiles, or none loaded this long after the first was asked for.
const OFFLINE_AFTER_ERRORS = 3;
const OFFLINE_AFTER_MS = 5000;

const BOUNDARY_STYLE = {
  color: "#1f4e79",
  weight: 1,
  opacity: 0.9,
  fillColor: "#dce8f3",
  fillOpacity: 0.45,
};

/** The base-map settings rendered by `{{ base_map|json_script:"base-map" }}`. */
export function readBaseMapConfig(id = "base-map") {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : {};
}

/** The vendored default marker, by explicit URLs: the hashed static file names defeat Leaflet's
 * guess of its image path from leaflet.css. */
export function markerIcon({ iconUrl, iconRetinaUrl, shadowUrl }) {
  return L.icon({
    iconUrl,
    iconRetinaUrl,
    shadowUrl,
    iconSize: [25, 41],
    iconAnchor: [12, 41],
    popupAnchor: [1, -34],
    tooltipAnchor: [16, -28],
    shadowSize: [41, 41],
  });
}

function provinceTooltip(layer) {
  const label = document.createElement("span");
  label.textContent = layer.feature.properties.full_name || layer.feature.properties.name;
  return label;
}

/** One tile layer per configured base map, by name, and the "no base map" choice. */
function baseLayersOf(element, config) {
  const layers = {};
  for (const { name, url, attribution, maxZoom } of config.baseMaps || []) {
    layers[name] = L.tileLayer(url, { attribution, maxZoom });
    reportOffline(element, name, layers[name], config.offlineMessage);
  }
  if (config.noBaseMapLabel) {
    layers[config.noBaseMapLabel] = L.layerGroup();
  }
  return layers;
}

/**
 * Dispatches `basemap:offline` (bubbling, `detail: { name, message }`) on `element` when the
 * tile layer shown cannot load its tiles: several fail, or none loads within a few seconds of
 * the first request. Once per showing of the layer; the boundaries stay drawn.
 */
function reportOffline(element, name, layer, message) {
  let loaded = false;
  let failed = 0;
  let reported = false;
  let timer;
  const report = () => {
    if (loaded || reported) return;
    reported = true;
    element.dispatchEvent(
      new CustomEvent("basemap:offline", { bubbles: true, detail: { name, message } }),
    );
  };
  layer.on({
    tileloadstart() {
      timer ??= setTimeout(report, OFFLINE_AFTER_MS);
    },
    tileload() {
      loaded = true;
    },
    tileerror() {
      failed += 1;
      if (failed >= OFFLINE_AFTER_ERRORS) report();
    },
    remove() {
      clearTimeout(timer);
      timer = undefined;
      loaded = reported = false;
      failed = 0;
    },
  });
}

/**
 * Creates a Leaflet map of Viet Nam in `element`, showing the first base map of `config`.
 *
 * Returns `{ map, boundaries, baseLayers }`: `boundaries` is a promise of the GeoJSON layer of
 * the provinces (rejected when they cannot be fetched); `baseLayers` maps each base map's name,
 * and the "no base map" label, to its layer, for an `L.control.layers`. With
 * `interactive: false` the boundaries let every click through to the map, as a point picker
 * needs. See `reportOffline` for the `basemap:offline` event.
 */
export function createBaseMap(element, config = readBaseMapConfig(), options = {}) {
  const {
    boundariesUrl = element.dataset.boundariesUrl || PROVINCES_URL,
    interactive = true,
    mapOptions = {},
  } = options;

  const map = L.map(element, { zoomSnap: 0.25, minZoom: 4, ...mapOptions });
  map.fitBounds(VIET_NAM_BOUNDS);

  const baseLayers = baseLayersOf(element, config);
  Object.values(baseLayers)[0]?.addTo(map);

  // The map may be laid out after it was created (a collapsed fieldset, a late stylesheet).
  if ("ResizeObserver" in window) {
    new ResizeObserver(() => map.invalidateSize()).observe(element);
  }

  const boundaries = fetch(boundariesUrl, {
    headers: { Accept: "application/geo+json, application/json" },
    credentials: "same-origin",
  })
    .then((response) => {
      if (!response.ok) {
        throw new Error(`${boundariesUrl}: HTTP ${response.status}`);
      }
      return response.json();
    })
    .then((collection) => {
      const layer = L.geoJSON(collection, {
        style: BOUNDARY_STYLE,
        interactive,
        attribution: config.boundaryAttribution || "",
      });
      if (interactive) {
        layer.bindTooltip(provinceTooltip, { sticky: true });
      }
      return layer.addTo(map);
    });

  return { map, boundaries, baseLayers };
}

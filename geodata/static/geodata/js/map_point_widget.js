// The admin's map point widget (geodata.widgets.MapPointWidget): a marker that a click on the map
// places, a drag moves and typed coordinates move; each change is written to the hidden field as
// EWKT, which GeoDjango's form field reads.
import * as L from "leaflet";
import { createBaseMap, markerIcon } from "basemap";

const DECIMALS = 7; // about 1 cm: more than any site needs, less than the noise of a click
const POINT_WKT = /POINT\s*Z?\s*\(\s*([-+]?[\d.]+(?:e[-+]?\d+)?)\s+([-+]?[\d.]+(?:e[-+]?\d+)?)/i;

/** The point of a WKT or EWKT value, or null. */
function parsePoint(text) {
  const match = POINT_WKT.exec(text || "");
  if (!match) return null;
  const lng = Number(match[1]);
  const lat = Number(match[2]);
  return Number.isFinite(lng) && Number.isFinite(lat) ? L.latLng(lat, lng) : null;
}

function round(value) {
  return Number(value.toFixed(DECIMALS));
}

/** A typed coordinate, or null when it is empty, not a number or out of range. */
function readCoordinate(input, limit) {
  const text = input.value.trim().replace(",", ".");
  if (text === "") return null;
  const value = Number(text);
  return Number.isFinite(value) && Math.abs(value) <= limit ? value : null;
}

function initWidget(root) {
  if (root.dataset.ready) return;
  root.dataset.ready = "true";

  const field = root.querySelector("textarea");
  const lonInput = root.querySelector('[data-coordinate="lon"]');
  const latInput = root.querySelector('[data-coordinate="lat"]');
  const clearButton = root.querySelector("[data-clear-point]");
  const mapElement = root.querySelector(".map-point-widget__map");
  const srid = root.dataset.srid || "4326";
  const disabled = field.disabled;

  const config = JSON.parse(document.getElementById(root.dataset.configId).textContent);
  const { map, boundaries, baseLayers } = createBaseMap(mapElement, config, {
    boundariesUrl: root.dataset.boundariesUrl,
    interactive: false,
  });
  L.control.layers(baseLayers).addTo(map);

  const status = root.querySelector(".map-point-widget__error");
  function showStatus(text) {
    status.textContent = text;
    status.hidden = false;
  }
  boundaries.catch(() => showStatus(root.dataset.boundariesError));
  mapElement.addEventListener("basemap:offline", (event) => showStatus(event.detail.message));

  const icon = markerIcon({
    iconUrl: root.dataset.iconUrl,
    iconRetinaUrl: root.dataset.iconRetinaUrl,
    shadowUrl: root.dataset.shadowUrl,
  });
  let marker = null;

  function writeField(latlng) {
    field.value = latlng ? `SRID=${srid};POINT (${round(latlng.lng)} ${round(latlng.lat)})` : "";
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function writeInputs(latlng) {
    lonInput.value = latlng ? String(round(latlng.lng)) : "";
    latInput.value = latlng ? String(round(latlng.lat)) : "";
  }

  function showMarker(latlng) {
    if (!latlng) {
      if (marker) marker.remove();
      marker = null;
      return;
    }
    if (marker) {
      marker.setLatLng(latlng);
      return;
    }
    marker = L.marker(latlng, {
      icon,
      draggable: !disabled,
      autoPan: true,
      keyboard: true,
      title: root.dataset.markerLabel,
      alt: root.dataset.markerLabel,
    }).addTo(map);
    marker.on("dragend", () => {
      const moved = marker.getLatLng().wrap();
      writeField(moved);
      writeInputs(moved);
    });
  }

  function place(latlng) {
    showMarker(latlng);
    writeField(latlng);
    writeInputs(latlng);
  }

  function revealMarker() {
    if (marker && !map.getBounds().contains(marker.getLatLng())) {
      map.panTo(marker.getLatLng());
    }
  }

  const initial = parsePoint(field.value);
  if (initial) {
    showMarker(initial);
    map.setView(initial, Math.max(map.getZoom(), 10));
  }

  if (disabled) return;

  map.on("click", (event) => place(event.latlng.wrap()));

  function onTyped() {
    const lng = readCoordinate(lonInput, 180);
    const lat = readCoordinate(latInput, 90);
    if (lng !== null && lat !== null) {
      const latlng = L.latLng(lat, lng);
      showMarker(latlng);
      writeField(latlng);
      revealMarker();
    } else if (lonInput.value.trim() === "" && latInput.value.trim() === "") {
      showMarker(null);
      writeField(null);
    }
  }
  lonInput.addEventListener("input", onTyped);
  latInput.addEventListener("input", onTyped);

  if (clearButton) {
    clearButton.addEventListener("click", () => place(null));
  }
}

document.querySelectorAll("[data-map-point-widget]").forEach(initWidget);

// The area of a selection, drawn on the map and kept in the selection form: a point and a
// radius (fields `near` "lon,lat" and `radius_km`), or a polygon whose corners are clicked one by
// one (field `polygon`, GeoJSON). Typing into the fields redraws the area too.
import * as L from "leaflet";
import { t, tn } from "inspections/text";

const AREA_STYLE = { color: "#b35c00", weight: 2, fillColor: "#b35c00", fillOpacity: 0.08, interactive: false };
const DECIMALS = 5;

const lonLat = (latlng) => `${latlng.lng.toFixed(DECIMALS)},${latlng.lat.toFixed(DECIMALS)}`;

function readPoint(text) {
  const [lon, lat] = (text || "").split(",").map((part) => Number(part.trim()));
  return Number.isFinite(lon) && Number.isFinite(lat) && text.includes(",") ? L.latLng(lat, lon) : null;
}

function readRing(text) {
  try {
    const ring = JSON.parse(text).coordinates[0];
    return ring.slice(0, -1).map(([lon, lat]) => L.latLng(lat, lon));
  } catch {
    return [];
  }
}

function polygonText(corners) {
  const ring = [...corners, corners[0]].map((c) => [Number(c.lng.toFixed(DECIMALS)), Number(c.lat.toFixed(DECIMALS))]);
  return JSON.stringify({ type: "Polygon", coordinates: [ring] });
}

export class AreaTools {
  /** `form`: the selection form; `clicks`: the map's MapClicks; `onChange()` after each change. */
  constructor(map, form, clicks, onChange) {
    this.map = map;
    this.clicks = clicks;
    this.onChange = onChange;
    this.fields = { near: form.elements.near, radius: form.elements.radius_km, polygon: form.elements.polygon };
    this.layer = L.featureGroup().addTo(map);
    this.sketch = L.layerGroup().addTo(map);
    this.pointButton = form.querySelector("[data-action=area-point]");
    this.drawButton = form.querySelector("[data-action=area-draw]");
    this.pointButton.addEventListener("click", () => this.#chooseCentre());
    this.drawButton.addEventListener("click", () => this.#drawArea());
    form.querySelector("[data-action=area-clear]").addEventListener("click", () => this.clear());
    for (const field of Object.values(this.fields)) field.addEventListener("change", () => this.draw());
    this.draw();
  }

  /** Draws the area the fields hold. */
  draw() {
    this.layer.clearLayers();
    const centre = readPoint(this.fields.near.value);
    const radius = Number(this.fields.radius.value);
    if (centre) {
      L.circleMarker(centre, { ...AREA_STYLE, radius: 4, fillOpacity: 1 }).addTo(this.layer);
      if (radius > 0) L.circle(centre, { ...AREA_STYLE, radius: radius * 1000 }).addTo(this.layer);
    }
    const corners = readRing(this.fields.polygon.value);
    if (corners.length >= 3) L.polygon(corners, AREA_STYLE).addTo(this.layer);
  }

  /** The bounds of the area drawn, or null. */
  bounds() {
    const bounds = this.layer.getBounds();
    return bounds.isValid() ? bounds : null;
  }

  clear() {
    this.clicks.leave();
    this.fields.near.value = "";
    this.fields.polygon.value = "";
    this.#changed();
  }

  #changed() {
    this.draw();
    this.onChange();
  }

  #chooseCentre() {
    this.clicks.enter({
      message: t("clickCentre"),
      button: this.pointButton,
      click: (latlng) => {
        this.fields.near.value = lonLat(latlng);
        if (!Number(this.fields.radius.value)) this.fields.radius.value = "10";
        this.clicks.leave();
        this.#changed();
      },
    });
  }

  #drawArea() {
    const corners = [];
    const sketchCorners = () => {
      this.sketch.clearLayers();
      if (corners.length > 1) L.polyline(corners, { ...AREA_STYLE, dashArray: "6 4" }).addTo(this.sketch);
      for (const corner of corners) L.circleMarker(corner, { ...AREA_STYLE, radius: 5, fillOpacity: 1 }).addTo(this.sketch);
      this.clicks.tell(`${t("clickCorners")} ${tn("corners", corners.length)}`);
    };
    this.clicks.enter({
      message: t("clickCorners"),
      button: this.drawButton,
      click: (latlng) => {
        corners.push(latlng);
        sketchCorners();
      },
      finish: () => {
        if (corners.length < 3) {
          this.clicks.tell(t("needCorners"));
          return;
        }
        this.fields.polygon.value = polygonText(corners);
        this.clicks.leave();
        this.#changed();
      },
      leave: () => this.sketch.clearLayers(),
    });
  }
}

// Near me: the browser's position, or a point the user taps on the map, and a radius; the list
// then gives the nearest sites first with their distance, and the map shows the circle.
import * as L from "leaflet";
import { say } from "map/dom";
import { t } from "map/text";
import { DEFAULT_RADIUS_KM } from "map/state";

const POSITION_TIMEOUT_MS = 10_000;

export class NearMe {
  /** `status` is the element where messages are shown. */
  constructor(store, map, status) {
    this.store = store;
    this.map = map;
    this.status = status;
    this.picking = false;
    this.label = t("nearPoint");
    this.layer = L.layerGroup().addTo(map);
    this.radius = document.getElementById("near-radius");
    this.pick = document.getElementById("near-pick");
    this.active = document.getElementById("near-active");
    this.radius.value = String(DEFAULT_RADIUS_KM);
    document.getElementById("near-me").addEventListener("click", () => this.#locate());
    this.pick.addEventListener("click", () => this.#setPicking(!this.picking));
    document.getElementById("near-clear").addEventListener("click", () => store.update({ near: null }, { push: true }));
    this.radius.addEventListener("change", () => {
      const near = this.store.state.near;
      if (near) this.#go({ ...near, radius: Number(this.radius.value) });
    });
    map.on("click", (event) => {
      if (!this.picking) return;
      this.#setPicking(false);
      this.label = t("nearPoint");
      this.#go({ lon: event.latlng.lng, lat: event.latlng.lat, radius: Number(this.radius.value) });
    });
  }

  #setPicking(on) {
    this.picking = on;
    this.pick.setAttribute("aria-pressed", String(on));
    this.map.getContainer().classList.toggle("map--picking", on);
    say(this.status, on ? t("pickPoint") : "");
  }

  #locate() {
    if (!("geolocation" in navigator)) {
      say(this.status, t("locationDenied"));
      return;
    }
    say(this.status, t("locating"));
    navigator.geolocation.getCurrentPosition(
      (position) => {
        say(this.status, "");
        this.label = t("nearYou");
        this.#go({ lon: position.coords.longitude, lat: position.coords.latitude, radius: Number(this.radius.value) });
      },
      () => say(this.status, t("locationDenied")),
      { enableHighAccuracy: false, timeout: POSITION_TIMEOUT_MS, maximumAge: 60_000 },
    );
  }

  #go(near) {
    this.store.update({ near, site: null }, { push: true });
    this.map.fitBounds(L.latLng(near.lat, near.lon).toBounds(near.radius * 2000));
  }

  render(state, previous) {
    if (previous && previous.near === state.near) return;
    this.layer.clearLayers();
    this.active.hidden = !state.near;
    if (!state.near) return;
    const centre = L.latLng(state.near.lat, state.near.lon);
    const radius = String(state.near.radius);
    if (![...this.radius.options].some((option) => option.value === radius)) {
      this.radius.append(new Option(`${radius} km`, radius));  // a radius from a link
    }
    this.radius.value = radius;
    document.getElementById("near-label").textContent = `${this.label} · ${state.near.radius} km`;
    L.circle(centre, { radius: state.near.radius * 1000, color: "#b35c00", weight: 2, fill: false, interactive: false }).addTo(this.layer);
    L.circleMarker(centre, { radius: 6, color: "#ffffff", weight: 2, fillColor: "#b35c00", fillOpacity: 1, interactive: false }).addTo(this.layer);
  }
}

// The plan on the map: each day's route from the start through its visits to the end, in the
// day's colour, the visits numbered in their order; the visits on no day in grey. The lines are
// straight: they show the order, not the roads.
import * as L from "leaflet";
import { h } from "map/dom";
import { inkOn } from "map/symbols";
import { t } from "inspections/text";

// Told apart by colour and by the day's number written in each badge's tooltip and the list.
const DAY_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#e07000", "#8c564b", "#c2188f", "#008b8b", "#4d4d4d", "#7a7a00"];
const UNPLACED_COLOUR = "#757575";

export const dayColour = (number) => DAY_COLOURS[(number - 1) % DAY_COLOURS.length];

function badge(text, colour, size = 26) {
  return L.divIcon({
    className: "pick-badge",
    html: `<span style="background:${colour};color:${inkOn(colour)}">${text}</span>`,
    iconSize: [size, size],
    iconAnchor: [size / 2, size / 2],
  });
}

export class RouteLayer {
  /** `onStop(stopId)` when a visit's badge is clicked. */
  constructor(map, { onStop }) {
    this.map = map;
    this.onStop = onStop;
    map.createPane("routes").style.zIndex = 440;
    map.createPane("stops").style.zIndex = 620;
    this.group = L.featureGroup().addTo(map);
  }

  show(plan) {
    this.group.clearLayers();
    const start = L.latLng(plan.start.lat, plan.start.lon);
    const end = L.latLng(plan.end.lat, plan.end.lon);
    for (const day of plan.days) {
      if (!day.stops.length) continue;
      const colour = dayColour(day.day);
      const points = [start, ...day.stops.map((stop) => L.latLng(stop.lat, stop.lon)), end];
      L.polyline(points, { pane: "routes", color: "#ffffff", weight: 7, opacity: 0.9, interactive: false }).addTo(this.group);
      L.polyline(points, { pane: "routes", color: colour, weight: 4, className: `route route--day-${day.day}` })
        .bindTooltip(t("day", { number: day.day }), { sticky: true })
        .addTo(this.group);
      day.stops.forEach((stop, index) => this.#stop(stop, String(index + 1), colour, t("day", { number: day.day })));
    }
    for (const stop of plan.unplaced) this.#stop(stop, "·", UNPLACED_COLOUR, "");
    this.#end(start, t("start"), plan.start.address);
    if (!start.equals(end, 1e-6)) this.#end(end, t("end"), plan.end.address);
  }

  #stop(stop, label, colour, dayName) {
    L.marker([stop.lat, stop.lon], { icon: badge(label, colour), pane: "stops", title: stop.name, keyboard: false })
      .bindTooltip(() => h("span", {}, h("strong", {}, stop.name), h("br"), [dayName, stop.arrives].filter(Boolean).join(" · ")), {
        direction: "top",
        offset: [0, -12],
      })
      .on("click", () => this.onStop(stop.id))
      .addTo(this.group);
  }

  #end(point, name, address) {
    L.marker(point, { icon: badge("★", "#1a1a1a", 28), pane: "stops", title: name, keyboard: false })
      .bindTooltip(() => h("span", {}, h("strong", {}, name), h("br"), address), { direction: "top", offset: [0, -12] })
      .addTo(this.group);
  }

  bounds() {
    const bounds = this.group.getBounds();
    return bounds.isValid() ? bounds : null;
  }
}

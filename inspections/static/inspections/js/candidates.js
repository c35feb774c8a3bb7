// The sites of a selection and the ones picked for the plan: the picks keep the order they were
// made in, and the map markers, the list of candidates (with checkboxes) and the numbered list
// of picks all follow them.
import * as L from "leaflet";
import { fromTemplate, h, slot } from "map/dom";
import { inkOn } from "map/symbols";
import { formatDate, t } from "inspections/text";

// The standing of a site today, as the marker's colour (the list says it in words).
const STATUS_COLOURS = {
  valid: "#2e7d32",
  expiring: "#b35c00",
  suspended: "#6a1b9a",
  expired: "#c62828",
  withdrawn: "#424242",
  not_yet_valid: "#5f6368",
  null: "#5f6368",
};
const PICKED_COLOUR = "#1f4e79";

/** The picked sites (GeoJSON features), in the order picked. */
export class Picks extends EventTarget {
  #features = new Map();

  get ids() {
    return [...this.#features.keys()];
  }

  get features() {
    return [...this.#features.values()];
  }

  has(id) {
    return this.#features.has(id);
  }

  number(id) {
    return this.ids.indexOf(id) + 1;
  }

  toggle(feature) {
    if (this.#features.has(feature.id)) this.#features.delete(feature.id);
    else this.#features.set(feature.id, feature);
    this.#changed();
  }

  add(features) {
    for (const feature of features) if (!this.#features.has(feature.id)) this.#features.set(feature.id, feature);
    this.#changed();
  }

  clear() {
    this.#features.clear();
    this.#changed();
  }

  #changed() {
    this.dispatchEvent(new Event("change"));
  }
}

const tooltip = (feature) => {
  const { name, status_label: standing } = feature.properties;
  return h("span", {}, h("strong", {}, name), h("br"), standing);
};

/** The candidates as dots coloured by their standing, the picks as numbered badges above them. */
export class CandidateMarkers {
  /** `onToggle(feature)` when a marker is clicked and no map mode is on (`isBusy()`). */
  constructor(map, picks, { onToggle, isBusy }) {
    this.map = map;
    this.picks = picks;
    map.createPane("candidates").style.zIndex = 450;
    map.createPane("picked").style.zIndex = 620;
    // SVG: a few hundred dots at most (plan_pages.CANDIDATES_SHOWN), each an element to click.
    this.renderer = L.svg({ pane: "candidates", padding: 0.2 });
    this.dots = L.featureGroup().addTo(map);
    this.badges = L.layerGroup().addTo(map);
    this.click = (feature) => () => isBusy() || onToggle(feature);
    this.features = [];
  }

  show(features) {
    this.features = features;
    this.dots.clearLayers();
    for (const feature of features) {
      const [lon, lat] = feature.geometry.coordinates;
      const dot = L.circleMarker([lat, lon], {
        renderer: this.renderer,
        className: "candidate-dot",
        radius: 7,
        color: "#ffffff",
        weight: 2,
        fillColor: STATUS_COLOURS[feature.properties.status] || STATUS_COLOURS.null,
        fillOpacity: 1,
      })
        .bindTooltip(() => tooltip(feature), { direction: "top", offset: [0, -6] })
        .on("click", this.click(feature))
        .addTo(this.dots);
      dot.getElement().dataset.siteId = feature.id;
    }
    this.showPicks();
  }

  showPicks() {
    this.badges.clearLayers();
    this.picks.features.forEach((feature, index) => {
      const [lon, lat] = feature.geometry.coordinates;
      const icon = L.divIcon({
        className: "pick-badge",
        html: `<span style="background:${PICKED_COLOUR};color:${inkOn(PICKED_COLOUR)}">${index + 1}</span>`,
        iconSize: [26, 26],
        iconAnchor: [13, 13],
      });
      L.marker([lat, lon], { icon, pane: "picked", keyboard: false, title: feature.properties.name })
        .on("click", this.click(feature))
        .addTo(this.badges);
    });
  }

  /** The bounds of the candidates, or null. */
  bounds() {
    const bounds = this.dots.getBounds();
    return bounds.isValid() ? bounds : null;
  }
}

function candidateItem(feature, picked, onToggle) {
  const item = fromTemplate("candidate-template");
  const { name, organisation, address, status, status_label: standing, last_visit: lastVisit, services } = feature.properties;
  const box = item.querySelector("input");
  box.value = feature.id;
  box.checked = picked;
  box.addEventListener("change", () => onToggle(feature));
  slot(item, "name").textContent = name;
  slot(item, "organisation").textContent = organisation;
  slot(item, "address").textContent = address;
  slot(item, "services").textContent = services.join(", ");
  const badge = slot(item, "status");
  badge.textContent = standing;
  badge.style.background = STATUS_COLOURS[status] || STATUS_COLOURS.null;
  slot(item, "visit").textContent = lastVisit ? t("lastVisit", { date: formatDate(lastVisit) }) : t("neverVisited");
  return item;
}

/** The candidates as a list of checkboxes: the keyboard's and the screen reader's way to pick. */
export function showCandidates(list, features, picks, onToggle) {
  list.replaceChildren(...features.map((feature) => candidateItem(feature, picks.has(feature.id), onToggle)));
}

/** Ticks the boxes of the picked candidates. */
export function tickCandidates(list, picks) {
  for (const box of list.querySelectorAll("input[type=checkbox]")) box.checked = picks.has(Number(box.value));
}

/** The picks, numbered in the order picked, each with a button that takes it out. */
export function showPicks(list, picks) {
  list.replaceChildren(
    ...picks.features.map((feature) => {
      const item = fromTemplate("picked-template");
      slot(item, "name").textContent = feature.properties.name;
      slot(item, "address").textContent = feature.properties.address;
      const button = item.querySelector("button");
      button.setAttribute("aria-label", `${button.getAttribute("aria-label")}: ${feature.properties.name}`);
      button.addEventListener("click", () => picks.toggle(feature));
      return item;
    }),
  );
}

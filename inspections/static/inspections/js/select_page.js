// The page that starts a plan: the selection form asks /inspections/sites.json for the matching
// sites, drawn on the map and listed; a click on a marker or a checkbox picks a site, in order.
// The selection and the picks are kept in the address, so a reload or a copied link keeps them.
// The plan form sends the picks with the plan's days and hours; its start and end points can be
// clicked on the map.
import * as L from "leaflet";
import { createBaseMap } from "basemap";
import { say } from "map/dom";
import { AreaTools } from "inspections/area";
import { CandidateMarkers, Picks, showCandidates, showPicks, tickCandidates } from "inspections/candidates";
import { RequestError, getJSON } from "inspections/http";
import { MapClicks } from "inspections/map_clicks";
import { t, tn } from "inspections/text";

const APPLY_PAUSE_MS = 300;
// Room around the sites for the badges, the layers control and the attribution.
const FIT = { paddingTopLeft: [30, 30], paddingBottomRight: [60, 40], maxZoom: 14 };

const page = document.getElementById("planner");
const element = document.getElementById("map");
const mapStatus = document.getElementById("map-status");
const selection = document.getElementById("selection");
const selectionErrors = document.getElementById("selection-errors");
const summary = document.getElementById("candidates-summary");
const candidateList = document.getElementById("candidates-list");
const pickedList = document.getElementById("picked-list");
const planForm = document.getElementById("plan-form");

const { map, boundaries, baseLayers } = createBaseMap(element);
L.control.layers(baseLayers, {}, { collapsed: true }).addTo(map);
boundaries.catch(() => say(mapStatus, t("boundariesFailed")));
element.addEventListener("basemap:offline", (event) => say(document.getElementById("map-offline"), event.detail.message));

const clicks = new MapClicks(map, element, document.getElementById("map-mode"));
const picks = new Picks();
const markers = new CandidateMarkers(map, picks, { onToggle: (feature) => picks.toggle(feature), isBusy: () => clicks.active });
const area = new AreaTools(map, selection, clicks, () => apply());
let candidates = [];
let request = null;
let pause;

// The selection ---------------------------------------------------------------------------------

/** The selection form's values, without the empty ones. */
function criteria() {
  const query = new URLSearchParams();
  for (const [name, value] of new FormData(selection)) if (value !== "") query.append(name, value);
  return query;
}

function keepInAddress() {
  const query = criteria();
  if (picks.ids.length) query.set("picked", picks.ids.join(","));
  const text = query.toString();
  history.replaceState(null, "", text ? `?${text}` : location.pathname);
}

async function apply({ fit = false } = {}) {
  clearTimeout(pause);
  request?.abort();
  request = new AbortController();
  keepInAddress();
  say(summary, t("loading"));
  say(selectionErrors, "");
  page.dataset.state = "loading";
  try {
    const collection = await getJSON(`${page.dataset.sitesUrl}?${criteria()}`, { signal: request.signal });
    candidates = collection.features;
    markers.show(candidates);
    showCandidates(candidateList, candidates, picks, (feature) => picks.toggle(feature));
    describe(collection);
    if (fit) fitMap();
    page.dataset.state = "ready";
  } catch (error) {
    if (error.name === "AbortError") return;
    say(summary, "");
    say(selectionErrors, error instanceof RequestError && error.status === 400 ? error.message : t("loadFailed"));
    page.dataset.state = "error";
  }
}

function describe({ count, features, truncated }) {
  const sentences = [count ? tn("matching", count) : t("noMatch")];
  if (truncated) sentences.push(t("truncated", { shown: features.length }));
  say(summary, sentences.join(" "));
  document.getElementById("pick-all").disabled = !count;
}

function fitMap() {
  const bounds = area.bounds() || markers.bounds();
  if (bounds) map.fitBounds(bounds, FIT);
}

function applySoon() {
  clearTimeout(pause);
  pause = setTimeout(() => apply({ fit: true }), APPLY_PAUSE_MS);
}

selection.addEventListener("submit", (event) => {
  event.preventDefault();
  apply({ fit: true });
});
selection.addEventListener("change", (event) => {
  // An administrator's communes are those of the province chosen: the page offers them afresh.
  if (event.target.name === "province" && selection.dataset.communesFollowProvince !== undefined) {
    selection.elements.commune.value = "";
    keepInAddress();
    location.assign(`${location.pathname}${location.search}`);
    return;
  }
  applySoon();
});

// The picks ---------------------------------------------------------------------------------------

picks.addEventListener("change", () => {
  markers.showPicks();
  tickCandidates(candidateList, picks);
  showPicks(pickedList, picks);
  planForm.elements.sites.value = picks.ids.join(",");
  document.getElementById("picked-count").textContent = tn("picked", picks.ids.length);
  document.getElementById("unpick-all").hidden = !picks.ids.length;
  keepInAddress();
});
document.getElementById("pick-all").addEventListener("click", () => picks.add(candidates));
document.getElementById("unpick-all").addEventListener("click", () => picks.clear());

/** The picks of the plan form sent back with errors, else of the address, in their order. */
async function restorePicks() {
  const ids = (planForm.elements.sites.value || new URLSearchParams(location.search).get("picked") || "")
    .split(",")
    .map(Number)
    .filter((id) => Number.isInteger(id) && id > 0);
  if (!ids.length) return picks.clear();
  const collection = await getJSON(`${page.dataset.sitesUrl}?ids=${ids.join(",")}`).catch(() => ({ features: [] }));
  const byId = new Map(collection.features.map((feature) => [feature.id, feature]));
  picks.add(ids.map((id) => byId.get(id)).filter(Boolean));
}

// Where the tours start and end --------------------------------------------------------------------

const ends = L.layerGroup().addTo(map);
const officeIcon = L.divIcon({ className: "pick-badge pick-badge--end", html: "<span>★</span>", iconSize: [28, 28], iconAnchor: [14, 14] });

function readLonLat(text) {
  const [lon, lat] = (text || "").split(",").map((part) => Number(part.trim()));
  return text && Number.isFinite(lon) && Number.isFinite(lat) ? L.latLng(lat, lon) : null;
}

/** The start and the end of the tours, as one star when they are the same place. */
function drawEnds() {
  ends.clearLayers();
  const start = readLonLat(planForm.elements.start.value);
  const end = readLonLat(planForm.elements.end.value);
  for (const [name, point] of [["start", start], ["end", end]]) {
    if (!point || (name === "end" && start?.equals(point, 1e-6))) continue;
    L.marker(point, { icon: officeIcon, title: t(name), keyboard: false, interactive: false }).addTo(ends);
  }
}

for (const name of ["start", "end"]) {
  const field = planForm.elements[name];
  field.addEventListener("change", drawEnds);
  const button = planForm.querySelector(`[data-action=pick-${name}]`);
  button.addEventListener("click", () => {
    element.scrollIntoView({ block: "nearest", behavior: "smooth" });
    clicks.enter({
      message: t(name === "start" ? "clickStart" : "clickEnd"),
      button,
      click: (latlng) => {
        field.value = `${latlng.lng.toFixed(5)}, ${latlng.lat.toFixed(5)}`;
        clicks.leave();
        drawEnds();
        field.focus();
      },
    });
  });
}
drawEnds();
planForm.querySelector("[data-action=same-end]").addEventListener("click", () => {
  planForm.elements.end_address.value = planForm.elements.start_address.value;
  planForm.elements.end.value = planForm.elements.start.value;
  drawEnds();
});
planForm.addEventListener("submit", () => keepInAddress());

// Start --------------------------------------------------------------------------------------------

await restorePicks();
await apply({ fit: true });
document.querySelector(".plan-form__errors")?.focus();

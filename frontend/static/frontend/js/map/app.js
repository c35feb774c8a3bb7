// The map page: wires the base map, the site markers, search, near me, filters, the results
// list, the site panel and the comparison to one state kept in the address.
import * as L from "leaflet";
import { VIET_NAM_BOUNDS, createBaseMap } from "basemap";
import { ApiError, Channel, withQuery } from "map/api";
import { catalogue, loadCatalogue } from "map/catalogue";
import { communeLayer } from "map/communes";
import { Comparison } from "map/compare";
import { say } from "map/dom";
import { FilterPanel } from "map/filters";
import { SiteMarkers } from "map/markers";
import { NearMe } from "map/nearme";
import { SitePanel } from "map/panel";
import { ResultsList } from "map/results";
import { SearchBox } from "map/search";
import { Store, apiFilters } from "map/state";
import { t, tn, urls } from "map/text";

// Fewer sites than this in view are drawn one by one; more are drawn as server clusters.
const SITES_DRAWN_AT_MOST = 1000;
const LISTED_PER_PAGE = 50;
const LIST_PROPERTIES = "name,organisation,kinds,status,commune,province";
const REFRESH_PAUSE_MS = 120;
const SITE_ZOOM = 15;
const LIST_RADIUS_KM = 2000;  // the largest the API allows: the view's bbox does the limiting

const store = new Store();
const element = document.getElementById("map");
const mapStatus = document.getElementById("map-status");
const { map, boundaries, baseLayers } = createBaseMap(element);
const markers = new SiteMarkers(map, { onSite: (id) => store.update({ site: id }, { push: true }) });
const channels = { clusters: new Channel(), sites: new Channel(), list: new Channel(), more: new Channel() };
const filterPanel = new FilterPanel(store);
const comparison = new Comparison(store);
const nearMe = new NearMe(store, map, mapStatus);
const panel = new SitePanel({
  onClose: () => store.update({ site: null }, { push: true }),
  onCompare: (id) => comparison.toggle(id),
});
const results = new ResultsList({
  onOpen: (feature) => store.update({ site: feature.id }, { push: true }),
  onCompare: (id) => comparison.toggle(id),
  onMore: () => listMore(),
  styleOf: (kinds) => markers.styleOf(kinds, shownKinds()),
});
let nextPage = null;

const shownKinds = () => (store.state.filters.kind ? store.state.filters.kind.split(",") : []);

function viewBbox() {
  const bounds = map.getBounds();
  const clamp = (value, limit) => Math.max(-limit, Math.min(limit, value)).toFixed(5);
  return [clamp(bounds.getWest(), 180), clamp(bounds.getSouth(), 90), clamp(bounds.getEast(), 180), clamp(bounds.getNorth(), 90)].join(",");
}

/** The area asked for: within the radius when searching near a point, else the view. */
function area(state) {
  return state.near ? {} : { bbox: viewBbox() };
}

function problem(error) {
  if (error instanceof ApiError && error.status === 400) {
    filterPanel.showError(t("badFilter", { message: error.message }));
  } else {
    say(mapStatus, t("loadFailed"));
  }
  element.dataset.state = "error";
}

function sum(features) {
  const kinds = {};
  let total = 0;
  for (const { properties } of features) {
    total += properties.count;
    for (const [kind, count] of Object.entries(properties.kinds)) kinds[kind] = (kinds[kind] || 0) + count;
  }
  return { total, kinds };
}

async function drawMarkers(params) {
  const clusters = await channels.clusters.get(urls.clusters, { ...params, zoom: Math.round(map.getZoom()) });
  const { total, kinds } = sum(clusters.features);
  filterPanel.showCounts(kinds);
  if (total <= SITES_DRAWN_AT_MOST) {
    const sites = await channels.sites.get(urls.sites, { ...params, limit: SITES_DRAWN_AT_MOST, properties: "name,kinds" });
    markers.showSites(sites.features, shownKinds());
    element.dataset.mode = "sites";
    element.dataset.markers = String(sites.features.length);
  } else {
    markers.showClusters(clusters.features, shownKinds());
    element.dataset.mode = "clusters";
    element.dataset.markers = String(clusters.features.length);
  }
  return total;
}

async function list(state, params) {
  const centre = map.getCenter();
  const near = state.near ? {} : { near: `${centre.lng.toFixed(5)},${centre.lat.toFixed(5)}`, radius_km: LIST_RADIUS_KM };
  const page = await channels.list.get(urls.sites, { ...params, ...near, limit: LISTED_PER_PAGE, properties: LIST_PROPERTIES });
  nextPage = page.links.find((link) => link.rel === "next")?.href || null;
  results.show(page.features, { hasMore: Boolean(nextPage), near: Boolean(state.near) });
  return page.features.length;
}

async function listMore() {
  if (!nextPage) return;
  const page = await channels.more.get(nextPage).catch(problem);
  if (!page) return;
  nextPage = page.links.find((link) => link.rel === "next")?.href || null;
  results.show(page.features, { append: true, hasMore: Boolean(nextPage), near: Boolean(store.state.near) });
}

function summary(state, total, listed) {
  if (!total) return t("noSites");
  if (state.near) return `${tn("sitesNear", total, { radius: state.near.radius })} ${t("listedNear")}`;
  return total > listed ? `${tn("sitesInView", total)} ${t("listed", { shown: listed })}` : tn("sitesInView", total);
}

async function refresh() {
  const state = store.state;
  const params = { ...apiFilters(state), ...area(state) };
  element.dataset.state = "loading";
  results.section.setAttribute("aria-busy", "true");
  try {
    const [total, listed] = await Promise.all([drawMarkers(params), list(state, params)]);
    results.setSummary(summary(state, total, listed));
    say(mapStatus, "");
    filterPanel.showError("");
    element.dataset.state = "ready";
    element.dataset.refreshes = String(Number(element.dataset.refreshes || 0) + 1);
    if (!performance.getEntriesByName("map:ready").length) performance.mark("map:ready");
  } catch (error) {
    problem(error);
  } finally {
    results.section.removeAttribute("aria-busy");
  }
}

let pause;
function scheduleRefresh() {
  clearTimeout(pause);
  pause = setTimeout(refresh, REFRESH_PAUSE_MS);
}

function rememberView() {
  const centre = map.getCenter();
  store.update({ view: { zoom: map.getZoom(), lat: centre.lat, lon: centre.lng } });
}

async function openSite(id) {
  if (!id) {
    panel.close();
    markers.select(null);
    return;
  }
  const feature = await panel.open(id);
  if (!feature || store.state.site !== id) return;
  const [lon, lat] = feature.geometry.coordinates;
  const point = L.latLng(lat, lon);
  markers.select(point);
  // A link without a view (`?site=12`) centres the site; otherwise only a site out of sight moves the map.
  if (!store.state.view || !map.getBounds().pad(-0.1).contains(point)) {
    map.setView(point, Math.max(map.getZoom(), SITE_ZOOM));
  }
}

/** Shows the view of a link, or the whole country (fitted again once the page is laid out). */
function applyView(view) {
  if (view) map.setView([view.lat, view.lon], view.zoom, { animate: false });
  else map.fitBounds(VIET_NAM_BOUNDS, { animate: false });
}

function updateDownloads(state) {
  const params = { ...apiFilters(state), ...area(state) };
  document.getElementById("download-csv").href = withQuery(urls.csv, params);
  document.getElementById("download-geojson").href = withQuery(urls.geojson, params);
}

function chooseSuggestion(suggestion) {
  const fit = (bbox, maxZoom) => {
    const [west, south, east, north] = bbox;
    map.fitBounds([[south, west], [north, east]], { maxZoom });
  };
  if (suggestion.type === "site") {
    const [lon, lat] = suggestion.point;
    map.setView([lat, lon], SITE_ZOOM);
    store.update({ site: suggestion.id }, { push: true });
  } else if (suggestion.type === "place") {
    fit(suggestion.bbox, 14);
  } else if (suggestion.type === "organisation") {
    fit(suggestion.bbox, SITE_ZOOM);
    store.update({ filters: { ...store.state.filters, q: suggestion.label }, site: null }, { push: true });
  } else if (suggestion.filter) {
    store.update({ filters: { ...store.state.filters, ...suggestion.filter }, site: null }, { push: true });
  }
}

function addLayerControl(siteLayer) {
  const communes = communeLayer(map, catalogue.boundaryLayers.communes).addTo(map);
  const overlays = { [t("sitesLayer")]: siteLayer, [t("communesLayer")]: communes };
  const control = L.control.layers(baseLayers || {}, overlays, { collapsed: true }).addTo(map);
  boundaries.then(
    (provinces) => control.addOverlay(provinces, t("provincesLayer")),
    () => say(document.getElementById("map-offline"), t("boundariesFailed")),
  );
}

function render(state, previous) {
  filterPanel.render(state);
  nearMe.render(state, previous);
  comparison.render(state, previous);
  results.setCompared(state.compare);
  panel.setCompared(state.compare);
  updateDownloads(state);
  if (!previous) applyView(state.view);
  if (!previous || previous.site !== state.site) openSite(state.site);
  if (!previous || previous.filters !== state.filters || previous.near !== state.near) scheduleRefresh();
  const search = document.getElementById("search-input");
  if (document.activeElement !== search && state.filters.q && !search.value) search.value = state.filters.q;
}

async function start() {
  element.dataset.state = "loading";
  try {
    await loadCatalogue();
  } catch {
    problem(new Error("catalogue"));
    return;
  }
  markers.setLayers(catalogue.siteLayers);
  filterPanel.build(catalogue.siteLayers, catalogue.vocabularies);
  addLayerControl(markers.group);
  new SearchBox({
    onChoose: chooseSuggestion,
    onWords: (words) => store.update({ filters: { ...store.state.filters, q: words }, site: null }, { push: true }),
  });
  element.addEventListener("basemap:offline", (event) => say(document.getElementById("map-offline"), event.detail.message));
  document.getElementById("print-map").addEventListener("click", () => window.print());
  map.on("moveend", () => {
    // The address follows the view in a task of its own: the gesture's task stays short.
    setTimeout(rememberView);
    scheduleRefresh();
  });
  store.subscribe(render);
  render(store.state, null);
}

start();

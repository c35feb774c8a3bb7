// The page's state, kept in the address so that a copied link reproduces the page: the view
// (`map=zoom/lat/lon`), the filters (named as in the API), the point searched around
// (`near=lon,lat&radius_km=`), the open site (`site=`), the sites compared (`compare=`, and
// `view=compare` while the comparison is shown).

export const FILTER_NAMES = [
  "kind", "field", "instrument", "standard", "province", "scheme", "status", "accredited", "q",
];
export const DEFAULT_RADIUS_KM = 25;
const MAX_COMPARED = 4;

function emptyFilters() {
  return Object.fromEntries(FILTER_NAMES.map((name) => [name, ""]));
}

const finite = (text) => (text !== null && text !== "" && Number.isFinite(Number(text)) ? Number(text) : null);
const positiveId = (text) => (/^\d{1,12}$/.test(text ?? "") ? Number(text) : null);

function parseView(text) {
  const [zoom, lat, lon] = (text || "").split("/").map(finite);
  return zoom !== null && lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180
    ? { zoom, lat, lon }
    : null;
}

function parseNear(text, radius) {
  const [lon, lat] = (text || "").split(",").map(finite);
  if (lon === null || lat === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { lon, lat, radius: finite(radius) > 0 ? finite(radius) : DEFAULT_RADIUS_KM };
}

/** The state a query string describes; whatever cannot be read is left at its default. */
export function parse(search) {
  const query = new URLSearchParams(search);
  const filters = emptyFilters();
  for (const name of FILTER_NAMES) filters[name] = (query.get(name) || "").trim().slice(0, 200);
  const compare = [...new Set((query.get("compare") || "").split(",").map(positiveId))]
    .filter((id) => id !== null)
    .slice(0, MAX_COMPARED);
  return {
    view: parseView(query.get("map")),
    filters,
    near: parseNear(query.get("near"), query.get("radius_km")),
    site: positiveId(query.get("site")),
    compare,
    comparing: query.get("view") === "compare" && compare.length > 0,
  };
}

const round = (value, digits) => Number(value.toFixed(digits));

export function serialise(state) {
  const query = new URLSearchParams();
  if (state.view) {
    const { zoom, lat, lon } = state.view;
    query.set("map", `${round(zoom, 2)}/${round(lat, 5)}/${round(lon, 5)}`);
  }
  for (const name of FILTER_NAMES) if (state.filters[name]) query.set(name, state.filters[name]);
  if (state.near) {
    query.set("near", `${round(state.near.lon, 5)},${round(state.near.lat, 5)}`);
    query.set("radius_km", state.near.radius);
  }
  if (state.site) query.set("site", state.site);
  if (state.compare.length) query.set("compare", state.compare.join(","));
  if (state.comparing) query.set("view", "compare");
  return query.toString();
}

/** The filters and the point searched around, as API query parameters. */
export function apiFilters(state) {
  const params = { ...state.filters };
  if (state.near) {
    params.near = `${state.near.lon},${state.near.lat}`;
    params.radius_km = state.near.radius;
  }
  return params;
}

export const activeFilterCount = (state) => FILTER_NAMES.filter((name) => state.filters[name]).length;

/** The state, its listeners and the address bar. */
export class Store {
  #listeners = [];

  constructor() {
    this.state = parse(window.location.search);
    window.addEventListener("popstate", () => {
      this.state = parse(window.location.search);
      this.#notify();
    });
  }

  /** Listens for changes: `listener(state, previous)`. */
  subscribe(listener) {
    this.#listeners.push(listener);
  }

  /** Merges `patch` into the state; `push` makes a history entry (Back undoes it). */
  update(patch, { push = false } = {}) {
    const previous = this.state;
    this.state = { ...previous, ...patch };
    const address = `${window.location.pathname}?${serialise(this.state)}`;
    window.history[push ? "pushState" : "replaceState"](null, "", address);
    this.#notify(previous);
  }

  setFilters(patch) {
    this.update({ filters: { ...this.state.filters, ...patch } });
  }

  #notify(previous = null) {
    for (const input of document.querySelectorAll("input[name=next]")) {
      input.value = window.location.pathname + window.location.search;
    }
    for (const listener of this.#listeners) listener(this.state, previous);
  }
}

export { MAX_COMPARED, emptyFilters };

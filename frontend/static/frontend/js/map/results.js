// The results list beside the map (below it on a phone): the sites of the view, or the nearest
// to the point searched around, as text that a keyboard and a screen reader can use.
import { fillStatusBadge } from "map/catalogue";
import { fromTemplate, slot } from "map/dom";
import { symbolImage } from "map/symbols";
import { formatDistance, t } from "map/text";

export class ResultsList {
  /** `onOpen(feature)` opens a site; `onCompare(id)` toggles it in the comparison; `onMore()`
   * asks for the next page; `styleOf(kinds)` gives a site's symbol. */
  constructor({ onOpen, onCompare, onMore, styleOf }) {
    this.section = document.getElementById("results");
    this.list = document.getElementById("results-list");
    this.summary = document.getElementById("results-summary");
    this.more = document.getElementById("results-more");
    this.features = new Map();
    this.styleOf = styleOf;
    this.compared = new Set();
    this.list.addEventListener("click", (event) => {
      const item = event.target.closest("[data-id]");
      if (!item) return;
      const id = Number(item.dataset.id);
      if (event.target.closest("[data-slot=compare]")) onCompare(id);
      else if (event.target.closest("[data-slot=name]")) onOpen(this.features.get(id));
    });
    this.more.addEventListener("click", () => onMore());
  }

  /** Lists `features`, after those already listed when `append`; `hasMore` shows "Show more". */
  show(features, { append = false, hasMore = false, near = false } = {}) {
    if (!append) {
      this.list.replaceChildren();
      this.features.clear();
    }
    this.list.append(...features.map((feature) => this.#item(feature, near)));
    this.more.hidden = !hasMore;
  }

  #item(feature, near) {
    this.features.set(feature.id, feature);
    const properties = feature.properties;
    const fragment = fromTemplate("result-template");
    const item = fragment.firstElementChild;
    item.dataset.id = feature.id;
    slot(item, "symbol").append(symbolImage(this.styleOf(properties.kinds || [])));
    slot(item, "name").textContent = properties.name;
    const organisation = properties.organisation !== properties.name ? properties.organisation : "";
    slot(item, "organisation").textContent = organisation || "";
    slot(item, "place").textContent = [properties.commune, properties.province].filter(Boolean).join(", ");
    fillStatusBadge(slot(item, "status"), properties.status);
    slot(item, "distance").textContent =
      near && properties.distance_m !== undefined ? t("distance", { distance: formatDistance(properties.distance_m) }) : "";
    this.#markCompared(item);
    return item;
  }

  setSummary(text) {
    this.summary.textContent = text;
  }

  /** Marks the sites chosen for comparison. */
  setCompared(ids) {
    this.compared = new Set(ids);
    for (const item of this.list.querySelectorAll("[data-id]")) this.#markCompared(item);
  }

  #markCompared(item) {
    const button = slot(item, "compare");
    const on = this.compared.has(Number(item.dataset.id));
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? t("compareRemove") : t("compareAdd");
    button.setAttribute("aria-label", `${button.textContent}: ${slot(item, "name").textContent}`);
  }
}

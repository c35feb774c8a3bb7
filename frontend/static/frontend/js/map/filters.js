// The filter panel: the legend (one toggle per service kind, with its symbol and its count in
// view), the vocabulary lists, the standard, the statuses and "accredited"; each change goes to
// the state, and the state back into the form (a link, Back, "Clear all filters").
import { statusBadge } from "map/catalogue";
import { h, say } from "map/dom";
import { symbolImage } from "map/symbols";
import { label, lang, formatNumber, tn } from "map/text";
import { FILTER_NAMES, activeFilterCount, emptyFilters } from "map/state";

const STANDARD_TYPING_PAUSE_MS = 700;
const collator = new Intl.Collator(lang);

const list = (text) => (text ? text.split(",") : []);

export class FilterPanel {
  constructor(store) {
    this.store = store;
    this.form = document.getElementById("filters");
    this.legend = document.getElementById("legend");
    this.statuses = document.getElementById("status-choices");
    this.error = document.getElementById("filters-error");
    this.counter = document.getElementById("filters-count");
    this.kinds = [];
    this.form.addEventListener("change", (event) => this.#changed(event.target));
    this.form.addEventListener("submit", (event) => event.preventDefault());
    this.form.addEventListener("reset", (event) => {
      event.preventDefault();
      store.update({ filters: emptyFilters() });
    });
    let pause;
    this.form.elements.standard.addEventListener("input", () => {
      clearTimeout(pause);
      pause = setTimeout(() => this.#changed(this.form.elements.standard), STANDARD_TYPING_PAUSE_MS);
    });
  }

  /** Builds the legend from the site layers of /api/v1/layers/ and the lists from the
   * vocabularies of /api/v1/vocabularies/. */
  build(siteLayers, vocabularies) {
    this.kinds = siteLayers.map((layer) => layer.kind);
    this.legend.replaceChildren(
      ...siteLayers.map((layer) =>
        h(
          "li",
          { class: "legend__item" },
          h(
            "label",
            { class: "legend__label" },
            h("input", { type: "checkbox", name: "kind", value: layer.kind, checked: true }),
            symbolImage(layer.style),
            h("span", { class: "legend__name" }, label(layer)),
            h("span", { class: "legend__count", "data-kind": layer.kind }),
          ),
        ),
      ),
    );
    this.statuses.replaceChildren(
      ...vocabularies.statuses.map((status) =>
        h(
          "li",
          {},
          h(
            "label",
            { class: "filters__check" },
            h("input", { type: "checkbox", name: "status", value: status.code }),
            statusBadge(status.code),
          ),
        ),
      ),
    );
    for (const select of this.form.querySelectorAll("select[data-vocabulary]")) {
      const entries = vocabularies[select.dataset.vocabulary]
        .map((entry) => ({ code: entry.code, text: label(entry) || entry.name }))
        .sort((a, b) => collator.compare(a.text, b.text));
      select.append(...entries.map((entry) => h("option", { value: entry.code }, entry.text)));
    }
    this.render(this.store.state);
  }

  #changed(control) {
    const name = control.name;
    if (!FILTER_NAMES.includes(name)) return;
    say(this.error, "");
    if (name === "kind" || name === "status") {
      const checked = [...this.form.querySelectorAll(`input[name=${name}]:checked`)].map((box) => box.value);
      const all = name === "kind" && (checked.length === this.kinds.length || checked.length === 0);
      this.store.setFilters({ [name]: all ? "" : checked.join(",") });
    } else if (control.type === "checkbox") {
      this.store.setFilters({ [name]: control.checked ? control.value : "" });
    } else {
      this.store.setFilters({ [name]: control.value.trim() });
    }
  }

  /** Puts the state's filters into the form. */
  render(state) {
    const { filters } = state;
    const kinds = list(filters.kind);
    for (const box of this.form.querySelectorAll("input[name=kind]")) {
      box.checked = !kinds.length || kinds.includes(box.value);
    }
    const statuses = list(filters.status);
    for (const box of this.form.querySelectorAll("input[name=status]")) box.checked = statuses.includes(box.value);
    for (const name of ["instrument", "field", "province", "scheme"]) {
      const select = this.form.elements[name];
      if (filters[name] && ![...select.options].some((option) => option.value === filters[name])) {
        select.append(h("option", { value: filters[name] }, filters[name]));  // a code from a link
      }
      select.value = filters[name];
    }
    if (document.activeElement !== this.form.elements.standard) this.form.elements.standard.value = filters.standard;
    this.form.elements.accredited.checked = filters.accredited === "true";
    const count = activeFilterCount(state);
    this.counter.textContent = count ? `(${tn("filtersActive", count)})` : "";
  }

  /** Writes the number of sites of each kind in view beside the legend (nothing when unknown). */
  showCounts(kindCounts) {
    for (const element of this.legend.querySelectorAll(".legend__count")) {
      const count = kindCounts?.[element.dataset.kind];
      element.textContent = count === undefined ? "" : formatNumber(count);
    }
  }

  showError(message) {
    say(this.error, message);
    if (message) this.form.closest("details").open = true;
  }
}

// Comparing up to four sites: the tray that counts the sites chosen, and the side-by-side table
// of /api/v1/compare/ (their facts, credentials, distance, and their scope lines aligned).
import { Channel } from "map/api";
import { kindChip, statusBadge } from "map/catalogue";
import { h, say } from "map/dom";
import { formatDistance, label, t, tn, urls } from "map/text";
import { MAX_COMPARED } from "map/state";

function factRows(sites) {
  const row = (heading, cell) => h("tr", {}, h("th", { scope: "row" }, heading), sites.map((site) => h("td", {}, cell(site))));
  const rows = [
    row(t("compareFacts.organisation"), (site) => site.properties.organisation),
    row(t("compareFacts.kinds"), (site) => site.properties.kinds.map(kindChip)),
    row(t("compareFacts.status"), (site) => statusBadge(site.properties.status)),
    row(t("compareFacts.place"), (site) => [site.properties.commune, site.properties.province].filter(Boolean).join(", ")),
    row(t("compareFacts.phone"), (site) => site.properties.phone || "—"),
    row(t("compareFacts.credentials"), (site) => site.properties.credential_numbers.join(", ") || "—"),
  ];
  if (sites.some((site) => site.properties.distance_m !== undefined)) {
    rows.push(row(t("compareFacts.distance"), (site) => formatDistance(site.properties.distance_m)));
  }
  return rows;
}

function scopeRows(scope, sites) {
  return scope.map((line) => {
    const heading = [
      line.instrument ? label(line, "instrument_name") : line.product,
      line.test,
      line.method_reference,
    ].filter(Boolean).join(" · ");
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, heading, h("span", { class: "compare__field" }, label(line, "field_name"))),
      sites.map((site) => {
        const offers = line.sites[String(site.id)] || [];
        return h(
          "td",
          { class: offers.length ? "compare__offered" : "compare__absent" },
          offers.length
            ? offers.map((offer) => h("p", {}, `✓ ${[offer.method, offer.range].filter(Boolean).join(", ")} `, h("span", { class: "compare__credential" }, offer.credential_number), " ", statusBadge(offer.status)))
            : t("notOffered"),
        );
      }),
    );
  });
}

export class Comparison {
  constructor(store) {
    this.store = store;
    this.channel = new Channel();
    this.tray = document.getElementById("compare-tray");
    this.trayLabel = document.getElementById("compare-tray-label");
    this.dialog = document.getElementById("compare-dialog");
    this.body = document.getElementById("compare-body");
    document.getElementById("compare-open").addEventListener("click", () => store.update({ comparing: true }, { push: true }));
    document.getElementById("compare-clear").addEventListener("click", () => store.update({ compare: [], comparing: false }));
    document.getElementById("compare-close").addEventListener("click", () => this.dialog.close());
    this.dialog.addEventListener("close", () => {
      if (this.store.state.comparing) this.store.update({ comparing: false });
    });
    this.body.addEventListener("click", (event) => {
      const button = event.target.closest("[data-remove]");
      if (button) this.toggle(Number(button.dataset.remove));
    });
  }

  /** Adds site `id` to the comparison, or takes it out; a fifth site is refused with a message. */
  toggle(id) {
    const ids = this.store.state.compare;
    if (ids.includes(id)) {
      const rest = ids.filter((other) => other !== id);
      this.store.update({ compare: rest, comparing: this.store.state.comparing && rest.length > 0 });
    } else if (ids.length >= MAX_COMPARED) {
      say(this.trayLabel, t("compareFull"));
    } else {
      this.store.update({ compare: [...ids, id] });
    }
  }

  render(state, previous) {
    const ids = state.compare;
    this.tray.hidden = !ids.length;
    if (ids.length) say(this.trayLabel, tn("compareTray", ids.length));
    const changed = !previous || previous.compare !== ids || previous.near !== state.near || previous.comparing !== state.comparing;
    if (state.comparing && changed) this.#show(state);
    if (!state.comparing && this.dialog.open) this.dialog.close();
  }

  async #show(state) {
    const params = { ids: state.compare.join(",") };
    if (state.near) params.near = `${state.near.lon},${state.near.lat}`;
    if (!this.dialog.open) this.dialog.showModal();
    this.body.replaceChildren(h("p", { role: "status" }, t("loading")));
    let answer;
    try {
      answer = await this.channel.get(urls.compare, params);
    } catch (error) {
      this.body.replaceChildren(h("p", { role: "alert" }, error.message || t("loadFailed")));
      return;
    }
    const sites = answer.sites;
    const head = h(
      "tr",
      {},
      h("td", {}),
      sites.map((site) =>
        h(
          "th",
          { scope: "col" },
          h("span", { class: "compare__name" }, site.properties.name),
          h("button", { class: "button button--small", type: "button", "data-remove": site.id }, t("compareRemove")),
        ),
      ),
    );
    const scopeHeading = h("tr", { class: "compare__section" }, h("th", { colspan: sites.length + 1, scope: "rowgroup" }, t("compareScopeHeading")));
    this.body.replaceChildren(
      h(
        "div",
        { class: "compare__scroll", tabindex: 0, role: "region", "aria-labelledby": "compare-heading" },
        h("table", { class: "compare__table" }, h("thead", {}, head), h("tbody", {}, factRows(sites), scopeHeading, scopeRows(answer.scope, sites))),
      ),
    );
  }
}

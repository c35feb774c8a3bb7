// The site panel: everything the public may know about one site, from /api/v1/sites/{id}/,
// with its scope searchable in place, its guides, documents, directions and permalink; and, for
// officials, its field visits (map/visits).
import { Channel } from "map/api";
import { fillStatusBadge, kindChip, statusBadge } from "map/catalogue";
import { fold, fromTemplate, h, safeWebAddress, say, slot } from "map/dom";
import { formatDate, formatDistance, label, t, tn, urls } from "map/text";
import { FieldVisits } from "map/visits";

const EXACT_METHODS = new Set(["surveyed", "supplied"]);

function hideRow(root, name, empty) {
  slot(root, `${name}-row`).hidden = empty;
}

function credentialItem(credential) {
  const dates = [
    credential.issued_on ? t("issuedOn", { date: formatDate(credential.issued_on) }) : "",
    credential.valid_until ? t("validUntil", { date: formatDate(credential.valid_until) }) : t("noExpiry"),
  ].filter(Boolean);
  const events = (credential.events || []).map((event) =>
    h(
      "li",
      {},
      t("event", { event: t(`eventKinds.${event.kind}`), date: formatDate(event.effective_on) }),
      event.decision_number ? ` (${event.decision_number})` : "",
      event.reason ? ` — ${event.reason}` : "",
    ),
  );
  return h(
    "li",
    { class: "credential" },
    h("p", { class: "credential__head" }, h("strong", {}, credential.number), " ", statusBadge(credential.status)),
    h("p", { class: "credential__scheme" }, label(credential.scheme)),
    credential.standard ? h("p", {}, credential.standard) : null,
    credential.issuer ? h("p", { class: "credential__issuer" }, label(credential.issuer)) : null,
    h("p", { class: "credential__dates" }, dates.join(" · ")),
    events.length ? h("ul", { class: "credential__events" }, events) : null,
  );
}

function scopeRows(credentials) {
  return credentials.flatMap((credential) =>
    (credential.scope || []).map((line) => {
      const cells = [
        line.instrument ? label(line.instrument) : line.product || label(line.field),
        line.test,
        line.method,
        line.range,
        credential.number,
      ];
      const row = h("tr", {}, cells.map((cell) => h("td", {}, cell || "")));
      row.dataset.text = fold([...cells, label(line.field)].join(" "));
      return row;
    }),
  );
}

function link(text, href, attributes = {}) {
  return href ? h("a", { href, ...attributes }, text) : text;
}

export class SitePanel {
  /** `onClose()` when the panel is closed; `onCompare(id)` toggles the site in the comparison. */
  constructor({ onClose, onCompare }) {
    this.section = document.getElementById("site-panel");
    this.results = document.getElementById("results");
    this.channel = new Channel();
    this.onClose = onClose;
    this.onCompare = onCompare;
    this.siteId = null;
    this.compared = new Set();
    this.visits = new FieldVisits();
  }

  /** Opens site `id`; resolves with its feature, or null when it is not published. */
  async open(id) {
    this.siteId = id;
    let feature;
    try {
      feature = await this.channel.get(urls.site.replace("{id}", id));
    } catch (error) {
      this.#showMessage(error.status === 404 ? t("siteMissing") : t("loadFailed"));
      return null;
    }
    this.#fill(feature);
    return feature;
  }

  close() {
    this.siteId = null;
    this.visits.cancel();
    this.section.hidden = true;
    this.section.replaceChildren();
    this.results.hidden = false;
  }

  setCompared(ids) {
    this.compared = new Set(ids);
    const button = this.section.querySelector("[data-slot=compare]");
    if (!button) return;
    const on = this.compared.has(this.siteId);
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? t("compareRemove") : t("compareAdd");
  }

  #reveal(content) {
    this.section.replaceChildren(content);
    this.results.hidden = true;
    this.section.hidden = false;
    this.section.focus({ preventScroll: true });
    this.#scrollToTop();
  }

  /** Brings the panel's top into sight: at the top of the side column where it scrolls on its
   * own (desktop), else just under the map that stays at the top of the screen (phone). */
  #scrollToTop() {
    const side = this.section.parentElement;
    if (getComputedStyle(side).overflowY === "auto") {
      side.scrollTop = this.section.offsetTop - side.offsetTop;
      return;
    }
    const stickyMapHeight = document.getElementById("map").offsetHeight;
    window.scrollBy({ top: this.section.getBoundingClientRect().top - stickyMapHeight });
  }

  #showMessage(message) {
    const back = h("button", { class: "button button--link", type: "button" }, t("back"));
    back.addEventListener("click", () => this.onClose());
    const note = h("p", { class: "panel__missing", role: "alert" }, message);
    this.#reveal(h("div", {}, back, note));
  }

  #fill(feature) {
    const p = feature.properties;
    const panel = fromTemplate("site-template");
    slot(panel, "back").addEventListener("click", () => this.onClose());
    slot(panel, "compare").addEventListener("click", () => this.onCompare(feature.id));
    slot(panel, "name").textContent = p.name;
    slot(panel, "organisation").textContent = p.organisation !== p.name ? p.organisation : "";
    slot(panel, "kinds").append(...p.kinds.map((kind) => h("li", {}, kindChip(kind))));
    fillStatusBadge(slot(panel, "status"), p.status);
    slot(panel, "address").textContent = p.address || "—";
    slot(panel, "current-address").textContent = [p.commune, p.province].filter(Boolean).join(", ") || "—";
    const legacy = p.legacy_address;
    const legacyText = legacy ? [legacy.commune, legacy.district, legacy.province].filter(Boolean).join(", ") : "";
    slot(panel, "legacy-address").textContent = legacyText;
    hideRow(panel, "legacy", !legacyText);
    slot(panel, "phone").append(link(p.phone, p.phone && `tel:${p.phone.replace(/[^\d+]/g, "")}`));
    hideRow(panel, "phone", !p.phone);
    slot(panel, "email").append(link(p.email, p.email && `mailto:${p.email}`));
    hideRow(panel, "email", !p.email);
    const website = safeWebAddress(p.website);
    slot(panel, "website").append(link(p.website, website, { rel: "noopener noreferrer", target: "_blank" }));
    hideRow(panel, "website", !p.website);
    slot(panel, "hours").textContent = p.opening_hours;
    hideRow(panel, "hours", !p.opening_hours);
    const approximate = p.location_method && !EXACT_METHODS.has(p.location_method);
    slot(panel, "accuracy").textContent = approximate
      ? t("approximate", {
          method: t(`locationMethods.${p.location_method}`),
          accuracy: formatDistance(p.location_accuracy_m || 0),
        })
      : "";
    slot(panel, "directions").href = p.directions.openstreetmap;
    slot(panel, "geo").href = p.directions.geo_uri;
    const permalink = `${window.location.origin}/?site=${feature.id}`;
    slot(panel, "permalink").href = permalink;
    slot(panel, "copy").addEventListener("click", (event) => this.#copy(permalink, event.currentTarget));
    this.#fillGuides(panel, feature.guides || p.guides || []);
    slot(panel, "credentials").append(...p.credentials.map(credentialItem));
    this.#fillScope(panel, p.credentials);
    const documents = p.credentials.flatMap((credential) => credential.documents || []);
    slot(panel, "documents").append(
      ...documents.map((document) =>
        h("li", {}, h("a", { href: document.url, download: true }, document.title || document.number), ` (${formatDate(document.issued_on)})`),
      ),
    );
    slot(panel, "documents-section").hidden = !documents.length;
    this.#reveal(panel);
    this.setCompared([...this.compared]);
    this.visits.show(feature.id, this.section);
  }

  #fillGuides(panel, guides) {
    slot(panel, "guides").append(
      ...guides.map((guide) =>
        h("li", {}, h("a", { href: guide.url }, label(guide, "title")), h("p", {}, label(guide, "summary"))),
      ),
    );
    slot(panel, "guides-section").hidden = !guides.length;
  }

  #fillScope(panel, credentials) {
    const rows = scopeRows(credentials);
    const body = slot(panel, "scope");
    const count = slot(panel, "scope-count");
    body.append(...rows);
    slot(panel, "scope-section").hidden = !rows.length;
    const filter = (text) => {
      const words = fold(text).split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const row of rows) {
        row.hidden = !words.every((word) => row.dataset.text.includes(word));
        shown += row.hidden ? 0 : 1;
      }
      count.textContent = shown ? tn("scopeCount", shown) : t("scopeNone");
    };
    slot(panel, "scope-search").addEventListener("input", (event) => filter(event.target.value));
    filter("");
  }

  async #copy(text, button) {
    const status = h("span", { class: "panel__copied", role: "status" });
    button.after(status);
    try {
      await navigator.clipboard.writeText(text);
      say(status, t("copied"));
    } catch {
      say(status, t("copyFailed"));
    }
  }
}

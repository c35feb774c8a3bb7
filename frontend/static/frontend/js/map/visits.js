// A site's field visits in the site panel, for officials only. Whether the user is one is asked
// once, privately (inspections/me.json, which also gives the section's sentences): the map page
// and the public API stay the same for everyone, and so stay cacheable.
import { Channel, getJSON } from "map/api";
import { h } from "map/dom";
import { formatDate, urls } from "map/text";

const SHOWN = 3; // the latest visits; "All visits" leads to the others

let asked = null;

/** me.json's answer for an official (the section's addresses and sentences), else null. */
function officialSettings() {
  asked ??= getJSON(urls.me).then(
    (me) => (me.official ? me : null),
    () => null,
  );
  return asked;
}

const fill = (template, values) => template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));

function visitItem(visit, texts) {
  return h(
    "li",
    {},
    h("p", {}, h("strong", {}, formatDate(visit.visited_on)), " · ", visit.outcome_label),
    h("p", { class: "panel__visit-meta" }, fill(texts.by, { inspector: visit.inspector })),
    visit.follow_up_on
      ? h("p", { class: "panel__visit-meta" }, fill(texts.followUp, { day: formatDate(visit.follow_up_on) }))
      : null,
  );
}

function section(history, texts) {
  const complaints = history.open_complaints.length;
  return h(
    "section",
    { class: "panel__section", "data-slot": "visits-section", "data-state": "shown" },
    h("h3", {}, texts.heading),
    complaints ? h("p", { class: "panel__visit-meta" }, fill(texts.openComplaints, { count: complaints })) : null,
    history.visits.length
      ? h("ul", { class: "panel__visits", "data-slot": "visits" }, history.visits.slice(0, SHOWN).map((v) => visitItem(v, texts)))
      : h("p", {}, texts.none),
    h(
      "p",
      { class: "panel__links" },
      h("a", { class: "button button--primary", href: history.urls.record }, texts.record),
      h("a", { class: "button", href: history.urls.all }, texts.all),
    ),
  );
}

function failure(texts) {
  return h(
    "section",
    { class: "panel__section", "data-slot": "visits-section", "data-state": "failed" },
    h("h3", {}, texts.heading),
    h("p", { role: "alert" }, texts.failed),
  );
}

export class FieldVisits {
  #channel = new Channel();
  #generation = 0; // a section is added only for the latest site shown

  /** Adds site `id`'s field visits to the panel, after its links, when the user is an official.
   * The panel's data-visits says how it went: asking, shown, failed, or none (not an official,
   * or a site outside the official's province). */
  async show(id, panel) {
    const generation = ++this.#generation;
    panel.dataset.visits = "asking";
    const settings = await officialSettings();
    if (generation !== this.#generation) return;
    let content = null;
    if (settings) {
      try {
        content = section(await this.#channel.get(settings.urls.visits.replace("{id}", id)), settings.texts);
      } catch (error) {
        content = error.status === 404 ? null : failure(settings.texts);
      }
    }
    if (content) panel.querySelector(".panel__links").after(content);
    panel.dataset.visits = content ? content.dataset.state : "none";
  }

  cancel() {
    this.#generation += 1;
    this.#channel.cancel();
  }
}

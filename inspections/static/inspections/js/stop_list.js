// The plan's days as lists of visits that the inspector rearranges: by dragging (HTML5 drag
// and drop, within a day and across days) or by each visit's buttons (up, down, move to a day,
// pin to its day), which a keyboard and a phone can use. Each change is handed to `onChange`
// as the whole new order: { days: [[stop ids] per day], pinned: [stop ids] }.
import { fromTemplate, slot } from "map/dom";
import { dayColour } from "inspections/routes";
import { formatDuration, formatKm, formatWeekday, t, tn } from "inspections/text";

const UNPLACED = 0; // the "day" of the visits that are on no day

/** The order of a plan document, as lists of stop ids per day (index 0: not on a day). */
function orderOf(plan) {
  return [plan.unplaced.map((stop) => stop.id), ...plan.days.map((day) => day.stops.map((stop) => stop.id))];
}

export class DayLists {
  /** `onChange(order, focus)`: `focus` ({ stop, action }) is where the keyboard was. */
  constructor(container, unplacedSection, { onChange }) {
    this.container = container;
    this.unplacedSection = unplacedSection;
    this.onChange = onChange;
    this.dragged = null;
    this.placeholder = Object.assign(document.createElement("li"), { className: "stop-placeholder" });
    this.placeholder.setAttribute("aria-hidden", "true");
    this.#listenForDrops(unplacedSection.querySelector("ol"));
    document.addEventListener("click", (event) => this.#closeMenus(event.target));
    document.addEventListener("keydown", (event) => event.key === "Escape" && this.#closeMenus(null, true));
  }

  /** Closes the "Move to" menus but the one clicked in; Escape gives the keyboard back to its button. */
  #closeMenus(target, escaped = false) {
    for (const menu of document.querySelectorAll(".move-menu[open]")) {
      if (target && menu.contains(target)) continue;
      menu.open = false;
      if (escaped) menu.querySelector("summary").focus();
    }
  }

  /** Draws the plan's days and the visits on no day. */
  show(plan) {
    this.plan = plan;
    this.order = orderOf(plan);
    this.pinned = new Set(plan.days.flatMap((day) => day.stops.filter((stop) => stop.pinned).map((stop) => stop.id)));
    this.container.replaceChildren(...plan.days.map((day) => this.#day(day)));
    const unplacedList = this.unplacedSection.querySelector("ol");
    unplacedList.replaceChildren(...plan.unplaced.map((stop, index) => this.#stop(stop, UNPLACED, index)));
    this.unplacedSection.hidden = !plan.unplaced.length;
    document.getElementById("unplaced-note").textContent = plan.unplaced.length ? tn("unplaced", plan.unplaced.length) : "";
  }

  /** Moves the keyboard to a visit's control after the lists were drawn again. */
  focus({ stop, action }) {
    const item = this.container.parentElement.querySelector(`[data-stop-id="${stop}"]`);
    const control = item?.querySelector(`[data-action="${action}"]:not([disabled])`) || item?.querySelector("[data-action=menu]");
    control?.focus();
    return item;
  }

  #day(day) {
    const section = fromTemplate("day-template");
    const root = section.firstElementChild;
    root.dataset.day = day.day;
    slot(section, "swatch").style.background = dayColour(day.day);
    slot(section, "title").textContent = `${t("day", { number: day.day })} · ${formatWeekday(day.date)}`;
    const { totals } = day;
    const parts = [tn("stops", totals.stops || 0)];
    if (totals.stops) parts.push(formatKm(totals.metres), formatDuration(totals.seconds), t("backAt", { time: totals.back_at }));
    slot(section, "totals").textContent = parts.join(" · ");
    const warnings = [];
    if (totals.over_hours) warnings.push(t("overHours", { time: totals.back_at }));
    if (totals.over_cap) warnings.push(t("overCap", { count: this.plan.max_visits_per_day }));
    slot(section, "warnings").replaceChildren(...warnings.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
    if (warnings.length) root.classList.add("day--warning");
    const list = slot(section, "stops");
    list.dataset.day = day.day;
    list.append(...day.stops.map((stop, index) => this.#stop(stop, day.day, index)));
    this.#listenForDrops(list);
    slot(section, "empty").hidden = day.stops.length > 0;
    if (day.stops.length) Object.assign(slot(section, "page"), { href: day.page_url, hidden: false });
    return section;
  }

  #stop(stop, dayNumber, index) {
    const fragment = fromTemplate("stop-template");
    const item = fragment.firstElementChild;
    item.dataset.stopId = stop.id;
    const number = slot(fragment, "number");
    number.textContent = dayNumber ? index + 1 : "·";
    number.style.background = dayNumber ? dayColour(dayNumber) : "#757575";
    slot(fragment, "name").textContent = stop.name;
    slot(fragment, "organisation").textContent = stop.organisation;
    slot(fragment, "address").textContent = stop.address;
    slot(fragment, "time").textContent = stop.arrives
      ? t("visitTime", { arrives: stop.arrives, leaves: stop.leaves, minutes: stop.minutes })
      : t("visitMinutes", { minutes: stop.minutes });
    if (stop.phone) Object.assign(slot(fragment, "phone"), { href: `tel:${stop.phone.replace(/[^\d+]/g, "")}`, textContent: stop.phone, hidden: false });
    Object.assign(slot(fragment, "visit"), { href: `${stop.visits_url}?stop=${stop.id}#record`, hidden: false });
    this.#controls(fragment, stop, dayNumber, index);
    item.addEventListener("dragstart", (event) => this.#dragStart(event, stop.id));
    item.addEventListener("dragend", () => this.#dragEnd());
    return fragment;
  }

  #controls(fragment, stop, dayNumber, index) {
    const dayLength = this.order[dayNumber].length;
    const button = (action) => fragment.querySelector(`[data-action="${action}"]`);
    const place = (action, handler) => button(action).addEventListener("click", () => handler());
    button("up").disabled = !dayNumber || index === 0;
    button("down").disabled = !dayNumber || index === dayLength - 1;
    button("up").hidden = button("down").hidden = !dayNumber;
    place("up", () => this.#move(stop.id, dayNumber, index - 1, "up"));
    place("down", () => this.#move(stop.id, dayNumber, index + 1, "down"));
    const pin = button("pin");
    pin.hidden = !dayNumber;
    pin.setAttribute("aria-pressed", String(this.pinned.has(stop.id)));
    place("pin", () => this.#togglePin(stop.id));
    const choices = slot(fragment, "days");
    for (const day of this.plan.days) {
      if (day.day === dayNumber) continue;
      choices.append(this.#choice(`${t("day", { number: day.day })} · ${formatWeekday(day.date)}`, day.day, stop.id));
    }
    if (dayNumber) choices.append(this.#choice(document.getElementById("label-not-on-a-day").textContent, UNPLACED, stop.id));
  }

  #choice(label, dayNumber, stopId) {
    const choice = fromTemplate("move-choice-template").firstElementChild;
    choice.textContent = label;
    choice.dataset.day = dayNumber;
    choice.addEventListener("click", () => this.#move(stopId, dayNumber, this.order[dayNumber].length, "menu"));
    return choice;
  }

  // Changes ------------------------------------------------------------------------------------

  #move(stopId, toDay, toIndex, action) {
    const order = this.order.map((ids) => ids.filter((id) => id !== stopId));
    order[toDay].splice(Math.min(toIndex, order[toDay].length), 0, stopId);
    const pinned = new Set(this.pinned);
    if (toDay === UNPLACED) pinned.delete(stopId);
    this.#changed(order, pinned, { stop: stopId, action, day: toDay });
  }

  #togglePin(stopId) {
    const pinned = new Set(this.pinned);
    if (!pinned.delete(stopId)) pinned.add(stopId);
    this.#changed(this.order, pinned, { stop: stopId, action: "pin" });
  }

  #changed(order, pinned, focus) {
    this.onChange({ days: order.slice(1), pinned: [...pinned] }, focus);
  }

  // Dragging -----------------------------------------------------------------------------------

  #dragStart(event, stopId) {
    this.dragged = stopId;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", String(stopId));
    requestAnimationFrame(() => document.getElementById("planner").classList.add("planner--dragging"));
  }

  #dragEnd() {
    this.dragged = null;
    this.placeholder.remove();
    document.getElementById("planner").classList.remove("planner--dragging");
  }

  #listenForDrops(list) {
    list.addEventListener("dragover", (event) => {
      if (this.dragged === null) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      const after = [...list.querySelectorAll(".stop")].find((item) => {
        const box = item.getBoundingClientRect();
        return event.clientY < box.top + box.height / 2;
      });
      list.insertBefore(this.placeholder, after || null);
    });
    list.addEventListener("drop", (event) => {
      if (this.dragged === null) return;
      event.preventDefault();
      const siblings = [...list.children].filter((item) => item === this.placeholder || item.classList.contains("stop"));
      const index = siblings
        .slice(0, siblings.indexOf(this.placeholder))
        .filter((item) => Number(item.dataset.stopId) !== this.dragged).length;
      const stopId = this.dragged;
      this.#dragEnd();
      this.#move(stopId, Number(list.dataset.day), index, "menu");
    });
  }
}

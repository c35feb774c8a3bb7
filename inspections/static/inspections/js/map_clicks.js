// What a click on the selection map means: by default it picks a site (markers handle that);
// in a mode it sets the centre of the visits, a corner of an area, or where the tours start or
// end. One mode at a time; Escape or the Cancel button leaves it.
import { say } from "map/dom";

export class MapClicks {
  #mode = null;

  /** `bar`: the bar shown over the map in a mode, with [data-slot=label], [data-action=finish]
   * and [data-action=cancel]. */
  constructor(map, element, bar) {
    this.map = map;
    this.element = element;
    this.bar = bar;
    this.label = bar.querySelector("[data-slot=label]");
    this.finishButton = bar.querySelector("[data-action=finish]");
    map.on("click", (event) => this.#mode?.click(event.latlng));
    this.finishButton.addEventListener("click", () => this.#mode?.finish?.());
    bar.querySelector("[data-action=cancel]").addEventListener("click", () => this.leave());
    document.addEventListener("keydown", (event) => event.key === "Escape" && this.#mode && this.leave());
  }

  get active() {
    return this.#mode !== null;
  }

  /** `mode`: { message, click(latlng), finish?(), leave?(), button? } — `button` shows it pressed. */
  enter(mode) {
    this.leave();
    this.#mode = mode;
    this.element.classList.add("map--picking");
    this.map.doubleClickZoom.disable();
    mode.button?.setAttribute("aria-pressed", "true");
    this.finishButton.hidden = !mode.finish;
    this.tell(mode.message);
    this.bar.hidden = false;
  }

  /** Shows `message` in the bar of the mode. */
  tell(message) {
    say(this.label, message);
  }

  leave() {
    const mode = this.#mode;
    if (!mode) return;
    this.#mode = null;
    mode.leave?.();
    mode.button?.setAttribute("aria-pressed", "false");
    this.element.classList.remove("map--picking");
    this.map.doubleClickZoom.enable();
    this.bar.hidden = true;
  }
}

// The search box: suggestions from /api/v1/search/ as a combobox (arrow keys, Enter, Escape,
// or a tap); Enter on no suggestion searches the sites for the words typed.
import { Channel } from "map/api";
import { h } from "map/dom";
import { lang, t, urls } from "map/text";

const TYPING_PAUSE_MS = 180;
const MIN_LENGTH = 2;

export class SearchBox {
  /** `onChoose(suggestion)` for a chosen suggestion; `onWords(text)` for Enter on typed words. */
  constructor({ onChoose, onWords }) {
    this.form = document.getElementById("search");
    this.input = document.getElementById("search-input");
    this.listbox = document.getElementById("search-suggestions");
    this.channel = new Channel();
    this.suggestions = [];
    this.active = -1;
    this.onChoose = onChoose;
    this.onWords = onWords;
    this.pause = null;
    this.input.addEventListener("input", () => {
      clearTimeout(this.pause);
      this.pause = setTimeout(() => this.#suggest(), TYPING_PAUSE_MS);
    });
    this.input.addEventListener("keydown", (event) => this.#key(event));
    this.input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (this.active >= 0) this.#choose(this.active);
      else {
        this.close();
        this.onWords(this.input.value.trim());
      }
    });
    // A press on a suggestion keeps the focus in the box; the click then chooses it.
    this.listbox.addEventListener("mousedown", (event) => event.preventDefault());
    this.listbox.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) this.#choose(Number(option.dataset.index));
    });
  }

  async #suggest() {
    const q = this.input.value.trim();
    if (q.length < MIN_LENGTH) {
      this.close();
      return;
    }
    try {
      const answer = await this.channel.get(urls.search, { q });
      this.#show(answer.suggestions || []);
    } catch (error) {
      this.#show([], error.message);
    }
  }

  #show(suggestions, message = t("noSuggestion")) {
    this.suggestions = suggestions;
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    const options = suggestions.map((suggestion, index) =>
      h(
        "li",
        { id: `search-option-${index}`, role: "option", "aria-selected": "false", "data-index": index, class: "suggestion" },
        h("span", { class: "suggestion__type" }, t(`suggestionTypes.${suggestion.type}`)),
        h("span", { class: "suggestion__label" }, (lang === "en" && suggestion.label_en) || suggestion.label),
        suggestion.detail ? h("span", { class: "suggestion__detail" }, suggestion.detail) : null,
      ),
    );
    this.listbox.replaceChildren(...(options.length ? options : [h("li", { class: "suggestion suggestion--none" }, message)]));
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  }

  /** Closes the list, and forgets the suggestions still on their way. */
  close() {
    clearTimeout(this.pause);
    this.channel.cancel();
    this.listbox.hidden = true;
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  #key(event) {
    const count = this.suggestions.length;
    if (event.key === "Escape") {
      if (!this.listbox.hidden) event.preventDefault();  // the first Escape keeps the words typed
      this.close();
    } else if ((event.key === "ArrowDown" || event.key === "ArrowUp") && count) {
      event.preventDefault();
      if (this.listbox.hidden) this.#show(this.suggestions);
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.#activate(this.active < 0 ? (step > 0 ? 0 : count - 1) : (this.active + step + count) % count);
    }
  }

  #activate(index) {
    this.active = index;
    for (const option of this.listbox.querySelectorAll("[role=option]")) {
      const on = Number(option.dataset.index) === index;
      option.setAttribute("aria-selected", String(on));
      if (on) option.scrollIntoView({ block: "nearest" });
    }
    this.input.setAttribute("aria-activedescendant", `search-option-${index}`);
  }

  #choose(index) {
    const suggestion = this.suggestions[index];
    this.close();
    if (!suggestion) return;
    this.input.value = (lang === "en" && suggestion.label_en) || suggestion.label;
    this.onChoose(suggestion);
  }
}

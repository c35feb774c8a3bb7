// Building the page from data safely: every string from the API becomes a text node or an
// attribute value, never HTML.

/** `h("a", { href, class: "x" }, "text", child)`: an element with text or element children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== ""));
  return element;
}

/** The element of a `<template>` clone that fills the slot `name`. */
export const slot = (root, name) => root.querySelector(`[data-slot="${name}"]`);

/** A clone of the `<template id=...>` content. */
export function fromTemplate(id) {
  return document.getElementById(id).content.cloneNode(true);
}

/** Text folded for matching: lower case, no diacritics, đ as d ("Kiểm Định" → "kiem dinh"). */
export function fold(text) {
  return (text || "")
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/đ/gi, "d")
    .toLowerCase();
}

/** An http(s) address for a link, or null: a `javascript:` or other scheme is never a link. */
export function safeWebAddress(text) {
  if (!text) return null;
  const candidate = /^https?:\/\//i.test(text) ? text : `https://${text}`;
  try {
    const url = new URL(candidate);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Shows `message` in a status element, or hides it when the message is empty. */
export function say(element, message) {
  element.textContent = message || "";
  element.hidden = !message;
}

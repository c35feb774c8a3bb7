// The page's language and the sentences the server translated for the modules
// (frontend/explorer.py), with number, date and distance formats of that language.
const config = JSON.parse(document.getElementById("explorer-config").textContent);

export const lang = document.documentElement.lang === "en" ? "en" : "vi";
export const urls = config.urls;
const texts = config.texts;
const locale = lang === "vi" ? "vi-VN" : "en-GB";
const plurals = new Intl.PluralRules(locale);
const numbers = new Intl.NumberFormat(locale);
const decimals = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
const dates = new Intl.DateTimeFormat(locale, { day: "2-digit", month: "2-digit", year: "numeric" });

function fill(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
}

/** The sentence `key` (a dotted path into the texts) with its %(name)s placeholders filled. */
export function t(key, values = {}) {
  const template = key.split(".").reduce((node, part) => node?.[part], texts);
  return fill(template ?? key, values);
}

/** The sentence `key` in the plural form for `count`, the count formatted. */
export function tn(key, count, values = {}) {
  const forms = texts[key];
  const form = forms[plurals.select(count)] ?? forms.other;
  return fill(form, { ...values, count: numbers.format(count) });
}

export const formatNumber = (value) => numbers.format(value);

/** "2026-11-21" → "21/11/2026" (vi) or "21/11/2026" (en-GB), read as a calendar day. */
export function formatDate(isoDay) {
  if (!isoDay) return "";
  const [year, month, day] = isoDay.slice(0, 10).split("-").map(Number);
  return dates.format(new Date(year, month - 1, day));
}

export function formatDistance(metres) {
  return metres < 1000
    ? t("m", { value: numbers.format(Math.round(metres / 10) * 10) })
    : t("km", { value: decimals.format(metres / 1000) });
}

/** The label of a vocabulary entry in the page's language: `name_en` falls back to `name_vi`. */
export function label(entry, field = "name") {
  if (!entry) return "";
  return (lang === "en" && entry[`${field}_en`]) || entry[`${field}_vi`] || entry[field] || "";
}

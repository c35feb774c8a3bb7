// The planning pages' language and the sentences the server translated for their modules
// (inspections/plan_pages.py: page_texts), with the number, date and time formats of that language.
const texts = JSON.parse(document.getElementById("planner-texts").textContent);

export const lang = document.documentElement.lang === "en" ? "en" : "vi";
const locale = lang === "vi" ? "vi-VN" : "en-GB";
const plurals = new Intl.PluralRules(locale);
const numbers = new Intl.NumberFormat(locale);
const decimals = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
const percents = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
const dates = new Intl.DateTimeFormat(locale, { day: "2-digit", month: "2-digit", year: "numeric" });
const weekdays = new Intl.DateTimeFormat(locale, { weekday: "long", day: "2-digit", month: "2-digit" });

function fill(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
}

/** The sentence `key` with its %(name)s placeholders filled. */
export function t(key, values = {}) {
  return fill(texts[key] ?? key, values);
}

/** The sentence `key` in the plural form for `count`, the count formatted. */
export function tn(key, count, values = {}) {
  const forms = texts[key];
  return fill(forms[plurals.select(count)] ?? forms.other, { ...values, count: numbers.format(count) });
}

const calendarDay = (isoDay) => {
  const [year, month, day] = isoDay.slice(0, 10).split("-").map(Number);
  return new Date(year, month - 1, day);
};

/** "2026-11-23" → "23/11/2026". */
export const formatDate = (isoDay) => (isoDay ? dates.format(calendarDay(isoDay)) : "");

/** "2026-11-23" → "Thứ Hai, 23/11" (vi) or "Monday 23/11" (en). */
export const formatWeekday = (isoDay) => weekdays.format(calendarDay(isoDay));

export const formatKm = (metres) => t("km", { value: decimals.format(metres / 1000) });

export const formatPercent = (value) => percents.format(Math.abs(value) / 100);

/** Seconds → "6 h 05 min" in the page's words. */
export function formatDuration(seconds) {
  const minutes = Math.round(seconds / 60);
  return t("duration", { hours: Math.floor(minutes / 60), minutes: String(minutes % 60).padStart(2, "0") });
}

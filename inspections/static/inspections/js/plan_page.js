// The plan page: the routes on the map and the days as lists. A change made by hand is sent as
// the whole new order (/order), re-optimising asks /optimise; either way the server computes
// the times and totals again and answers with the plan, which is drawn afresh.
import * as L from "leaflet";
import { createBaseMap } from "basemap";
import { say } from "map/dom";
import { RequestError, getJSON, postJSON } from "inspections/http";
import { RouteLayer } from "inspections/routes";
import { DayLists } from "inspections/stop_list";
import { formatDuration, formatKm, formatPercent, t, tn } from "inspections/text";

// Room around the routes for the badges, the layers control and the attribution.
const FIT = { paddingTopLeft: [30, 30], paddingBottomRight: [60, 40], maxZoom: 14 };

const page = document.getElementById("planner");
const element = document.getElementById("map");
const status = document.getElementById("plan-status");
const optimiseButton = document.getElementById("optimise");

const { map, boundaries, baseLayers } = createBaseMap(element);
L.control.layers(baseLayers, {}, { collapsed: true }).addTo(map);
boundaries.catch(() => say(document.getElementById("map-status"), t("boundariesFailed")));
element.addEventListener("basemap:offline", (event) => say(document.getElementById("map-offline"), event.detail.message));

const routes = new RouteLayer(map, { onStop: (stopId) => showStop(stopId) });
const lists = new DayLists(document.getElementById("plan-days"), document.getElementById("plan-unplaced"), {
  onChange: (order, focus) => change(() => postJSON(page.dataset.orderUrl, order), focus),
});
let plan = JSON.parse(document.getElementById("plan-document").textContent);

function showStop(stopId) {
  const item = lists.focus({ stop: stopId, action: "menu" });
  item?.scrollIntoView({ block: "center", behavior: "smooth" });
}

function showTotals() {
  const visits = plan.days.reduce((sum, day) => sum + day.stops.length, 0);
  const days = plan.days.filter((day) => day.stops.length).length;
  const parts = [tn("stops", visits), formatKm(plan.summary.metres || 0), formatDuration(plan.summary.seconds || 0)];
  parts.push(t("onDays", { used: days, days: plan.days.length }));
  document.getElementById("plan-totals").textContent = parts.join(" · ");
  const saving = document.getElementById("plan-saving");
  const saved = plan.summary.saved_percent;
  saving.hidden = saved === null || saved === undefined;
  if (!saving.hidden) saving.textContent = t(saved >= 0 ? "shorter" : "longer", { percent: formatPercent(saved) });
  const warnings = plan.days.flatMap((day) => [
    ...(day.totals.over_hours ? [`${t("day", { number: day.day })}: ${t("overHours", { time: day.totals.back_at })}`] : []),
    ...(day.totals.over_cap ? [`${t("day", { number: day.day })}: ${t("overCap", { count: plan.max_visits_per_day })}`] : []),
  ]);
  if (plan.unplaced.length) warnings.push(tn("unplaced", plan.unplaced.length));
  const list = document.getElementById("plan-warnings");
  list.replaceChildren(...warnings.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
  list.hidden = !warnings.length;
}

function draw({ fit = false } = {}) {
  routes.show(plan);
  lists.show(plan);
  showTotals();
  if (fit && routes.bounds()) map.fitBounds(routes.bounds(), FIT);
}

/** What happened to the visit moved, said to a screen reader after the change. */
function outcome(focus) {
  if (!focus) return t("optimised");
  const stop = [...plan.days.flatMap((day) => day.stops.map((s, i) => ({ ...s, day: day.day, position: i + 1 })))].find((s) => s.id === focus.stop);
  const name = stop?.name || plan.unplaced.find((s) => s.id === focus.stop)?.name || "";
  if (!stop) return t("movedOut", { name });
  if (focus.action === "pin") return t(stop.pinned ? "pinnedTo" : "unpinned", { name, day: stop.day });
  return t("moved", { name, day: stop.day, position: stop.position });
}

async function change(send, focus = null) {
  page.dataset.state = "saving";
  page.setAttribute("aria-busy", "true");
  optimiseButton.disabled = true;
  say(status, t("saving"));
  try {
    plan = await send();
    draw();
    say(status, `${t("saved")} ${outcome(focus)}`);
  } catch (error) {
    const message = error instanceof RequestError && error.status === 400 ? error.message : t("loadFailed");
    say(status, t("saveFailed", { message }));
    plan = await getJSON(page.dataset.dataUrl).catch(() => plan);
    draw();
  } finally {
    page.dataset.state = "ready";
    page.removeAttribute("aria-busy");
    optimiseButton.disabled = false;
    if (focus) lists.focus(focus);
    else optimiseButton.focus();
  }
}

optimiseButton.addEventListener("click", () => change(() => postJSON(page.dataset.optimiseUrl)));
draw({ fit: true });
page.dataset.state = "ready";

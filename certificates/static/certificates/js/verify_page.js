// The verification page: the issuing site on a small map over the province boundaries (drawn
// without tiles, so the map shows even when no tile loads).
import * as L from "leaflet";
import { createBaseMap } from "basemap";

const SITE_ZOOM = 8; // the province and its neighbours: a place one recognises

const element = document.getElementById("verify-map");
if (element) {
  const { map } = createBaseMap(element, undefined, {
    mapOptions: { scrollWheelZoom: false },
  });
  // Above the boundaries, whenever they arrive.
  map.createPane("site").style.zIndex = 650;
  const place = L.latLng(Number(element.dataset.lat), Number(element.dataset.lon));
  L.circleMarker(place, {
    pane: "site",
    radius: 9,
    color: "#ffffff",
    weight: 3,
    fillColor: "#b3261e",
    fillOpacity: 1,
  })
    .bindTooltip(element.dataset.label)
    .addTo(map);
  map.setView(place, SITE_ZOOM);
}

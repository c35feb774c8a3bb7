// The landing page: the map of Viet Nam with its 34 province boundaries.
import { createBaseMap } from "basemap";

const element = document.getElementById("home-map");
if (element) {
  const { boundaries } = createBaseMap(element);
  boundaries.catch(() => {
    const status = document.getElementById("home-map-status");
    status.textContent = element.dataset.boundariesError;
    status.hidden = false;
  });
}

// The symbol of each service kind: the colour, shape and letter that /api/v1/layers/ gives it,
// drawn on the map's canvas and as small SVG images in the legend and the lists, so that a kind
// is told by its shape and letter as well as by its colour.

const SVG = "http://www.w3.org/2000/svg";

/** The corners of `shape` around (0, 0) at radius `r`; an empty list is a circle. */
export function corners(shape, r) {
  const polygon = (count, radius, start = -Math.PI / 2, step = (2 * Math.PI) / count) =>
    Array.from({ length: count }, (_, i) => [
      radius(i) * Math.cos(start + i * step),
      radius(i) * Math.sin(start + i * step),
    ]);
  switch (shape) {
    case "square":
      return polygon(4, () => r * 1.2, Math.PI / 4);
    case "triangle":
      return polygon(3, () => r * 1.3).map(([x, y]) => [x, y + r * 0.25]);
    case "diamond":
      return polygon(4, () => r * 1.3);
    case "hexagon":
      return polygon(6, () => r * 1.1);
    case "star":
      return polygon(10, (i) => (i % 2 ? r * 0.62 : r * 1.35), -Math.PI / 2, Math.PI / 5);
    default:
      return [];
  }
}

/** Black or white, whichever reads better on `colour` (#rrggbb). */
export function inkOn(colour) {
  const channel = (i) => {
    const c = parseInt(colour.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return luminance > 0.2 ? "#000000" : "#ffffff";
}

/** Traces the outline of `shape` centred on (x, y) on a 2D canvas context. */
export function traceShape(context, shape, x, y, r) {
  const points = corners(shape, r);
  context.beginPath();
  if (!points.length) {
    context.arc(x, y, r, 0, Math.PI * 2);
    return;
  }
  points.forEach(([dx, dy], i) => (i ? context.lineTo(x + dx, y + dy) : context.moveTo(x + dx, y + dy)));
  context.closePath();
}

/** A small SVG image of a style (`{colour, shape, symbol}`), hidden from screen readers: the
 * kind's name is always written beside it. */
export function symbolImage(style, size = 20) {
  const r = size * 0.34;
  const c = size / 2;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("width", size);
  svg.setAttribute("height", size);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "symbol");
  const points = corners(style.shape, r);
  const outline = document.createElementNS(SVG, points.length ? "polygon" : "circle");
  if (points.length) {
    outline.setAttribute("points", points.map(([x, y]) => `${(c + x).toFixed(2)},${(c + y).toFixed(2)}`).join(" "));
  } else {
    outline.setAttribute("cx", c);
    outline.setAttribute("cy", c);
    outline.setAttribute("r", r);
  }
  outline.setAttribute("fill", style.colour);
  outline.setAttribute("stroke", "#1a1a1a");
  outline.setAttribute("stroke-width", "1");
  const letter = document.createElementNS(SVG, "text");
  letter.setAttribute("x", c);
  letter.setAttribute("y", c + size * 0.04);
  letter.setAttribute("text-anchor", "middle");
  letter.setAttribute("dominant-baseline", "middle");
  letter.setAttribute("font-size", size * 0.42);
  letter.setAttribute("font-weight", "700");
  letter.setAttribute("fill", inkOn(style.colour));
  letter.textContent = style.symbol;
  svg.append(outline, letter);
  return svg;
}

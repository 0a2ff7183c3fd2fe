/**
 * The hatch pattern that marks modeled control-plane time in charts. Vega
 * passes a `url(#…)` fill through to the SVG unchanged; the renderer adds the
 * pattern definition to every SVG that refers to it, so each chart stands alone.
 */
export const HATCH_ID = 'coldpath-modeled-hatch';
export const HATCH_FILL = `url(#${HATCH_ID})`;

/** Semi-transparent diagonal stripes over whatever colour lies beneath. */
export const HATCH_DEFS =
  `<defs><pattern id="${HATCH_ID}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">` +
  '<rect width="6" height="6" fill="white" fill-opacity="0.15"/><line x1="0" y1="0" x2="0" y2="6" stroke="#222" stroke-width="2" stroke-opacity="0.55"/></pattern></defs>';

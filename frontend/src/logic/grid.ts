/** How a wall is drawn: its columns (a hint from the backend), reflowed to the room there is. */
import type { CompartmentState } from "../types";

export const TILE_GAP = 8;

/** Columns when the backend gives no hint: close to a square. */
export const defaultColumns = (count: number): number => Math.max(1, Math.ceil(Math.sqrt(Math.max(1, count))));

/**
 * The columns to draw: the hint when it fits in `width` with tiles at least `minTile` wide;
 * otherwise as many as fit, preferring a divisor of the hint (so half a wall stays half a wall).
 */
export function gridColumns(count: number, hint: number | null | undefined, width: number, minTile: number): number {
  const wanted = Math.max(1, Math.min(Math.max(1, count), hint && hint > 0 ? Math.trunc(hint) : defaultColumns(count)));
  if (!(width > 0)) return wanted;
  const fit = Math.max(1, Math.floor((width + TILE_GAP) / (minTile + TILE_GAP)));
  if (wanted <= fit) return wanted;
  for (let d = fit; d >= Math.ceil(fit / 2); d -= 1) {
    if (wanted % d === 0) return d;
  }
  return fit;
}

export const gridRows = (count: number, columns: number): number => Math.ceil(Math.max(0, count) / Math.max(1, columns));

/** The compartments in rows, numbered left to right, top to bottom. */
export function gridCells(compartments: readonly CompartmentState[], columns: number): CompartmentState[][] {
  const sorted = [...compartments].sort((a, b) => a.number - b.number);
  const rows: CompartmentState[][] = [];
  const width = Math.max(1, columns);
  for (let i = 0; i < sorted.length; i += width) rows.push(sorted.slice(i, i + width));
  return rows;
}
